#pragma once
/// \file serve.hpp
/// \brief `rblscope serve`: a long-running Prometheus exporter on the engine's loop.
///
/// One thread, one wait: the HTTP server (libmicrohttpd, driven from the loop), background
/// refreshes of the configured targets and on-demand probes are all guests of one event
/// loop. Each refresh or probe is a `SteppedRun` whose own loop the exporter watches.
///
/// - `GET /metrics`: the latest result of every configured target, from memory (a scrape
///   never waits on DNS), plus per-zone health and the exporter's own counters.
/// - `GET /probe?target=T[&module=M]`: one target checked now, within the deadline
///   Prometheus sends in `X-Prometheus-Scrape-Timeout-Seconds`.
/// - `GET /healthz`: "ok" while the exporter runs and its targets are loaded.

#include "rblscope/catalog.hpp"
#include "rblscope/config.hpp"
#include "rblscope/engine.hpp"
#include "rblscope/error.hpp"
#include "rblscope/history.hpp"
#include "rblscope/lookup_options.hpp"
#include "rblscope/target.hpp"

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace rblscope {

/// A zone selection and the options to check it with.
struct CheckProfile {
    std::vector<const Zone*> zones;
    EngineOptions options;
};

/// Everything a reload (SIGHUP) replaces. Zone pointers point into `catalog` and
/// `extra_zones`, so a setup is built in place and shared, never copied.
struct ServeSetup {
    Catalog catalog;
    std::list<std::deque<Zone>> extra_zones;     ///< zones named but not in the catalog
    CheckProfile refresh;                        ///< for the background refreshes
    std::map<std::string, CheckProfile> modules; ///< /probe?module=NAME; "" = the default
    std::vector<Target> targets;                 ///< one address, host or email each
    std::string targets_source;                  ///< the file they came from, for messages
    /// The configuration file's [[notify]] tables, secrets read from the environment
    /// (url_env, password_env) into url and password.
    std::vector<NotifierConfig> notifiers;
};

/// Builds a setup from the files (first start and every SIGHUP); an error keeps the
/// previous setup running.
using ServeSetupLoader = std::function<Result<std::shared_ptr<const ServeSetup>>()>;

/// How serious an exporter log line is.
enum class ServeLogLevel : std::uint8_t {
    info,    ///< listening, reloading, stopping
    warning, ///< a run warning (once per setup), a libmicrohttpd message
    error,   ///< could not start, a reload failed
};

/// Where the exporter's log lines go.
using ServeLog = std::function<void(ServeLogLevel, const std::string&)>;

/// What a setup is built from; read again on every SIGHUP.
struct ServeSetupFiles {
    std::string catalog;      ///< the catalog file (lists.toml)
    std::string override_dir; ///< the system's lists.d (see catalog_override_files)
    LookupOptions lookup;     ///< zones, resolvers, thresholds; --config's probe modules
    std::string targets_file; ///< "" = none: only /probe checks anything
    std::uint64_t max_targets = 100000;
};

/// Builds a setup: the catalog with its overrides, the zones and engine options of the
/// refreshes and of each probe module of the configuration file, the targets (blocks
/// expanded, repeats dropped). A bad target line is logged and skipped; a bad option, zone
/// selection, resolver or module is the Error.
[[nodiscard]] Result<std::shared_ptr<const ServeSetup>>
load_serve_setup(const ServeSetupFiles& files, const ServeLog& log);

struct ServeOptions {
    std::string listen = "127.0.0.1:9317"; ///< "IP:PORT" or "[IPv6]:PORT"; port 0 = any
    /// A target is checked again when its shortest answer TTL runs out, but not sooner
    /// than `min_refresh` nor later than `refresh`.
    std::chrono::seconds refresh{900};
    std::chrono::seconds min_refresh{60};
    bool all_zones = false;      ///< /metrics: a series for every (target, zone), not only
                                 ///< listings and errors
    std::size_t max_probes = 32; ///< /probe requests checked at once; more get 503
    /// HTTP connections at once; 0: from the open-file limit (raised to its hard limit),
    /// at most 8192. When all are taken, the oldest waiting connection of the client
    /// holding the most is closed to make room.
    std::size_t max_connections = 0;
    /// Connections one client may hold: an IPv4 address, or an IPv6 /64.
    std::size_t max_connections_per_client = 64;
    /// A new connection must send a complete request within this (a trickle of header
    /// bytes does not extend it); a keep-alive connection its next one within 30 s.
    std::chrono::milliseconds header_timeout{10000};
    /// `--web.config.file`: TLS, basic auth users and headers in exporter-toolkit's web
    /// configuration format; re-read on reload (a renewed certificate without a restart).
    /// Empty: plain HTTP, no authentication.
    std::string web_config_file;
    /// `/healthz` answers without credentials when users are configured.
    bool open_healthz = false;
    /// Deadline of a probe when Prometheus sends none, and the share of its deadline a
    /// probe may use (the rest is for the reply).
    std::chrono::milliseconds default_probe_timeout{10000};
    int stop_fd = -1;   ///< readable: stop (SIGTERM/SIGINT); watched, never read
    int reload_fd = -1; ///< readable: reload the setup (SIGHUP); drained by the exporter
    /// Called once the server listens, with the address it listens on ("127.0.0.1:9317").
    std::function<void(const std::string&)> on_listening;
    /// `--history FILE`: each refresh's changes and summary are recorded there (opened by
    /// the caller, so that a file in use is refused before serving). Null: no history.
    HistoryStore* history = nullptr;
    /// Where the exporter's log lines go (the front end writes them to stderr); the
    /// library never prints. Unset: they are dropped.
    ServeLog log;
};

/// Runs the exporter until stop_fd turns readable. Returns the exit code: 0 after a clean
/// stop, 3 when it could not start (the reason goes to options.log, as do warnings).
[[nodiscard]] int serve(const ServeOptions& options, const ServeSetupLoader& load);

} // namespace rblscope
