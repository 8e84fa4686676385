// Prometheus text exposition format, for node_exporter's textfile collector: the same target
// series as `serve` (report/prometheus_series), then the run's own figures. Every metric
// family must be contiguous, so samples are gathered per family and written at the end.

#include "rblscope/report.hpp"
#include "rblscope/verdict.hpp"
#include "report/prometheus_series.hpp"

#include <chrono>
#include <fmt/format.h>
#include <set>

namespace rblscope {

namespace {

using Family = MetricFamily;

class PrometheusReport final : public Report {
  public:
    PrometheusReport(std::FILE* out, std::FILE* err) : m_out(out), m_err(err) {}

    void on_target(const TargetReport& rep) override {
        const std::string target = target_label(rep);
        if (!m_seen.insert(target).second) {
            return; // the same target twice would make duplicate series
        }
        const auto now =
            std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
                .count();
        m_targets.add(target, snapshot_of(rep, true, now));
    }

    void on_input_error(const Error& e) override {
        fmt::print(m_err, "rblscope: {}\n", e.to_string());
    }
    void on_warning(const std::string& m) override {
        fmt::print(m_err, "rblscope: warning: {}\n", m);
    }

    void finish(const RunSummary& s) override {
        sample(m_duration, "", static_cast<double>(s.elapsed_ms) / 1000.0);
        const auto now =
            std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
                .count();
        sample(m_timestamp, "", now);
        sample(m_deadline, "", s.deadline_reached ? 1 : 0);
        sample(m_interrupted, "", s.interrupted ? 1 : 0);
        sample(m_input_errors, "", static_cast<double>(s.input_errors));
        sample(m_exit, "", s.exit_code);
        fmt::memory_buffer text;
        m_targets.write_to(text);
        for (const Family* f :
             {&m_duration, &m_timestamp, &m_deadline, &m_interrupted, &m_input_errors, &m_exit}) {
            f->write_to(text);
        }
        std::fwrite(text.data(), 1, text.size(), m_out);
        std::fflush(m_out);
    }

  private:
    static void sample(Family& f, const std::string& labels, double value) {
        f.sample(labels, value);
    }

    std::FILE* m_out;
    std::FILE* m_err;
    std::set<std::string> m_seen;
    TargetSeries m_targets;
    Family m_duration{"rblscope_check_duration_seconds", "Wall time of the check run."};
    Family m_timestamp{"rblscope_check_timestamp_seconds", "Unix time the check run finished."};
    Family m_deadline{"rblscope_check_deadline_reached", "1 when the run's deadline cut it short."};
    Family m_interrupted{"rblscope_check_interrupted", "1 when a signal stopped the run early."};
    Family m_input_errors{"rblscope_check_input_errors",
                          "Number of target lines that could not be used."};
    Family m_exit{
        "rblscope_check_status",
        "Monitoring Plugins state of the whole run: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN."};
};

} // namespace

std::unique_ptr<Report> make_prometheus_report(std::FILE* out, std::FILE* err) {
    return std::make_unique<PrometheusReport>(out, err);
}

} // namespace rblscope
