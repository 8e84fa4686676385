// `rblscope history`: text, JSON and CSV of the listing timelines.

#include "report/history_report.hpp"

#include "core/sanitize.hpp"
#include "report/csv_field.hpp"
#include "report/json_writer.hpp"
#include "report/time_text.hpp"

#include <algorithm>
#include <fmt/ranges.h>

namespace rblscope {

namespace {

std::int64_t lasted(const HistoryListing& l, std::int64_t now) {
    return std::max<std::int64_t>(0, l.until.value_or(now) - l.since);
}

/// The file is ours, but text from it goes to a terminal: no control characters.
std::string safe(std::string_view s) {
    return sanitize_text(s, 512);
}

void write_listing_text(std::FILE* out, const HistoryListing& l, std::int64_t now) {
    std::string line;
    if (l.until) {
        line = fmt::format("  was listed on {} from {} to {} ({})",
                           safe(l.zone),
                           utc_text(l.since),
                           utc_text(*l.until),
                           duration_text(lasted(l, now)));
    } else {
        line = fmt::format("  LISTED on {} since {} ({} so far)",
                           safe(l.zone),
                           utc_text(l.since),
                           duration_text(lasted(l, now)));
    }
    line += fmt::format(": {}", safe(fmt::format("{}", fmt::join(l.codes, ", "))));
    if (!l.meaning.empty()) {
        line += fmt::format(" ({})", safe(l.meaning));
    }
    if (!l.txt.empty()) {
        line += fmt::format(" \"{}\"", safe(l.txt));
    }
    if (!l.until && !l.delist_url.empty()) {
        line += "; delist: " + safe(l.delist_url);
    }
    fmt::print(out, "{}\n", line);
}

} // namespace

std::string duration_text(std::int64_t s) {
    if (s < 60) {
        return fmt::format("{} s", s);
    }
    if (s < 3600) {
        return fmt::format("{} min", s / 60);
    }
    if (s < 86400) {
        return fmt::format("{} h {} min", s / 3600, s % 3600 / 60);
    }
    return fmt::format("{} d {} h", s / 86400, s % 86400 / 3600);
}

void write_history_text(std::FILE* out,
                        const std::vector<HistoryTimeline>& timelines,
                        std::int64_t now) {
    std::size_t open = 0, ended = 0;
    for (const auto& t : timelines) {
        fmt::print(out, "{}\n", safe(t.target));
        for (const bool open_ones : {true, false}) {
            for (const auto& l : t.listings) {
                if (l.until.has_value() != open_ones) {
                    write_listing_text(out, l, now);
                    ++(open_ones ? open : ended);
                }
            }
        }
        for (const auto& e : t.events) {
            fmt::print(out,
                       "  {} {} at {}{}{}\n",
                       e.kind == ChangeKind::broke ? "list broke:" : "list recovered:",
                       safe(e.zone),
                       utc_text(e.at),
                       e.error.empty() ? "" : ": ",
                       safe(e.error));
        }
    }
    fmt::print(out,
               "{} target{}: {} open listing{}, {} ended\n",
               timelines.size(),
               timelines.size() == 1 ? "" : "s",
               open,
               open == 1 ? "" : "s",
               ended);
}

void write_history_json(fmt::memory_buffer& out,
                        const std::vector<HistoryTimeline>& timelines,
                        std::int64_t now) {
    JsonWriter w(out);
    w.begin_object();
    w.key("version");
    w.value(RBLSCOPE_VERSION);
    w.key("generated");
    w.value(utc_text(now, true));
    w.key("targets");
    w.begin_array();
    for (const auto& t : timelines) {
        w.begin_object();
        w.key("target");
        w.value(t.target);
        w.key("open_listings");
        w.value(static_cast<std::uint64_t>(std::count_if(
            t.listings.begin(), t.listings.end(), [](const auto& l) { return !l.until; })));
        w.key("listings");
        w.begin_array();
        for (const auto& l : t.listings) {
            w.begin_object();
            w.key("zone");
            w.value(l.zone);
            w.key("id");
            w.value(l.zone_id);
            w.key("subject");
            w.value(l.subject);
            w.key("codes");
            w.strings(l.codes);
            w.key("meaning");
            w.string_or_null(l.meaning);
            w.key("txt");
            w.string_or_null(l.txt);
            w.key("delist_url");
            w.string_or_null(l.delist_url);
            w.key("since");
            w.value(utc_text(l.since, true));
            w.key("until");
            l.until ? w.value(utc_text(*l.until, true)) : w.null();
            w.key("seconds");
            w.value(lasted(l, now));
            w.end_object();
        }
        w.end_array();
        w.key("events");
        w.begin_array();
        for (const auto& e : t.events) {
            w.begin_object();
            w.key("at");
            w.value(utc_text(e.at, true));
            w.key("zone");
            w.value(e.zone);
            w.key("id");
            w.value(e.zone_id);
            w.key("subject");
            w.value(e.subject);
            w.key("change");
            w.value(to_string(e.kind));
            w.key("error");
            w.string_or_null(e.error);
            w.end_object();
        }
        w.end_array();
        w.end_object();
    }
    w.end_array();
    w.end_object();
}

void write_history_csv(std::FILE* out,
                       const std::vector<HistoryTimeline>& timelines,
                       std::int64_t now) {
    fmt::memory_buffer b;
    b.append(std::string_view(
        "target,zone,id,subject,codes,meaning,txt,delist_url,since,until,seconds\r\n"));
    for (const auto& t : timelines) {
        for (const auto& l : t.listings) {
            csv::field(b, t.target);
            csv::field(b, l.zone);
            csv::field(b, l.zone_id);
            csv::field(b, l.subject);
            csv::field(b, fmt::format("{}", fmt::join(l.codes, " ")));
            csv::field(b, l.meaning);
            csv::field(b, l.txt);
            csv::field(b, l.delist_url);
            csv::field(b, utc_text(l.since, true));
            csv::field(b, l.until ? utc_text(*l.until, true) : std::string());
            csv::field(b, fmt::format("{}", lasted(l, now)), true);
        }
    }
    std::fwrite(b.data(), 1, b.size(), out);
}

} // namespace rblscope
