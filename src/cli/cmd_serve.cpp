// `rblscope serve`: options, and building the exporter's setup (catalog, zone selection,
// probe modules, targets) from files, at start and on every SIGHUP.

#include "cli/cli.hpp"
#include "cli/diagnostics.hpp"
#include "cli/option_table.hpp"
#include "cli/signals.hpp"
#include "core/sanitize.hpp"
#include "net/resolvers.hpp"
#include "rblscope/serve.hpp"

#include <cmath>
#include <fmt/format.h>
#include <fstream>
#include <set>

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
    app.add_option(
           "--max-targets", opt.max_targets, "Targets watched at most (after expanding blocks)")
        ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{10000000}));
    opt.lookup.zone_rate = 20; // politeness is the default for a process that never ends
    add_lookup_options(app, opt.lookup);
    // The service's settings file (/etc/rblscope/serve.toml): `name = value` per option.
    app.add_option("--options-file",
                   opt.options_file,
                   "Read option values from this TOML file, one `name = value` a line named like "
                   "the options (listen, targets, zones, zone-rate ...); the command line wins");
}

namespace {

/// Reads the targets file: bad lines are reported (FILE:LINE) and skipped, blocks are
/// expanded into addresses, repeats are dropped.
std::optional<Error> read_targets(const ServeCommandOptions& opt, ServeSetup& setup) {
    setup.targets_source = opt.targets_file;
    if (opt.targets_file.empty()) {
        return std::nullopt;
    }
    std::ifstream in(opt.targets_file);
    if (!in) {
        return Error{"cannot read the targets file", opt.targets_file};
    }
    std::set<std::string> seen;
    const auto add = [&](Target t, const std::string& where) {
        if (setup.targets.size() >= opt.max_targets) {
            error("serve: {}: more than --max-targets {} targets; the rest are "
                  "not watched",
                  where,
                  opt.max_targets);
            return false;
        }
        if (seen.insert(t.text).second) {
            setup.targets.push_back(std::move(t));
        }
        return true;
    };
    std::string line;
    std::size_t number = 0;
    bool full = false;
    while (!full && std::getline(in, line)) {
        ++number;
        std::string_view text = line;
        if (const auto hash = text.find('#'); hash != std::string_view::npos) {
            text = text.substr(0, hash);
        }
        while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())) != 0) {
            text.remove_prefix(1);
        }
        while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())) != 0) {
            text.remove_suffix(1);
        }
        if (text.empty()) {
            continue;
        }
        const std::string where = fmt::format("{}:{}", opt.targets_file, number);
        auto target = parse_target(text);
        if (!target) {
            error(
                "serve: {}: {} (line skipped)", where, sanitize_text(target.error().message, 300));
            continue;
        }
        if (target->kind != Target::Kind::cidr) {
            target->where = where;
            full = !add(std::move(target.value()), where);
            continue;
        }
        const auto& block = *target->cidr;
        if (block.size() > opt.lookup.max_addresses) {
            error("serve: {}: block {} is larger than --max-addresses {} (line "
                  "skipped)",
                  where,
                  block.to_string(),
                  opt.lookup.max_addresses);
            continue;
        }
        for (std::uint64_t i = 0; i < block.size() && !full; ++i) {
            Target t;
            t.kind = Target::Kind::ip;
            t.ip = block.at(i);
            t.text = t.ip.to_string();
            t.where = where;
            full = !add(std::move(t), where);
        }
    }
    return std::nullopt;
}

Result<std::shared_ptr<const ServeSetup>> load_setup(const ServeCommandOptions& opt) {
    const Error failed{"the setup has errors (see above)", opt.lookup.catalog};
    auto setup = std::make_shared<ServeSetup>();
    auto catalog = load(opt.lookup.catalog);
    if (!catalog) {
        return failed;
    }
    setup->catalog = std::move(*catalog);
    // Zone pointers point into setup->catalog and the kept bare-zone deques: both stay put.
    const auto profile = [&](const LookupOptions& options) -> std::optional<CheckProfile> {
        auto prepared = prepare(options, setup->catalog);
        if (!prepared) {
            return std::nullopt;
        }
        setup->extra_zones.push_back(std::move(prepared->selection.bare_zones));
        return CheckProfile{std::move(prepared->selection.zones), std::move(prepared->engine)};
    };
    auto refresh = profile(opt.lookup);
    if (!refresh) {
        return failed;
    }
    // A resolver that cannot be used would fail every refresh: refuse it now, once.
    for (const auto& r : refresh->options.resolvers) {
        if (auto ep = parse_server(r); !ep) {
            return ep.error();
        }
    }
    for (const auto& [zone, server] : refresh->options.zone_servers) {
        if (auto ep = parse_server(server); !ep) {
            return Error{ep.error().message, "--zone-server " + zone};
        }
    }
    setup->refresh = std::move(*refresh);
    setup->modules[""] = setup->refresh;
    auto config = load_config_option(opt.lookup.config_file);
    if (!config) {
        return config.error();
    }
    for (const auto& [name, m] : config->modules) {
        LookupOptions options = opt.lookup;
        for (const auto& [from, to] : {std::pair{&m.zones, &options.zones},
                                       std::pair{&m.warning, &options.warning},
                                       std::pair{&m.critical, &options.critical},
                                       std::pair{&m.threshold_on, &options.threshold_on},
                                       std::pair{&m.errors_as, &options.errors_as}}) {
            if (!from->empty()) {
                *to = *from;
            }
        }
        if (options.threshold_on != "count" && options.threshold_on != "score") {
            return Error{"threshold_on must be \"count\" or \"score\"", m.where};
        }
        if (options.errors_as != "ok" && options.errors_as != "warning" &&
            options.errors_as != "unknown") {
            return Error{"errors_as must be \"ok\", \"warning\" or \"unknown\"", m.where};
        }
        options.query_timeout_s = m.query_timeout_s.value_or(options.query_timeout_s);
        options.retries = m.retries.value_or(options.retries);
        options.quiet_status = true;
        auto p = profile(options);
        if (!p) {
            return Error{fmt::format("in module \"{}\" (see above)", name), m.where};
        }
        setup->modules[name] = std::move(*p);
    }
    if (auto err = read_targets(opt, *setup)) {
        return *err;
    }
    if (setup->targets.empty()) {
        warning("serve: no targets to watch{}; only /probe checks "
                "anything",
                opt.targets_file.empty() ? " (no --targets)" : " in " + opt.targets_file);
    }
    return std::shared_ptr<const ServeSetup>(std::move(setup));
}

} // namespace

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
    // The engine options get no stop fd: the exporter stops its runs itself.
    ServeCommandOptions options = opt;
    const ServeSetupLoader loader = [&options] { return load_setup(options); };
    return serve(so, loader);
}

} // namespace rblscope::cli
