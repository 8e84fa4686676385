#pragma once
// The output formats of `rblscope history` (and serve's /history.json): each target's
// listings with when they began and ended, and the times its lists broke and recovered.

#include "rblscope/history.hpp"

#include <cstdint>
#include <cstdio>
#include <fmt/format.h>
#include <vector>

namespace rblscope {

/// Text: per target, its open listings first, then the ended ones, then the other events;
/// a summary line. `now` dates how long open listings have lasted.
void write_history_text(std::FILE* out,
                        const std::vector<HistoryTimeline>& timelines,
                        std::int64_t now);

/// JSON: {"version", "generated", "targets": [{"target", "open_listings", "listings":
/// [{"zone", "id", "subject", "codes", "meaning", "txt", "delist_url", "since", "until" |
/// null, "seconds"}], "events": [{"at", "zone", "id", "subject", "change", "error"}]}]}.
void write_history_json(fmt::memory_buffer& out,
                        const std::vector<HistoryTimeline>& timelines,
                        std::int64_t now);

/// CSV: one row per listing (RFC 4180, as check's CSV).
void write_history_csv(std::FILE* out,
                       const std::vector<HistoryTimeline>& timelines,
                       std::int64_t now);

/// "3 d 4 h", "2 h 5 min", "40 s".
[[nodiscard]] std::string duration_text(std::int64_t seconds);

} // namespace rblscope
