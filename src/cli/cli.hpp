#pragma once
// The command-line front end: argument parsing and output only; the work is in the library.

#include "rblscope/catalog.hpp"
#include "rblscope/config.hpp"
#include "rblscope/engine.hpp"
#include "rblscope/explain.hpp"

#include <CLI/CLI.hpp>
#include <deque>
#include <string>
#include <vector>

namespace rblscope::cli {

int run(int argc, char** argv);

/// Options shared by every subcommand that reads the catalog.
struct CatalogOptions {
    std::string path;
};

/// Finds and loads the catalog; on failure prints one line and returns nullopt.
std::optional<Catalog> load(const CatalogOptions& opt);
/// The catalog's providers and rejection patterns; on failure prints one line.
std::optional<BounceKnowledge> load_knowledge(const Catalog& catalog);

struct CheckOptions {
    CatalogOptions catalog;
    std::vector<std::string> targets;
    std::string input;
    std::string format = "text";
    std::string zones;
    std::vector<std::string> resolvers;
    std::vector<std::string> zone_servers;
    int concurrency = 500;
    double query_timeout_s = 1.5;
    double deadline_s = 0;
    int retries = 2;
    std::uint64_t max_addresses = 65536;
    std::vector<std::string> hosts;   ///< -H, the Nagios way to give a target
    std::vector<std::string> servers; ///< -s/--server: check_rbl's way to name a zone
    int check_rbl_retry = 0;          ///< --retry: check_rbl's tries per query (0 = unset)
    std::string warning;
    std::string critical;
    std::string threshold_on = "count";
    std::string errors_as = "unknown";
    bool all = false;
    bool no_txt = false;
    std::string cache_dir;
    std::string ca_file;
    std::string config_file;
    std::string sources; ///< --sources: dns, http and adapter names, comma-separated
    double http_timeout_s = 10;
    std::string color = "auto";
    bool progress = false;     ///< --progress: whatever the format and wherever stderr goes
    bool quiet_status = false; ///< no warning for zones selected by id whatever their status
    std::string state_file;    ///< --state: report changes against the previous run
    double zone_rate = 0;      ///< --zone-rate: queries a second per DNS zone (0 = no cap)
};
void add_check(CLI::App& app, CheckOptions& opt);
/// The options of check that say what to ask and how (zones, resolvers, timeouts,
/// thresholds, sources, keys); shared with serve.
void add_lookup_options(CLI::App& app, CheckOptions& opt);
/// Reads --config (or the default file when it exists); on failure prints one line.
bool read_config_option(const std::string& option, Config& out);

/// Engine options and zone selection built from check options.
struct PreparedCheck {
    EngineOptions eo;
    std::deque<Zone> bare_zones; ///< zones named on the command line but not in the catalog
    std::vector<const Zone*> zones;
};
/// On bad options prints one line and returns false.
bool prepare_check(const CheckOptions& opt, const Catalog& catalog, PreparedCheck& out);
int run_check_command(const CheckOptions& opt);

struct ServeCommandOptions {
    CheckOptions check; ///< zones, resolvers, thresholds, keys: as for check
    std::string listen = "127.0.0.1:9317";
    std::string targets_file;
    double refresh_s = 900;
    double min_refresh_s = 60;
    bool all_zones = false;
    std::size_t max_probes = 32;
    double probe_timeout_s = 10;
    std::uint64_t max_targets = 100000;
    std::string options_file; ///< --options-file: option values from a TOML file
};
void add_serve(CLI::App& app, ServeCommandOptions& opt);
int run_serve_command(const ServeCommandOptions& opt);

struct ZonesOptions {
    CatalogOptions catalog;
    std::string kind, status, tag, format = "text";
    bool defaults_only = false;
    bool health = false;      ///< ask every selected zone its test points
    bool names = false;       ///< the words --zones accepts, one a line (shell completion)
    bool show_origin = false; ///< where each zone and each of its fields was defined
    CheckOptions check;       ///< resolver, timeouts, keys for --health
};
void add_zones(CLI::App& app, ZonesOptions& opt);
int run_zones_command(const ZonesOptions& opt);

struct ExplainOptions {
    CatalogOptions catalog;
    std::vector<std::string> inputs;
    std::string format = "text";
    std::size_t max_shown = 20;
    bool check = false;
    bool check_status = false; ///< --check-status: the live check's exit status counts too
    std::string zones;
    std::vector<std::string> resolvers;
    std::vector<std::string> zone_servers;
    double query_timeout_s = 1.5;
    double deadline_s = 0;
    std::string config_file;
    std::string state_file;       ///< --state: read logs from where the last run stopped
    bool follow = false;          ///< --follow: keep reading the logs as they grow
    double follow_interval_s = 1; ///< --follow-interval
};
void add_explain(CLI::App& app, ExplainOptions& opt);
int run_explain_command(const ExplainOptions& opt);

struct VetCommandOptions {
    CatalogOptions catalog;
    std::vector<std::string> targets;
    std::string domain;
    std::string helo;
    std::string dkim_selector;
    std::vector<std::string> recipient_domains;
    std::string format = "text";
    std::string html_file;
    std::string sources; ///< --sources, as for check (HTTP sources are off unless named)
    std::string ca_file;
    double http_timeout_s = 10;
    std::string zones;
    std::vector<std::string> resolvers;
    std::vector<std::string> zone_servers;
    double query_timeout_s = 1.5;
    std::uint64_t max_addresses = 4096;
    int concurrency = 500;
    std::string config_file;
};
void add_vet(CLI::App& app, VetCommandOptions& opt);
int run_vet_command(const VetCommandOptions& opt);

} // namespace rblscope::cli
