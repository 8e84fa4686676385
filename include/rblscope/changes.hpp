#pragma once
/// \file changes.hpp
/// \brief What changed for a (target, zone) since the run before: the one definition of
/// "newly listed", "delisted", "broke" and "recovered" that `check --state` and `serve`
/// share.

#include "rblscope/result.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace rblscope {

/// What a run found, kept for the next one: per (target, zone, subject), the last definite
/// answer.
struct RunState {
    struct Entry {
        /// The last definite status (listed or clean): an error or timeout keeps the one
        /// before it, so a listing that ends while its list was down still reads "delisted".
        Status status = Status::clean;
        std::vector<std::string> codes;
        bool unanswered = false; ///< the latest run got an error or timeout here
        std::string error;       ///< why, when unanswered
    };
    std::int64_t written = 0;             ///< Unix time of the run that wrote it
    std::map<std::string, Entry> results; ///< key: state_key()
};

enum class ChangeKind : std::uint8_t {
    listed,        ///< listed, with no earlier answer to compare with (not "newly")
    newly_listed,  ///< clean before, listed now
    codes_changed, ///< listed before and now, with other codes
    delisted,      ///< listed before, clean now (an outage in between does not hide it)
    broke,         ///< an error or timeout where the zone had answered
    recovered,     ///< a definite answer again after an error or timeout
};
/// "listed", "newly-listed", "codes-changed", "delisted", "broke", "recovered".
[[nodiscard]] std::string_view to_string(ChangeKind kind) noexcept;

/// One change of one result.
struct ResultChange {
    ChangeKind kind = ChangeKind::listed;
    const ZoneResult* result = nullptr;      ///< this run's result (in the report given)
    std::vector<std::string> previous_codes; ///< codes_changed and delisted: the codes before
};

/// "TARGET\tZONE-ID\tSUBJECT": the key of a result in RunState::results.
[[nodiscard]] std::string state_key(const TargetReport& report, const ZoneResult& result);

/// Compares one target's results with `previous` (null: no earlier state) and records them
/// in `next`, which may be `previous` itself (serve keeps one state and moves it on).
/// Returns the changes in result order; one result may have two (recovered and delisted).
/// Skipped results (and any without a zone) are not tracked; an error or
/// timeout with nothing known before is no change.
[[nodiscard]] std::vector<ResultChange>
track_changes(const TargetReport& report, const RunState* previous, RunState& next);

} // namespace rblscope
