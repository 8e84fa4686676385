// `rblscope serve`: options, and building the exporter's setup (catalog, zone selection,
// probe modules, targets) from files, at start and on every SIGHUP.

#include "cli/cli.hpp"
#include "cli/diagnostics.hpp"
#include "cli/option_table.hpp"
#include "core/signals.hpp"
#include "rblscope/serve.hpp"

#include <cmath>
#include <fmt/format.h>

namespace rblscope::cli {

void add_serve(CLI::App& app, ServeCommandOptions& opt) {
    app.add_option("--listen", opt.listen, "Address to serve HTTP on, IP:PORT or [IPv6]:PORT");
    app.add_option("--targets",
                   opt.targets_file,
                   "File of targets to watch, one a line (# comments): addresses, CIDR blocks "
                   "(expanded), hostnames, emails. Re-read on SIGHUP. Without it only /probe "
                   "checks anything");
    app.add_option("--refresh",
                   opt.refresh_s,
                   "Seconds after which a target's results are checked again at the latest "
                   "(sooner when an answer's TTL runs out first)")
        ->check(CLI::Range(1.0, 86400.0 * 7));
    app.add_option("--min-refresh",
                   opt.min_refresh_s,
                   "Seconds a target's results are kept at least, whatever their TTL")
        ->check(CLI::Range(1.0, 86400.0 * 7));
    app.add_flag("--all-zones",
                 opt.all_zones,
                 "/metrics: a series for every (target, zone), not only listings and errors");
    app.add_option("--max-probes", opt.max_probes, "/probe requests checked at once at most")
        ->check(CLI::Range(1, 10000));
    app.add_option("--probe-timeout",
                   opt.probe_timeout_s,
                   "Deadline of a /probe when Prometheus sends no X-Prometheus-Scrape-Timeout-"
                   "Seconds")
        ->check(CLI::Range(0.1, 600.0));
    app.add_option("--max-connections",
                   opt.max_connections,
                   "HTTP connections at once (0: from the open-file limit, at most 8192); when "
                   "all are taken the oldest waiting connection of the busiest client is closed")
        ->check(CLI::Range(0, 1000000));
    app.add_option("--max-connections-per-client",
                   opt.max_connections_per_client,
                   "HTTP connections one client (an IPv4 address, an IPv6 /64) may hold")
        ->check(CLI::Range(1, 1000000));
    app.add_option("--header-timeout",
                   opt.header_timeout_s,
                   "Seconds a new HTTP connection has to send a complete request (a trickle of "
                   "header bytes does not extend it)")
        ->check(CLI::Range(0.1, 600.0));
    app.add_option("--web.config.file",
                   opt.web_config_file,
                   "TLS, basic auth users (bcrypt) and headers, in the web configuration format "
                   "of Prometheus exporters (exporter-toolkit); re-read on SIGHUP, so a renewed "
                   "certificate is used without a restart")
        ->check(CLI::ExistingFile);
    app.add_flag("--open-healthz",
                 opt.open_healthz,
                 "/healthz answers without credentials (for a load balancer's health check)");
    app.add_option(
           "--max-targets", opt.max_targets, "Targets watched at most (after expanding blocks)")
        ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{10000000}));
    app.add_option("--history",
                   opt.history_file,
                   "Record every change of a watched target's listings (listed, delisted, a list "
                   "broke or recovered) and each refresh in this SQLite file; read it with "
                   "rblscope history FILE");
    app.add_option("--history-days", opt.history_days, "Days of --history events kept")
        ->check(CLI::Range(1, 36500));
    opt.lookup.zone_rate = 20; // politeness is the default for a process that never ends
    add_lookup_options(app, opt.lookup);
    // The service's settings file (/etc/rblscope/serve.toml): `name = value` per option.
    app.add_option("--options-file",
                   opt.options_file,
                   "Read option values from this TOML file, one `name = value` a line named like "
                   "the options (listen, targets, zones, zone-rate ...); the command line wins");
}

int run_serve_command(const ServeCommandOptions& opt) {
    if (opt.min_refresh_s > opt.refresh_s) {
        error("--min-refresh must not be longer than --refresh");
        return static_cast<int>(ExitCode::unknown);
    }
    const ReloadSignal reload;
    ServeOptions so;
    so.listen = opt.listen;
    so.refresh = std::chrono::seconds(std::lround(opt.refresh_s));
    so.min_refresh = std::chrono::seconds(std::lround(opt.min_refresh_s));
    so.all_zones = opt.all_zones;
    so.max_probes = opt.max_probes;
    so.max_connections = opt.max_connections;
    so.max_connections_per_client = opt.max_connections_per_client;
    so.header_timeout = std::chrono::milliseconds(std::lround(opt.header_timeout_s * 1000));
    so.web_config_file = opt.web_config_file;
    so.open_healthz = opt.open_healthz;
    so.default_probe_timeout = std::chrono::milliseconds(std::lround(opt.probe_timeout_s * 1000));
    so.stop_fd = stop_fd();
    so.reload_fd = reload.fd();
    so.log = [](ServeLogLevel level, const std::string& line) {
        // "rblscope: serve: ...", as every other message of the front end.
        if (level == ServeLogLevel::error) {
            error_text("serve: " + line);
        } else if (level == ServeLogLevel::warning) {
            note_text("serve: warning: " + line);
        } else {
            note_text("serve: " + line);
        }
    };
    const auto catalog = catalog_path(opt.lookup.catalog);
    if (!catalog) {
        return static_cast<int>(ExitCode::unknown);
    }
    // The engine options get no stop fd: the exporter stops its runs itself.
    const ServeSetupFiles files{
        *catalog, RBLSCOPE_OVERRIDE_DIR, opt.lookup, opt.targets_file, opt.max_targets};
    std::unique_ptr<HistoryStore> history;
    if (!opt.history_file.empty()) {
        auto opened = HistoryStore::open(opt.history_file, opt.history_days);
        if (!opened) {
            error("--history {}", opened.error().to_string());
            return static_cast<int>(ExitCode::unknown);
        }
        history = std::move(opened.value());
        so.history = history.get();
    }
    const ServeSetupLoader loader = [&files, &so] { return load_serve_setup(files, so.log); };
    return serve(so, loader);
}

} // namespace rblscope::cli
