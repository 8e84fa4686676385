#pragma once
// A finished target's report: each lookup's answer classified by its zone's health in this
// run, the verdict decided and the exit status set by the policy. Pure: no I/O.

#include "engine/lookups.hpp"
#include "rblscope/verdict.hpp"

#include <vector>

namespace rblscope::engine {

/// Fills `t.report` from its lookups (their answers are moved out).
void complete_report(ActiveTarget& t,
                     const std::vector<ZoneState>& zones,
                     const ExitPolicy& policy);

} // namespace rblscope::engine
