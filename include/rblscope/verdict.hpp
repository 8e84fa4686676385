#pragma once
/// \file verdict.hpp
/// \brief From per-zone statuses to a target verdict and a Nagios exit code.

#include "rblscope/result.hpp"

namespace rblscope {

/// Nagios / Monitoring Plugins exit codes.
enum class ExitCode : int { ok = 0, warning = 1, critical = 2, unknown = 3 };

/// Fills report.verdict, report.worst and the counts from report.results.
///
/// - listed: a blocklist listing of severity critical or warning (allowlist hits and
///   info codes never make a target listed);
/// - clean: no listing and every zone answered;
/// - unknown: no listing, and some zones errored or timed out (or the target itself
///   could not be resolved).
void decide(TargetReport& report);

/// The exit code for one target: critical listing 2, warning listing 1, unknown 3, clean 0.
[[nodiscard]] ExitCode exit_code_for(const TargetReport& report) noexcept;

/// Combines exit codes the Monitoring Plugins way: CRITICAL > WARNING > UNKNOWN > OK.
[[nodiscard]] ExitCode worst_of(ExitCode a, ExitCode b) noexcept;

} // namespace rblscope
