#pragma once
/// \file lookup_options.hpp
/// \brief What to ask and how: the options `check`, `explain --check`, `vet`, `zones --health`
/// and `serve` share, as typed, and the engine setup they become.

#include "rblscope/catalog.hpp"
#include "rblscope/config.hpp"
#include "rblscope/engine.hpp"
#include "rblscope/error.hpp"
#include "rblscope/zone_selection.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace rblscope {

/// The shared lookup options, each in the form the command line gives it. Defaults are
/// check's; a subcommand changes a default before it declares the option (serve's zone rate,
/// vet's largest block).
struct LookupOptions {
    std::string catalog;                   ///< --catalog: "" = the shipped lists.toml
    std::string zones;                     ///< --zones: "" = the catalog's defaults
    std::string sources;                   ///< --sources: dns, http, adapter names
    std::vector<std::string> resolvers;    ///< --resolver IP[:PORT]
    std::vector<std::string> zone_servers; ///< --zone-server ZONE=IP[:PORT]
    double query_timeout_s = 1.5;          ///< --query-timeout
    double deadline_s = 0;                 ///< --timeout: the whole run (0 = none)
    int retries = 2;                       ///< --retries
    int concurrency = 500;                 ///< --concurrency
    double zone_rate = 0;                  ///< --zone-rate: queries a second per zone
    std::uint64_t max_addresses = 65536;   ///< --max-addresses: largest CIDR block
    bool no_txt = false;                   ///< --no-txt
    std::string cache_dir;                 ///< --cache
    std::string config_file;               ///< --config: "" = the default file if it exists
    std::string ca_file;                   ///< --ca-file
    double http_timeout_s = 10;            ///< --http-timeout
    std::string warning;                   ///< -w: a Nagios range
    std::string critical;                  ///< -c: a Nagios range
    std::string threshold_on = "count";    ///< --threshold-on: count or score
    std::string errors_as = "unknown";     ///< --errors-as: ok, warning or unknown
    bool quiet_status = false; ///< no warning for zones named by id whatever their status
};

/// The engine's options and the zones of a run (with warnings for the front end to show),
/// built from LookupOptions. Moved, never copied, like the selection it holds.
struct PreparedLookup {
    EngineOptions engine;
    ZoneSelection selection;
};

/// Checks the options (thresholds, zone servers, the configuration file, the zone
/// selection) and builds the run's setup. An Error names the option and what was wrong.
/// The stop descriptor is the caller's to set.
[[nodiscard]] Result<PreparedLookup> prepare_lookup(const LookupOptions& options,
                                                    const Catalog& catalog);

} // namespace rblscope
