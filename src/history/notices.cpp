// Notifications' side of the history: the debounce (changes held until the next refresh of
// their target confirms them) and the outbox (one row per notifier and change until it is
// delivered), both in the file so that a restart neither loses nor repeats a message.

#include "engine/classify.hpp"
#include "history/codes.hpp"
#include "history/sqlite.hpp"
#include "rblscope/catalog.hpp"
#include "rblscope/history.hpp"

#include <arpa/inet.h>
#include <set>

namespace rblscope {

namespace {

using history::exec;
using history::join_codes;
using history::split_codes;
using history::sqlite_error;
using history::Statement;

bool is_answer_change(std::string_view kind) {
    return kind == "broke" || kind == "recovered";
}

/// The held key of a change: listing changes and answer changes of one result are held
/// apart (a list that times out once neither confirms nor undoes a listing).
std::string held_key(const std::string& result_key, std::string_view kind) {
    return result_key + (is_answer_change(kind) ? "\tanswer" : "\tlisting");
}

/// True when `next` undoes `held` (the pair would tell nothing that lasted).
bool undoes(std::string_view held, std::string_view next) {
    const bool held_listing = held == "listed" || held == "newly-listed";
    return (held_listing && next == "delisted") || (held == "delisted" && next == "newly-listed") ||
           (held == "broke" && next == "recovered") || (held == "recovered" && next == "broke");
}

/// A delisting's severity is that of the codes it had.
std::string severity_of_codes(const Zone& zone, const std::vector<std::string>& codes) {
    std::vector<std::uint32_t> answers;
    for (const auto& c : codes) {
        in_addr a{};
        if (inet_pton(AF_INET, c.c_str(), &a) == 1) {
            answers.push_back(ntohl(a.s_addr));
        }
    }
    if (answers.empty()) {
        return "info";
    }
    const auto reading = read_answers(zone, answers);
    return std::string(reading.status == Status::listed ? to_string(reading.severity) : "info");
}

Notice notice_of(const TargetReport& report, const ResultChange& c, std::int64_t now) {
    const ZoneResult& r = *c.result;
    Notice n;
    n.kind = std::string(to_string(c.kind));
    n.target = report.target.text;
    n.zone_id = r.zone->id;
    n.zone = r.zone->zone;
    n.subject = r.subject;
    n.codes = r.codes;
    n.previous_codes = c.previous_codes;
    n.severity = c.kind == ChangeKind::delisted ? severity_of_codes(*r.zone, c.previous_codes)
                 : r.status == Status::listed   ? std::string(to_string(r.severity))
                                                : "warning"; // a list that broke or came back
    n.meaning = r.meaning;
    n.txt = r.txt;
    n.delist_url = r.delist_url;
    n.error = r.error;
    n.seen = now;
    return n;
}

/// The columns a held row and an outbox row share, bound from `first`.
void bind_change(Statement& s, int first, const Notice& n) {
    s.bind(first, n.target)
        .bind(first + 1, n.zone_id)
        .bind(first + 2, n.zone)
        .bind(first + 3, n.subject)
        .bind(first + 4, n.kind)
        .bind(first + 5, join_codes(n.codes))
        .bind(first + 6, join_codes(n.previous_codes))
        .bind(first + 7, n.severity)
        .bind(first + 8, n.meaning)
        .bind(first + 9, n.txt)
        .bind(first + 10, n.delist_url)
        .bind(first + 11, n.error)
        .bind(first + 12, n.seen);
}

constexpr const char* k_change_columns = "target, zone_id, zone, subject, kind, codes,"
                                         " previous_codes, severity, meaning, txt, delist_url,"
                                         " error, seen";

void read_change(const Statement& s, int first, Notice& n) {
    n.target = s.text(first);
    n.zone_id = s.text(first + 1);
    n.zone = s.text(first + 2);
    n.subject = s.text(first + 3);
    n.kind = s.text(first + 4);
    n.codes = split_codes(s.text(first + 5));
    n.previous_codes = split_codes(s.text(first + 6));
    n.severity = s.text(first + 7);
    n.meaning = s.text(first + 8);
    n.txt = s.text(first + 9);
    n.delist_url = s.text(first + 10);
    n.error = s.text(first + 11);
    n.seen = s.integer(first + 12);
}

/// "notifier IN (?,?,...)" for `n` names ("0" for none: nothing matches).
std::string notifier_in(std::size_t n) {
    if (n == 0) {
        return "0";
    }
    std::string out = "notifier IN (";
    for (std::size_t i = 0; i < n; ++i) {
        out += i == 0 ? "?" : ",?";
    }
    return out + ")";
}

void bind_names(Statement& s, int first, const std::vector<std::string>& names) {
    for (const auto& n : names) {
        s.bind(first++, n);
    }
}

} // namespace

std::optional<Error> HistoryStore::load_held() {
    Statement s(m_db,
                (std::string("SELECT key, flaps, ") + k_change_columns + " FROM held").c_str());
    int rc = SQLITE_ERROR;
    while (s.ok() && (rc = s.step()) == SQLITE_ROW) {
        Notice n;
        n.flaps = static_cast<int>(s.integer(1));
        read_change(s, 2, n);
        m_held.emplace(s.text(0), std::move(n));
    }
    if (rc != SQLITE_DONE) {
        return sqlite_error(m_db, m_path, "cannot read the history's held changes");
    }
    return std::nullopt;
}

Result<std::vector<Notice>> HistoryStore::confirm(const TargetReport& report,
                                                  const std::vector<ResultChange>& changes,
                                                  std::int64_t now) {
    std::vector<Notice> confirmed;
    const std::string prefix = report.target.text + "\t";
    const auto first_held = m_held.lower_bound(prefix);
    if (changes.empty() && (first_held == m_held.end() || !first_held->first.starts_with(prefix))) {
        return confirmed; // the usual refresh of a target: nothing held, nothing new
    }
    std::map<std::string, std::optional<Notice>> writes; ///< held rows to put (or delete: none)
    // 1. What was held from an earlier refresh and is still so now: confirmed.
    std::set<std::string> changed;
    for (const auto& c : changes) {
        changed.insert(held_key(state_key(report, *c.result), to_string(c.kind)));
    }
    std::map<std::string, const ZoneResult*> results;
    for (const auto& r : report.results) {
        if (r.zone != nullptr) {
            results.emplace(state_key(report, r), &r);
        }
    }
    for (auto it = first_held; it != m_held.end() && it->first.starts_with(prefix); ++it) {
        const auto& [key, held] = *it;
        if (changed.contains(key)) {
            continue;
        }
        const auto result_key = key.substr(0, key.rfind('\t'));
        const auto r = results.find(result_key);
        if (r == results.end()) {
            writes[key] = std::nullopt; // the zone is no longer checked for this target
            continue;
        }
        const Status st = r->second->status;
        const bool answered = st == Status::listed || st == Status::clean;
        if (held.kind.empty() || (!answered && !is_answer_change(held.kind))) {
            continue; // only a flap count; or the list did not answer: wait for one that does
        }
        Notice n = held;
        n.confirmed = now;
        if (st == Status::listed && n.kind != "delisted" && !is_answer_change(n.kind)) {
            // Told as the confirming refresh sees it (its TXT may have more to say).
            const ZoneResult& current = *r->second;
            n.codes = current.codes;
            n.severity = std::string(to_string(current.severity));
            n.meaning = current.meaning;
            n.txt = current.txt;
            n.delist_url = current.delist_url;
        }
        confirmed.push_back(std::move(n));
        writes[key] = std::nullopt;
    }
    // 2. This refresh's changes: held, or undoing what was held (a flap).
    for (const auto& c : changes) {
        const auto key = held_key(state_key(report, *c.result), to_string(c.kind));
        Notice next = notice_of(report, c, now);
        auto held_now = writes.contains(key)   ? writes[key]
                        : m_held.contains(key) ? std::optional<Notice>(m_held.at(key))
                                               : std::nullopt;
        if (held_now && !held_now->kind.empty()) {
            if (undoes(held_now->kind, next.kind)) {
                held_now->kind.clear();
                ++held_now->flaps;
                if (held_now->flaps >= k_flaps_to_tell) {
                    Notice f = next;
                    f.kind = "flapping";
                    f.flaps = held_now->flaps;
                    f.seen = held_now->seen;
                    f.confirmed = now;
                    confirmed.push_back(std::move(f));
                    writes[key] = std::nullopt;
                    continue;
                }
                writes[key] = std::move(held_now);
                continue;
            }
            if (next.kind == "codes-changed" && held_now->kind != "delisted") {
                // Listed in both refreshes: the held listing is confirmed, with today's codes.
                next.kind = held_now->kind;
                next.previous_codes = held_now->previous_codes;
                next.seen = held_now->seen;
                next.flaps = held_now->flaps;
                next.confirmed = now;
                confirmed.push_back(std::move(next));
                writes[key] = std::nullopt;
                continue;
            }
        }
        if (held_now) {
            next.flaps = held_now->flaps;
            if (!held_now->kind.empty()) {
                next.seen = held_now->seen;
            }
        }
        writes[key] = std::move(next);
    }
    if (writes.empty()) {
        return confirmed;
    }
    if (auto e = begin()) {
        return *e;
    }
    Statement put(m_db,
                  (std::string("INSERT OR REPLACE INTO held(key, flaps, ") + k_change_columns +
                   ") VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")
                      .c_str());
    Statement del(m_db, "DELETE FROM held WHERE key = ?");
    for (auto& [key, row] : writes) {
        Statement& s = row ? put : del;
        s.bind(1, key);
        if (row) {
            put.bind(2, std::int64_t{row->flaps});
            bind_change(put, 3, *row);
        }
        if (s.step() != SQLITE_DONE) {
            return sqlite_error(m_db, m_path, "cannot write the history's held changes");
        }
        s.reset();
        if (row) {
            m_held[key] = std::move(*row);
        } else {
            m_held.erase(key);
        }
    }
    if (auto e = commit_if_due(!confirmed.empty())) {
        return *e;
    }
    return confirmed;
}

std::optional<Error> HistoryStore::enqueue(const std::vector<Notice>& notices,
                                           std::int64_t not_before) {
    if (notices.empty()) {
        return std::nullopt;
    }
    if (auto e = begin()) {
        return e;
    }
    Statement add(m_db,
                  (std::string("INSERT INTO outbox(notifier, confirmed, flaps, attempts,"
                               " next_attempt, last_error, ") +
                   k_change_columns + ") VALUES(?,?,?,0,?,'',?,?,?,?,?,?,?,?,?,?,?,?,?)")
                      .c_str());
    for (const auto& n : notices) {
        add.bind(1, n.notifier)
            .bind(2, n.confirmed)
            .bind(3, std::int64_t{n.flaps})
            .bind(4, not_before);
        bind_change(add, 5, n);
        if (add.step() != SQLITE_DONE) {
            return sqlite_error(m_db, m_path, "cannot queue a notification");
        }
        add.reset();
    }
    return commit_if_due(true); // queued for good before anything is sent
}

Result<std::vector<Notice>> HistoryStore::due_notices(std::int64_t now,
                                                      std::size_t limit,
                                                      const std::vector<std::string>& notifiers) {
    Statement s(m_db,
                (std::string("SELECT id, notifier, confirmed, flaps, attempts, last_error, ") +
                 k_change_columns + " FROM outbox WHERE sent IS NULL AND next_attempt <= ? AND " +
                 notifier_in(notifiers.size()) + " ORDER BY id LIMIT ?")
                    .c_str());
    s.bind(1, now);
    bind_names(s, 2, notifiers);
    s.bind(static_cast<int>(notifiers.size()) + 2, static_cast<std::int64_t>(limit));
    std::vector<Notice> out;
    int rc = SQLITE_ERROR;
    while (s.ok() && (rc = s.step()) == SQLITE_ROW) {
        Notice n;
        n.id = s.integer(0);
        n.notifier = s.text(1);
        n.confirmed = s.integer(2);
        n.flaps = static_cast<int>(s.integer(3));
        n.attempts = static_cast<int>(s.integer(4));
        n.last_error = s.text(5);
        read_change(s, 6, n);
        out.push_back(std::move(n));
    }
    if (rc != SQLITE_DONE) {
        return sqlite_error(m_db, m_path, "cannot read the notifications waiting");
    }
    return out;
}

Result<std::optional<std::int64_t>>
HistoryStore::next_notice_due(std::int64_t after, const std::vector<std::string>& notifiers) {
    Statement s(m_db,
                (std::string("SELECT coalesce(min(next_attempt), -1) FROM outbox WHERE sent IS "
                             "NULL AND next_attempt > ? AND ") +
                 notifier_in(notifiers.size()))
                    .c_str());
    s.bind(1, after);
    bind_names(s, 2, notifiers);
    if (s.step() != SQLITE_ROW) {
        return sqlite_error(m_db, m_path, "cannot read the notifications waiting");
    }
    const auto at = s.integer(0);
    return at < 0 ? std::optional<std::int64_t>() : std::optional<std::int64_t>(at);
}

std::optional<Error> HistoryStore::notices_sent(const std::vector<std::int64_t>& ids,
                                                std::int64_t now) {
    if (auto e = begin()) {
        return e;
    }
    Statement s(m_db, "UPDATE outbox SET sent = ?, attempts = attempts + 1 WHERE id = ?");
    for (const auto id : ids) {
        s.bind(1, now).bind(2, id);
        if (s.step() != SQLITE_DONE) {
            return sqlite_error(m_db, m_path, "cannot mark a notification sent");
        }
        s.reset();
    }
    return commit_if_due(true); // before another is sent: a restart must not send it again
}

std::optional<Error> HistoryStore::notices_failed(const std::vector<std::int64_t>& ids,
                                                  std::int64_t retry_at,
                                                  const std::string& error) {
    if (auto e = begin()) {
        return e;
    }
    Statement s(m_db,
                "UPDATE outbox SET attempts = attempts + 1, next_attempt = ?, last_error = ?"
                " WHERE id = ?");
    for (const auto id : ids) {
        s.bind(1, retry_at).bind(2, error).bind(3, id);
        if (s.step() != SQLITE_DONE) {
            return sqlite_error(m_db, m_path, "cannot note a failed notification");
        }
        s.reset();
    }
    return commit_if_due(true);
}

} // namespace rblscope
