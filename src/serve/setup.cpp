// serve's setup from files (the catalog and its overrides, the zone selection of the
// refreshes and of each probe module, the targets), built at start and on every SIGHUP.

#include "core/sanitize.hpp"
#include "net/resolvers.hpp"
#include "rblscope/lookup_options.hpp"
#include "rblscope/serve.hpp"

#include <cctype>
#include <cstdlib>
#include <fcntl.h>
#include <fmt/format.h>
#include <set>
#include <unistd.h>

namespace rblscope {

namespace {

/// Reads the targets file: bad lines are reported (FILE:LINE) and skipped, blocks are
/// expanded into addresses, repeats are dropped.
std::optional<Error>
read_targets(const ServeSetupFiles& opt, ServeSetup& setup, const ServeLog& log) {
    setup.targets_source = opt.targets_file;
    if (opt.targets_file.empty()) {
        return std::nullopt;
    }
    // The same reader as check --input: comments, a BOM, UTF-16 named, lines bounded.
    const int fd = ::open(opt.targets_file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return Error{"cannot read the targets file", opt.targets_file};
    }
    TargetReader reader(fd, opt.targets_file);
    std::set<std::string> seen;
    const auto add = [&](Target t, const std::string& where) {
        if (setup.targets.size() >= opt.max_targets) {
            log(ServeLogLevel::error,
                fmt::format("{}: more than --max-targets {} targets; the rest are not watched",
                            where,
                            opt.max_targets));
            return false;
        }
        if (seen.insert(t.text).second) {
            setup.targets.push_back(std::move(t));
        }
        return true;
    };
    bool full = false;
    while (!full) {
        auto item = reader.next();
        if (!item) {
            break; // a file never makes the reader wait
        }
        if (!item->ok()) {
            log(ServeLogLevel::error,
                sanitize_text(item->error().to_string(), 400) + " (line skipped)");
            continue;
        }
        auto target = std::move(*item);
        const std::string where = target->where;
        if (!target->note.empty()) {
            log(ServeLogLevel::warning,
                fmt::format("{}: watched as {}: {}", where, target->ip.to_string(), target->note));
        }
        if (target->kind != Target::Kind::cidr) {
            full = !add(std::move(target.value()), where);
            continue;
        }
        const auto& block = *target->cidr;
        if (block.size() > opt.lookup.max_addresses) {
            log(ServeLogLevel::error,
                fmt::format("{}: block {} is larger than --max-addresses {} (line skipped)",
                            where,
                            block.to_string(),
                            opt.lookup.max_addresses));
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
    ::close(fd);
    return std::nullopt;
}

/// A [[notify]] table's secrets from the environment (url_env, password_env), read with
/// the rest of the setup. Errors name the variable, never a value.
std::optional<Error> read_notifier_secrets(NotifierConfig& n) {
    const auto from_env = [&](const std::string& variable,
                              std::string& out,
                              const char* key) -> std::optional<Error> {
        if (variable.empty()) {
            return std::nullopt;
        }
        const char* v = std::getenv(variable.c_str());
        if (v == nullptr || *v == '\0') {
            return Error{fmt::format("notify '{}': {} names the environment variable {}, which "
                                     "is not set",
                                     n.name,
                                     key,
                                     variable),
                         n.where};
        }
        out = v;
        return std::nullopt;
    };
    if (auto e = from_env(n.url_env, n.url, "url_env")) {
        return e;
    }
    if (auto e = from_env(n.password_env, n.password, "password_env")) {
        return e;
    }
    if (n.type != NotifierConfig::Type::email && !n.url.starts_with("https://") &&
        !n.url.starts_with("http://")) {
        return Error{
            fmt::format("notify '{}': the webhook URL must be http:// or https://", n.name),
            n.where};
    }
    return std::nullopt;
}

} // namespace

Result<std::shared_ptr<const ServeSetup>> load_serve_setup(const ServeSetupFiles& opt,
                                                           const ServeLog& log) {
    auto setup = std::make_shared<ServeSetup>();
    auto catalog = load_catalog(opt.catalog, catalog_override_files(opt.override_dir));
    if (!catalog) {
        return catalog.error();
    }
    setup->catalog = std::move(catalog.value());
    // Zone pointers point into setup->catalog and the kept bare-zone deques: both stay put.
    const auto profile = [&](const LookupOptions& options) -> Result<CheckProfile> {
        auto prepared = prepare_lookup(options, setup->catalog);
        if (!prepared) {
            return prepared.error();
        }
        for (const auto& w : prepared->selection.warnings) {
            log(ServeLogLevel::warning, w);
        }
        setup->extra_zones.push_back(std::move(prepared->selection.bare_zones));
        return CheckProfile{std::move(prepared->selection.zones), std::move(prepared->engine)};
    };
    auto refresh = profile(opt.lookup);
    if (!refresh) {
        return refresh.error();
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
            return Error{fmt::format("in module \"{}\": {}", name, p.error().to_string()), m.where};
        }
        setup->modules[name] = std::move(*p);
    }
    for (auto n : config->notifiers) {
        if (auto err = read_notifier_secrets(n)) {
            return *err;
        }
        setup->notifiers.push_back(std::move(n));
    }
    if (auto err = read_targets(opt, *setup, log)) {
        return *err;
    }
    if (setup->targets.empty()) {
        log(ServeLogLevel::warning,
            fmt::format("no targets to watch{}; only /probe checks anything",
                        opt.targets_file.empty() ? " (no --targets)" : " in " + opt.targets_file));
    }
    return std::shared_ptr<const ServeSetup>(std::move(setup));
}

} // namespace rblscope
