#pragma once
/// \file rblscope.hpp
/// \brief Umbrella header for the rblscope engine library.

#include "rblscope/catalog.hpp"
#include "rblscope/config.hpp"
#include "rblscope/engine.hpp"
#include "rblscope/error.hpp"
#include "rblscope/explain.hpp"
#include "rblscope/health.hpp"
#include "rblscope/ip.hpp"
#include "rblscope/live_check.hpp"
#include "rblscope/lookup_options.hpp"
#include "rblscope/report.hpp"
#include "rblscope/result.hpp"
#include "rblscope/spf.hpp"
#include "rblscope/state.hpp"
#include "rblscope/target.hpp"
#include "rblscope/verdict.hpp"
#include "rblscope/vet.hpp"
#include "rblscope/vet_run.hpp"
#include "rblscope/zone_selection.hpp"

namespace rblscope {
/// Library version, e.g. "0.1.0".
inline constexpr const char* k_version = RBLSCOPE_VERSION;
} // namespace rblscope
