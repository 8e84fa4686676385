// read_history(): the timelines `rblscope history` and serve's /history.json show, read
// beside a running writer (WAL).

#include "history/codes.hpp"
#include "history/sqlite.hpp"
#include "rblscope/history.hpp"

#include <ctime>
#include <map>
#include <sys/stat.h>

namespace rblscope {

namespace {

HistoryEvent event_of(const history::Statement& s) {
    HistoryEvent e;
    e.at = s.integer(0);
    e.target = s.text(1);
    e.zone_id = s.text(2);
    e.zone = s.text(3);
    e.subject = s.text(4);
    const auto kind = s.text(5);
    for (const auto k : {ChangeKind::listed,
                         ChangeKind::newly_listed,
                         ChangeKind::codes_changed,
                         ChangeKind::delisted,
                         ChangeKind::broke,
                         ChangeKind::recovered}) {
        if (kind == to_string(k)) {
            e.kind = k;
        }
    }
    e.codes = history::split_codes(s.text(6));
    e.previous_codes = history::split_codes(s.text(7));
    e.meaning = s.text(8);
    e.txt = s.text(9);
    e.delist_url = s.text(10);
    e.error = s.text(11);
    return e;
}

/// Folds one target's events (in order) into its listings and other events.
void add_event(HistoryTimeline& t, std::map<std::string, std::size_t>& open, HistoryEvent e) {
    const auto key = e.zone_id + '\t' + e.subject;
    const auto it = open.find(key);
    switch (e.kind) {
    case ChangeKind::listed:
    case ChangeKind::newly_listed:
    case ChangeKind::codes_changed:
        if (it == open.end()) {
            HistoryListing l{e.zone_id,
                             e.zone,
                             e.subject,
                             e.codes,
                             e.meaning,
                             e.txt,
                             e.delist_url,
                             e.at,
                             std::nullopt};
            open[key] = t.listings.size();
            t.listings.push_back(std::move(l));
        } else {
            auto& l = t.listings[it->second];
            l.codes = e.codes;
            l.meaning = e.meaning;
            l.txt = e.txt.empty() ? l.txt : e.txt;
            l.delist_url = e.delist_url.empty() ? l.delist_url : e.delist_url;
        }
        break;
    case ChangeKind::delisted:
        if (it != open.end()) {
            t.listings[it->second].until = e.at;
            open.erase(it);
        }
        break;
    case ChangeKind::broke:
    case ChangeKind::recovered:
        t.events.push_back(std::move(e));
        break;
    }
}

} // namespace

Result<std::vector<HistoryTimeline>>
read_history(const std::string& path, const std::vector<std::string>& targets, std::int64_t since) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
        return Error{"no such history file (serve --history FILE writes one)", path};
    }
    sqlite3* raw = nullptr;
    const int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr);
    const std::unique_ptr<sqlite3, int (*)(sqlite3*)> db(raw, sqlite3_close);
    if (rc != SQLITE_OK) {
        return history::sqlite_error(raw, path, "cannot open the history");
    }
    sqlite3_busy_timeout(raw, 5000);
    // Only the targets asked for are read (events_by_target), not the whole file.
    std::string sql = "SELECT at, target, zone_id, zone, subject, kind, codes, previous_codes,"
                      " meaning, txt, delist_url, error FROM events";
    if (!targets.empty()) {
        sql += " WHERE target IN (?";
        for (std::size_t i = 1; i < targets.size(); ++i) {
            sql += ",?";
        }
        sql += ")";
    }
    sql += " ORDER BY target, id";
    history::Statement s(raw, sql.c_str());
    if (!s.ok()) {
        return history::sqlite_error(raw, path, "not a rblscope history file");
    }
    for (std::size_t i = 0; i < targets.size(); ++i) {
        s.bind(static_cast<int>(i + 1), targets[i]);
    }
    std::vector<HistoryTimeline> out;
    std::map<std::string, std::size_t> open;
    int step = 0;
    while ((step = s.step()) == SQLITE_ROW) {
        auto e = event_of(s);
        if (out.empty() || out.back().target != e.target) {
            out.push_back({e.target, {}, {}});
            open.clear();
        }
        add_event(out.back(), open, std::move(e));
    }
    if (step != SQLITE_DONE) {
        return history::sqlite_error(raw, path, "cannot read the history");
    }
    // What ended before `since` is left out; a listing open then is shown whole.
    for (auto& t : out) {
        std::erase_if(t.listings,
                      [since](const HistoryListing& l) { return l.until && *l.until < since; });
        std::erase_if(t.events, [since](const HistoryEvent& e) { return e.at < since; });
    }
    std::erase_if(out,
                  [](const HistoryTimeline& t) { return t.listings.empty() && t.events.empty(); });
    return out;
}

Result<std::int64_t> parse_since(std::string_view text, std::int64_t now) {
    const std::string t(text);
    // An age: a number of days or hours.
    if (t.size() >= 2 && (t.back() == 'd' || t.back() == 'h') &&
        t.find_first_not_of("0123456789") == t.size() - 1 && t.size() <= 7) {
        const auto n = std::stoll(t.substr(0, t.size() - 1));
        return now - n * (t.back() == 'd' ? 86400 : 3600);
    }
    std::tm tm{};
    const char* end = ::strptime(t.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm);
    if (end == nullptr || *end != '\0') {
        tm = {};
        end = ::strptime(t.c_str(), "%Y-%m-%d", &tm);
    }
    if (end == nullptr || *end != '\0') {
        return Error{"not a date: give 2026-12-01, 2026-12-01T08:00:00Z, or an age such as "
                     "7d or 12h",
                     "--since " + t};
    }
    return static_cast<std::int64_t>(::timegm(&tm));
}

} // namespace rblscope
