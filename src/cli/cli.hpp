#pragma once
// The command-line front end: argument parsing and output only; the work is in the library.

#include "rblscope/catalog.hpp"
#include "rblscope/config.hpp"
#include "rblscope/engine.hpp"
#include "rblscope/explain.hpp"
#include "rblscope/lookup_options.hpp"

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace rblscope::cli {

int run(int argc, char** argv);

/// The catalog file: `option` (--catalog), $RBLSCOPE_CATALOG, or the shipped lists.toml; on
/// failure prints one line and returns nullopt.
std::optional<std::string> catalog_path(const std::string& option);
/// Finds and loads the catalog (`path`, or the shipped one when empty); on failure prints
/// one line and returns nullopt.
std::optional<Catalog> load(const std::string& path);
/// The catalog's providers and rejection patterns; on failure prints one line.
std::optional<BounceKnowledge> load_knowledge(const Catalog& catalog);

/// The engine setup of `opt` (warnings shown, the stop signals watched); on bad options
/// prints one line and returns nullopt.
std::optional<PreparedLookup> prepare(const LookupOptions& opt, const Catalog& catalog);

struct CheckOptions {
    LookupOptions lookup; ///< what to ask and how (option_table.hpp)
    std::vector<std::string> targets;
    std::string input;
    std::string format = "text";
    std::vector<std::string> hosts;   ///< -H, the Nagios way to give a target
    std::vector<std::string> servers; ///< -s/--server: check_rbl's way to name a zone
    int check_rbl_retry = 0;          ///< --retry: check_rbl's tries per query (0 = unset)
    bool all = false;
    std::string color = "auto";
    bool progress = false;  ///< --progress: whatever the format and wherever stderr goes
    std::string state_file; ///< --state: report changes against the previous run
};
void add_check(CLI::App& app, CheckOptions& opt);
int run_check_command(const CheckOptions& opt);

struct ServeCommandOptions {
    LookupOptions lookup; ///< zones, resolvers, thresholds, keys: as for check
    std::string listen = "127.0.0.1:9317";
    std::string targets_file;
    double refresh_s = 900;
    double min_refresh_s = 60;
    bool all_zones = false;
    std::size_t max_probes = 32;
    double probe_timeout_s = 10;
    std::size_t max_connections = 0;
    std::size_t max_connections_per_client = 64;
    double header_timeout_s = 10;
    std::string web_config_file;
    bool open_healthz = false;
    std::uint64_t max_targets = 100000;
    std::string options_file; ///< --options-file: option values from a TOML file
    std::string history_file; ///< --history: listing changes recorded in SQLite
    int history_days = 400;   ///< --history-days
};
void add_serve(CLI::App& app, ServeCommandOptions& opt);
int run_serve_command(const ServeCommandOptions& opt);

struct ZonesOptions {
    std::string kind, status, tag, format = "text";
    bool defaults_only = false;
    bool health = false;      ///< ask every selected zone its test points
    bool names = false;       ///< the words --zones accepts, one a line (shell completion)
    bool show_origin = false; ///< where each zone and each of its fields was defined
    LookupOptions lookup;     ///< the catalog; resolver, timeouts, keys for --health
};
void add_zones(CLI::App& app, ZonesOptions& opt);
int run_zones_command(const ZonesOptions& opt);

struct ExplainOptions {
    LookupOptions lookup; ///< the catalog; zones, resolvers, timeouts for --check
    std::vector<std::string> inputs;
    std::string format = "text";
    std::size_t max_shown = 20;
    bool check = false;
    bool check_status = false;    ///< --check-status: the live check's exit status counts too
    std::string domain;           ///< --domain: the sending domain, checked with --check too
    std::string state_file;       ///< --state: read logs from where the last run stopped
    bool follow = false;          ///< --follow: keep reading the logs as they grow
    double follow_interval_s = 1; ///< --follow-interval
};
void add_explain(CLI::App& app, ExplainOptions& opt);
int run_explain_command(const ExplainOptions& opt);

struct VetCommandOptions {
    LookupOptions lookup; ///< the catalog and the blocklist lookups, as for check
    std::vector<std::string> targets;
    std::string domain;
    std::string helo;
    std::string dkim_selector;
    std::vector<std::string> recipient_domains;
    std::string format = "text";
    std::string html_file;
};
void add_vet(CLI::App& app, VetCommandOptions& opt);
int run_vet_command(const VetCommandOptions& opt);

struct HistoryOptions {
    std::string file;
    std::vector<std::string> targets;
    std::string since; ///< --since: a date, a time or an age
    std::string format = "text";
};
void add_history(CLI::App& app, HistoryOptions& opt);
int run_history_command(const HistoryOptions& opt);

} // namespace rblscope::cli
