#pragma once
/// \file verdict.hpp
/// \brief From per-zone statuses to a target verdict, a score and a Nagios exit code.

#include "rblscope/result.hpp"
#include "rblscope/threshold.hpp"

#include <cstdint>
#include <optional>

namespace rblscope {

/// Nagios / Monitoring Plugins exit codes.
enum class ExitCode : int { ok = 0, warning = 1, critical = 2, unknown = 3 };

/// Fills report.verdict, report.worst, report.score and the counts from report.results.
///
/// - listed: a blocklist listing of severity critical or warning (allowlist hits and
///   info codes never make a target listed);
/// - clean: no listing and every zone answered;
/// - unknown: no listing, and some zones errored or timed out (or the target itself
///   could not be resolved).
///
/// The score adds the zone weight of every listing: times 1 for critical codes, 0.5 for
/// warning codes, 0 for info codes; allowlist hits add their (zero or negative) weight.
void decide(TargetReport& report);

/// How lists that could not be asked count towards the exit status.
enum class ErrorsAs : std::uint8_t { ok, warning, unknown };

/// What decides the exit status (`-w`, `-c`, `--threshold-on`, `--errors-as`).
struct ExitPolicy {
    std::optional<ThresholdRange> warning;
    std::optional<ThresholdRange> critical;
    bool on_score = false; ///< thresholds apply to the score, not the listing count
    ErrorsAs errors_as = ErrorsAs::unknown;
};

/// The exit code for one target.
///
/// Without thresholds a critical listing is CRITICAL and warning-only listings WARNING.
/// With thresholds the listing count (or the score) is tested against `critical`, then
/// `warning`. If nothing alerted and some lists could not be asked (or the target could
/// not be resolved), `errors_as` decides (UNKNOWN by default); otherwise OK.
[[nodiscard]] ExitCode exit_code_for(const TargetReport& report,
                                     const ExitPolicy& policy = {}) noexcept;

/// Combines exit codes the Monitoring Plugins way: CRITICAL > WARNING > UNKNOWN > OK.
[[nodiscard]] ExitCode worst_of(ExitCode a, ExitCode b) noexcept;

/// "OK", "WARNING", "CRITICAL" or "UNKNOWN".
[[nodiscard]] std::string_view to_string(ExitCode code) noexcept;

} // namespace rblscope
