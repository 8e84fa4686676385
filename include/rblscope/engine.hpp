#pragma once
/// \file engine.hpp
/// \brief The concurrent lookup engine: one event loop, every query in flight at once
/// within a bounded window, results streamed out per target.

#include "rblscope/catalog.hpp"
#include "rblscope/error.hpp"
#include "rblscope/health.hpp"
#include "rblscope/result.hpp"
#include "rblscope/target.hpp"
#include "rblscope/verdict.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace rblscope {

/// Knobs for one run.
struct EngineOptions {
    /// The ceiling of each destination's in-flight window (the resolver, each zone server).
    /// The window starts at 32, grows while answers come back and halves when a zone that
    /// answers others loses queries; queries kept waiting by a slow list give their slot back.
    int concurrency = 500;
    /// Time budget of one round of a lookup, every copy included: a dead list costs this once
    /// (its other lookups then end at once). A question whose zone answered others meanwhile
    /// gets up to two more rounds (within `deadline`) before it is reported as a timeout.
    std::chrono::milliseconds timeout{1500};
    /// Extra copies of an unanswered query, sent inside `timeout` while the earlier ones stay
    /// alive (the first answer wins): after the list's retransmission timeout, learned from
    /// its round-trip times in this run (RFC 6298), or 250 ms before any is known; the last
    /// one waits for half the budget. While the zone answers others, more copies follow at
    /// doubling intervals.
    int retries = 2;
    std::vector<std::string> resolvers;              ///< "IP[:PORT]"; empty = the system's
    std::map<std::string, std::string> zone_servers; ///< zone or id -> "IP[:PORT]"
    std::uint64_t max_cidr_addresses = 65536;        ///< bigger blocks are refused
    bool ask_txt = true;                             ///< TXT for listings
    /// Deadline for the whole run (0 = none). When it passes, lookups still open become
    /// `timeout`, unread input is left unread, and the run's exit status is UNKNOWN.
    std::chrono::milliseconds deadline{0};
    /// A file descriptor that becomes readable when the run must stop now (the read end of
    /// a pipe a SIGINT/SIGTERM handler writes to; -1 = none). Like the deadline: lookups
    /// still open become `timeout`, unread input stays unread, what finished is reported,
    /// and the run's exit status is UNKNOWN. The fd is watched, never read.
    int stop_fd = -1;
    /// Warn (through the sink) when zones the catalog calls active fail their test points.
    bool warn_failing_zones = true;
    ExitPolicy exit_policy; ///< decides each target's exit status
    /// Directory of the on-disk answer cache (empty = none): answers still within their
    /// DNS TTL are taken from it instead of the network, and new ones are stored.
    std::string cache_dir;
    /// HTTP sources: time limit of one request, and a CA bundle for private mirrors (empty =
    /// the system's). TLS is always verified.
    std::chrono::milliseconds http_timeout{10000};
    std::string ca_file;
    /// Keys from the configuration file, by variable name; the environment wins.
    std::map<std::string, std::string> keys;
    /// Queries a second to one DNS zone at most (0 = no cap), test points and TXT included:
    /// keeps a large fleet polite to list operators. Waiting queries hold their window slot.
    double zone_rate = 0;
    /// DNS zones (by name) not to ask about targets in this run, with why: the exporter's
    /// lists that kept failing their test points. Their lookups are errors at once ("not
    /// asked: WHY"), never clean; their test points are still asked, so a list that
    /// recovers is seen in this run's zone health.
    std::map<std::string, std::string> zones_down;
    /// False: the zones_down are not tested either (the exporter's probes, which would
    /// otherwise wait for a dead list's test points to time out).
    bool test_zones_down = true;
};

/// Where targets come from (a list, a file, stdin). Pulled lazily, so input streams.
class TargetSource {
  public:
    virtual ~TargetSource() = default;
    /// Next target or a bad-input error; nullopt at the end, or while waiting for input.
    virtual std::optional<Result<Target>> next() = 0;
    /// After next() returned nullopt: the descriptor to wait on when more input will come
    /// (a pipe without a complete line yet), or -1 when the input has ended.
    [[nodiscard]] virtual int waiting_fd() const { return -1; }
};

/// Where results go. Called on the engine's thread, in input order.
class ResultSink {
  public:
    virtual ~ResultSink() = default;
    virtual void on_target(const TargetReport& report) = 0;
    /// A target line that could not be used; the run goes on.
    virtual void on_input_error(const Error& error) = 0;
    /// Something the admin should know about the run itself (e.g. a public resolver).
    virtual void on_warning(const std::string& message) = 0;
    /// Each DNS zone's test points, judged, once they have all settled (before any target).
    virtual void on_zone_health(const ZoneHealthReport& /*report*/) {}
};

/// Totals for a run.
struct RunSummary {
    std::uint64_t targets = 0, listed = 0, clean = 0, unknown = 0, input_errors = 0;
    std::uint64_t queries = 0;
    std::uint64_t cached_answers = 0; ///< lookups answered from the cache, without a query
    std::uint64_t http_requests = 0;  ///< requests sent to HTTP sources
    std::uint32_t elapsed_ms = 0;
    int exit_code = 0;                  ///< ExitCode of the whole run
    bool deadline_reached = false;      ///< the run was cut short by EngineOptions::deadline
    bool interrupted = false;           ///< the run was stopped through EngineOptions::stop_fd
    std::vector<std::string> resolvers; ///< what was actually used
};

/// Runs every target against every zone. Errors are returned only for problems that stop
/// the whole run (no usable resolver); everything else is a value in the results.
[[nodiscard]] Result<RunSummary> run_check(const std::vector<const Zone*>& zones,
                                           const Catalog& catalog,
                                           TargetSource& targets,
                                           ResultSink& sink,
                                           const EngineOptions& options);

/// `zones --health`: asks every zone in `zones` its test points (none skipped for its
/// status) and collects how each answered. The run's warnings go to `warn`.
[[nodiscard]] Result<ZoneHealthRun>
run_zone_health(const std::vector<const Zone*>& zones,
                const Catalog& catalog,
                EngineOptions options,
                const std::function<void(const std::string&)>& warn);

/// A run that shares the process's one wait with other work (the exporter runs refreshes
/// and probes side by side). It has an event loop of its own whose descriptor and next timer
/// the host watches in its loop; after every wake-up the host calls advance(), which never
/// blocks. Destroying the run cancels whatever it still had open. `zones`, `catalog`,
/// `targets`, `sink` and `options` must outlive it.
class SteppedRun {
  public:
    SteppedRun(const std::vector<const Zone*>& zones,
               const Catalog& catalog,
               TargetSource& targets,
               ResultSink& sink,
               const EngineOptions& options);
    ~SteppedRun();
    SteppedRun(const SteppedRun&) = delete;
    SteppedRun& operator=(const SteppedRun&) = delete;

    /// Opens the resolver channels and queues the zones' test points.
    [[nodiscard]] std::optional<Error> start();
    /// Runs what is ready (sockets, due timers) and refills the window; true when finished.
    bool advance();
    /// The totals, once advance() returned true. (EngineOptions::deadline bounds a run.)
    RunSummary finish();
    /// Readable while one of the run's sockets is ready.
    [[nodiscard]] int fd() const;
    /// When the run next needs advance() even without socket activity.
    [[nodiscard]] std::optional<std::chrono::steady_clock::time_point> next_timer() const;

  private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

/// Targets from a fixed list (command-line arguments).
class VectorTargetSource final : public TargetSource {
  public:
    explicit VectorTargetSource(std::vector<std::string> texts) : m_texts(std::move(texts)) {}
    std::optional<Result<Target>> next() override;

  private:
    std::vector<std::string> m_texts;
    std::size_t m_next = 0;
};

/// `check`'s targets: the command-line ones first, then the lines of `fd` (--input; -1 =
/// none; not owned), read only as the run asks for them and never blocking.
class ArgumentsThenInput final : public TargetSource {
  public:
    ArgumentsThenInput(std::vector<std::string> args, int fd, std::string name);
    std::optional<Result<Target>> next() override;
    [[nodiscard]] int waiting_fd() const override;

  private:
    VectorTargetSource m_args;
    std::optional<TargetReader> m_reader;
};

} // namespace rblscope
