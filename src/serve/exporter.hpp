#pragma once
// The exporter behind `rblscope serve` (internal): its state and scheduling
// (exporter.cpp) and its HTTP answers (exporter_http.cpp). One loop waits for everything:
// the HTTP server's epoll fd, every run's own loop (SteppedRun) and the signal pipes.

#include "net/event_loop.hpp"
#include "rblscope/rblscope.hpp"
#include "rblscope/serve.hpp"
#include "serve/http_server.hpp"
#include "serve/metrics.hpp"
#include "serve/notifier.hpp"

#include <chrono>
#include <list>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace rblscope::exporter {

using Clock = std::chrono::steady_clock;

[[nodiscard]] double unix_now();
[[nodiscard]] double seconds_since(Clock::time_point t);
[[nodiscard]] HttpAnswer text_answer(unsigned status, std::string body);
/// This host's name, for the status page and notifications ("localhost" when unknown).
[[nodiscard]] std::string host_name();

inline constexpr const char* k_metrics_type = "text/plain; version=0.0.4; charset=utf-8";

struct TargetEntry {
    Target target;
    std::optional<Snapshot> snapshot;
    Clock::time_point due;
};

/// A run of the engine in the exporter's loop: the refresh of some targets, or one probe.
class HostedRun : public ResultSink, public TargetSource {
  public:
    virtual ~HostedRun() = default;
    std::shared_ptr<const ServeSetup> setup; ///< keeps zones and catalog alive
    EngineOptions options;
    std::unique_ptr<SteppedRun> run;
    Clock::time_point started = Clock::now();
};

class Exporter {
  public:
    Exporter(const ServeOptions& options, const ServeSetupLoader& load)
        : m_options(options), m_load(load) {}

    int run();

  private:
    void apply(std::shared_ptr<const ServeSetup> setup);

    void reload();
    /// The web configuration file, its notes logged as warnings.
    [[nodiscard]] Result<WebConfig> load_web() const;
    /// On reload: the new certificate, users and headers; false (logged, counted as a
    /// failed reload) when the file is wrong and the previous ones stay.
    bool reload_web();

    /// The targets due now (and those due soon, so they share the zones' test points)
    /// are checked in one run.
    class Refresh final : public HostedRun {
      public:
        explicit Refresh(Exporter& ex) : m_ex(ex) {}
        std::vector<std::size_t> indices;

        std::optional<Result<Target>> next() override {
            if (m_in >= indices.size()) {
                return std::nullopt;
            }
            return m_ex.m_targets[indices[m_in++]].target;
        }
        void on_target(const TargetReport& report) override {
            if (m_out < indices.size()) {
                m_ex.store(indices[m_out++], report);
            }
            m_ex.record_history(report);
        }
        void on_input_error(const Error& e) override { m_ex.warn(e.to_string()); }
        void on_warning(const std::string& m) override { m_ex.warn(m); }
        void on_zone_health(const ZoneHealthReport& h) override { m_ex.zone_health(h); }

      private:
        Exporter& m_ex;
        std::size_t m_in = 0, m_out = 0;
    };

    class Probe final : public HostedRun {
      public:
        Target target;
        Respond respond;
        std::optional<TargetReport> report;
        bool given = false;

        std::optional<Result<Target>> next() override {
            if (given) {
                return std::nullopt;
            }
            given = true;
            return target;
        }
        void on_target(const TargetReport& r) override { report = r; }
        void on_input_error(const Error& /*e*/) override {}
        void on_warning(const std::string& /*m*/) override {}
    };

    bool host(HostedRun& r, const CheckProfile& profile);

    void unhost(HostedRun& r);

    void maybe_start_refresh();

    void advance_runs();

    std::chrono::milliseconds next_wait() const;

    void store(std::size_t index, const TargetReport& report);

    /// --history: a refreshed target's changes; a failing write is logged, checks go on.
    void record_history(const TargetReport& report);

    void record_refresh_history(const RunSummary& summary);

    void zone_health(const ZoneHealthReport& h);

    /// A list that keeps failing its test points costs every target its whole query
    /// timeout and bothers its operator for nothing: until it passes them again, runs only
    /// test it, and its lookups are errors at once.
    std::map<std::string, std::string> zones_down() const;

    void log(ServeLogLevel level, const std::string& line) const;

    /// Run warnings come once per setup, not once per refresh.
    void warn(const std::string& message);

    void on_http(const HttpQuery& q, Respond respond);

    std::string metrics_page();

    void probe(const HttpQuery& q, Respond respond);

    [[nodiscard]] HttpAnswer history_json(const HttpQuery& q) const;

    /// GET /: the status page, 100 targets a page (status_page.hpp).
    [[nodiscard]] HttpAnswer status_page(const HttpQuery& q) const;

    void shut_down();

    const ServeOptions& m_options;
    const ServeSetupLoader& m_load;
    EventLoop m_loop;
    std::unique_ptr<exporter::HttpServer> m_server;
    std::unique_ptr<Notifier> m_notifier; ///< with --history and [[notify]] tables
    std::shared_ptr<const ServeSetup> m_setup;
    std::vector<TargetEntry> m_targets;
    std::map<std::string, exporter::ZoneStats> m_zones;
    exporter::ExporterCounters m_counters;
    std::unique_ptr<Refresh> m_refresh;
    std::list<std::unique_ptr<Probe>> m_probes;
    std::set<std::string> m_warned;
    bool m_stopping = false;
    double m_start_unix = unix_now();
};

} // namespace rblscope::exporter
