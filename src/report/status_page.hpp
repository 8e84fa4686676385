#pragma once
// serve's status page (GET /): every watched target with its verdict, its open listings
// (codes, meaning, since when, where to ask for removal), the lists broken right now, and
// per target a 90-day strip drawn from the history. Plain HTML with inline CSS and SVG:
// no script, nothing fetched from elsewhere, relative links only (so it works behind a
// reverse proxy under any path prefix). Every text is escaped.

#include "rblscope/history.hpp"
#include "report/prometheus_series.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace rblscope {

/// What one day of a target's strip shows.
enum class DayState : std::uint8_t {
    unknown, ///< before the history began, or a list it depends on was broken that day
    clean,
    listed, ///< a listing was open at some time that day
};

/// The states of the `days` days up to and including today (UTC), oldest first.
/// `began`: when the history's first refresh started (nullopt: no history). Today is
/// unknown when the latest verdict (`today`) is, unless it was listed at some time today.
[[nodiscard]] std::vector<DayState> day_states(const HistoryTimeline* timeline,
                                               std::optional<std::int64_t> began,
                                               std::int64_t now,
                                               int days = 90,
                                               std::optional<Verdict> today = std::nullopt);

struct StatusTarget {
    std::string target;
    const TargetSnapshot* snapshot = nullptr;  ///< null: not checked yet
    const HistoryTimeline* timeline = nullptr; ///< null: nothing recorded (or no history)
};

struct StatusZone {
    std::string zone, list, condition, evidence;
};

struct StatusPage {
    std::string instance; ///< the host serve runs on
    std::int64_t now = 0;
    bool history = false;              ///< serve runs with --history
    std::optional<std::int64_t> began; ///< the history's first refresh
    std::size_t listed = 0, unknown = 0, clean = 0, unchecked = 0;
    std::vector<StatusTarget> targets; ///< this page's, in order
    std::vector<StatusZone> broken;    ///< lists failing their test points now
    std::size_t page = 1, pages = 1, shown_from = 0, matching = 0;
    std::string show = "all"; ///< "all", "listed" or "unknown"
    double last_refresh_unix = 0;
};

[[nodiscard]] std::string render_status_page(const StatusPage& page);

} // namespace rblscope
