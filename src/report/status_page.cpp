// serve's status page (see status_page.hpp).

#include "report/status_page.hpp"

#include "report/history_report.hpp"
#include "report/html_text.hpp"
#include "report/time_text.hpp"
#include "sources/adapter.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <map>

namespace rblscope {

namespace {

using html::esc;

constexpr std::int64_t k_day = 86400;
constexpr int k_strip_days = 90;

constexpr std::string_view k_style = R"(
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}
h1{font-size:1.35em;margin:0 0 .3em}h2{font-size:1.1em;margin:1.6em 0 .4em}
table{border-collapse:collapse;width:100%}
td,th{text-align:left;padding:.35em .8em .35em 0;vertical-align:top;border-top:1px solid #e3e3e3}
th{font-weight:600;border-top:none}
.badge{display:inline-block;min-width:4.5em;text-align:center;padding:.05em .5em;border-radius:3px;font-size:12px}
.listed{background:#f28b82}.clean{background:#8fd19e}.unknown{background:#d0d0d0}.unchecked{background:#eee}
ul.l{margin:0;padding-left:1.1em}code{font-size:12px}.muted{color:#666;font-size:12px}
nav a,nav span{margin-right:.8em}svg{display:block}
)";

std::string_view verdict_class(const TargetSnapshot* s) {
    return s == nullptr ? "unchecked" : to_string(s->verdict);
}

/// [since, until) of each broke-to-recovered stretch of any list, for the strip.
std::vector<std::pair<std::int64_t, std::int64_t>> outages(const HistoryTimeline& t,
                                                           std::int64_t now) {
    std::vector<std::pair<std::int64_t, std::int64_t>> out;
    std::map<std::string, std::int64_t> open;
    for (const auto& e : t.events) {
        const auto key = e.zone_id + '\t' + e.subject;
        if (e.kind == ChangeKind::broke) {
            open.emplace(key, e.at);
        } else if (auto it = open.find(key); it != open.end()) {
            out.emplace_back(it->second, e.at);
            open.erase(it);
        }
    }
    for (const auto& [key, since] : open) {
        out.emplace_back(since, now);
    }
    return out;
}

std::string strip_svg(const std::vector<DayState>& days, std::int64_t now) {
    constexpr int w = 4, gap = 1, h = 16;
    const int width = static_cast<int>(days.size()) * (w + gap);
    std::string out = fmt::format(
        "<svg class=\"strip\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\" role=\"img\" "
        "aria-label=\"the last {2} days\">",
        width,
        h,
        days.size());
    const auto today = now - now % k_day;
    for (std::size_t i = 0; i < days.size(); ++i) {
        const auto day = today - static_cast<std::int64_t>(days.size() - 1 - i) * k_day;
        const char* state = days[i] == DayState::listed  ? "listed"
                            : days[i] == DayState::clean ? "clean"
                                                         : "unknown";
        const char* colour = days[i] == DayState::listed  ? "#d93025"
                             : days[i] == DayState::clean ? "#34a853"
                                                          : "#c8c8c8";
        out += fmt::format("<rect x=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\" "
                           "class=\"{}\"><title>{}: {}</title></rect>",
                           static_cast<int>(i) * (w + gap),
                           w,
                           h,
                           colour,
                           state,
                           utc_text(day).substr(0, 10),
                           state);
    }
    return out + "</svg>";
}

std::string listings_html(const StatusTarget& t, std::int64_t now) {
    std::string out;
    // With a history: the open listings with what they said and since when.
    if (t.timeline != nullptr) {
        for (const auto& l : t.timeline->listings) {
            if (l.until) {
                continue;
            }
            const auto codes = fmt::format("{}", fmt::join(l.codes, ", "));
            out += fmt::format(
                "<li class=\"open-listing\"><b>{}</b> <code>{}</code>{} since {} "
                "({}){}{}</li>",
                esc(l.zone),
                esc(codes),
                l.meaning.empty() ? "" : " " + esc(l.meaning),
                esc(utc_text(l.since)),
                esc(duration_text(now - l.since)),
                l.txt.empty() ? "" : "<br><span class=\"muted\">" + esc(l.txt) + "</span>",
                l.delist_url.empty() ? ""
                                     : " &middot; " + html::link(l.delist_url, "request removal"));
        }
        if (!out.empty()) {
            return "<ul class=\"l\">" + out + "</ul>";
        }
    }
    // Without one (or before it recorded them): what the latest check said.
    if (t.snapshot != nullptr) {
        for (const auto& m : t.snapshot->marks) {
            if (m.status == Status::listed) {
                out += fmt::format("<li class=\"open-listing\"><b>{}</b> <code>{}</code></li>",
                                   esc(m.zone),
                                   esc(m.codes));
            } else if (m.status == Status::error || m.status == Status::timeout) {
                out += fmt::format("<li class=\"unanswered\">{}: no answer</li>", esc(m.zone));
            }
        }
    }
    return out.empty() ? std::string() : "<ul class=\"l\">" + out + "</ul>";
}

std::string page_link(std::size_t page, std::string_view show, std::string_view text) {
    return fmt::format("<a href=\"?page={}&amp;show={}\">{}</a>", page, show, text);
}

} // namespace

std::vector<DayState> day_states(const HistoryTimeline* timeline,
                                 std::optional<std::int64_t> began,
                                 std::int64_t now,
                                 int days,
                                 std::optional<Verdict> today_verdict) {
    std::vector<DayState> out(static_cast<std::size_t>(days), DayState::unknown);
    if (!began) {
        return out;
    }
    const auto today = now - now % k_day;
    const auto down = timeline != nullptr ? outages(*timeline, now)
                                          : std::vector<std::pair<std::int64_t, std::int64_t>>{};
    for (int i = 0; i < days; ++i) {
        const auto from = today - static_cast<std::int64_t>(days - 1 - i) * k_day;
        const auto to = from + k_day;
        if (to <= *began || from > now) {
            continue; // not watched yet
        }
        const auto overlaps = [&](std::int64_t a, std::int64_t b) { return a < to && b > from; };
        auto& d = out[static_cast<std::size_t>(i)];
        d = DayState::clean;
        if (timeline == nullptr) {
            continue;
        }
        if (std::any_of(timeline->listings.begin(), timeline->listings.end(), [&](const auto& l) {
                return overlaps(l.since, l.until.value_or(now + 1));
            })) {
            d = DayState::listed;
        } else if (std::any_of(down.begin(), down.end(), [&](const auto& o) {
                       return overlaps(o.first, o.second);
                   })) {
            d = DayState::unknown;
        }
    }
    if (days > 0 && out.back() == DayState::clean && today_verdict &&
        *today_verdict != Verdict::clean) {
        out.back() = *today_verdict == Verdict::listed ? DayState::listed : DayState::unknown;
    }
    return out;
}

std::string render_status_page(const StatusPage& p) {
    std::string out = fmt::format(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        "<title>rblscope: {} listed, {} unknown</title><style>{}</style></head><body>\n",
        p.listed,
        p.unknown,
        k_style);
    out += fmt::format("<h1>rblscope on {}</h1>\n<p id=\"summary\">{} target{} watched: "
                       "<span class=\"badge listed\">{} listed</span> "
                       "<span class=\"badge unknown\">{} unknown</span> "
                       "<span class=\"badge clean\">{} clean</span>{}. {} "
                       "<span class=\"muted\">Page made {}.</span></p>\n",
                       esc(p.instance),
                       p.listed + p.unknown + p.clean + p.unchecked,
                       p.listed + p.unknown + p.clean + p.unchecked == 1 ? "" : "s",
                       p.listed,
                       p.unknown,
                       p.clean,
                       p.unchecked == 0 ? "" : fmt::format(", {} not checked yet", p.unchecked),
                       p.last_refresh_unix > 0
                           ? "Last check finished " +
                                 esc(utc_text(static_cast<std::int64_t>(p.last_refresh_unix))) + "."
                           : std::string(),
                       esc(utc_text(p.now)));
    out += "<h2>Lists broken now</h2>\n";
    if (p.broken.empty()) {
        out +=
            "<p id=\"broken\">None: every list passed its test points in the latest check.</p>\n";
    } else {
        out += "<table id=\"broken\"><tr><th>list</th><th>zone</th><th>condition</th>"
               "<th>test points said</th></tr>";
        for (const auto& z : p.broken) {
            out += fmt::format("<tr class=\"broken-zone\"><td>{}</td><td><code>{}</code></td>"
                               "<td>{}</td><td>{}</td></tr>",
                               esc(z.list),
                               esc(z.zone),
                               esc(z.condition),
                               esc(z.evidence));
        }
        out += "</table>\n<p class=\"muted\">A broken list answers nothing about the targets: "
               "their verdict is unknown where it mattered, never clean.</p>\n";
    }
    out += "<h2>Targets</h2>\n<nav id=\"filter\">Show: ";
    for (const auto& [show, label] : {std::pair<std::string_view, std::string_view>{"all", "all"},
                                      {"listed", "listed"},
                                      {"unknown", "unknown"}}) {
        out += show == p.show ? fmt::format("<span><b>{}</b></span>", label)
                              : page_link(1, show, label);
    }
    out += "</nav>\n";
    if (p.targets.empty()) {
        out += "<p>No target to show.</p>\n";
    } else {
        out += fmt::format("<table id=\"targets\"><tr><th>target</th><th>verdict</th>"
                           "<th>listings and unanswered lists</th><th>{}</th></tr>\n",
                           p.history ? "last 90 days (UTC)" : "");
        for (const auto& t : p.targets) {
            const auto cls = verdict_class(t.snapshot);
            out += fmt::format(
                "<tr class=\"target\" id=\"t-{0}\"><td><code>{0}</code></td><td><span "
                "class=\"badge {1}\">{1}</span></td><td>{2}</td><td>{3}</td></tr>\n",
                esc(t.target),
                cls,
                listings_html(t, p.now),
                p.history ? strip_svg(day_states(t.timeline,
                                                 p.began,
                                                 p.now,
                                                 k_strip_days,
                                                 t.snapshot != nullptr
                                                     ? std::optional(t.snapshot->verdict)
                                                     : std::nullopt),
                                      p.now) +
                                "<a "
                                "class=\"muted\" href=\"history.json?target=" +
                                esc(source::url_encode(t.target)) + "\">history</a>"
                          : std::string());
        }
        out += "</table>\n";
    }
    if (p.pages > 1) {
        out += "<nav id=\"pages\">";
        if (p.page > 1) {
            out += page_link(p.page - 1, p.show, "&larr; previous");
        }
        out += fmt::format("<span>page {} of {} ({} target{})</span>",
                           p.page,
                           p.pages,
                           p.matching,
                           p.matching == 1 ? "" : "s");
        if (p.page < p.pages) {
            out += page_link(p.page + 1, p.show, "next &rarr;");
        }
        out += "</nav>\n";
    }
    out += "<p class=\"muted\"><a href=\"metrics\">metrics</a> &middot; <a "
           "href=\"history.json\">history.json</a> &middot; <a href=\"healthz\">healthz</a>"
           " &middot; /probe?target=ADDRESS</p>\n</body></html>\n";
    return out;
}

} // namespace rblscope
