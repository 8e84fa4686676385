// Prometheus text exposition format, for node_exporter's textfile collector. Every metric
// family must be contiguous, so samples are gathered per family and written at the end.

#include "rblscope/report.hpp"
#include "rblscope/verdict.hpp"
#include "report/prometheus_text.hpp"

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
        const std::string ip = rep.ip ? rep.ip->to_string() : std::string();
        if (!m_seen.insert(rep.target.text + "\n" + ip).second) {
            return; // the same target twice would make duplicate series
        }
        const std::string tl =
            fmt::format("target=\"{}\",ip=\"{}\"", label_value(rep.target.text), label_value(ip));
        for (const auto& r : rep.results) {
            const std::string zl = fmt::format("{},zone=\"{}\",list=\"{}\",subject=\"{}\"",
                                               tl,
                                               label_value(r.zone->zone),
                                               label_value(r.zone->name),
                                               label_value(r.subject));
            if (r.status == Status::listed || r.status == Status::clean) {
                const bool counts =
                    r.status == Status::listed &&
                    (r.severity == Severity::critical || r.severity == Severity::warning);
                sample(m_listed, zl, counts ? 1 : 0);
                if (r.status == Status::listed && r.severity == Severity::allow) {
                    sample(m_allowed, zl, 1);
                }
            } else if (r.status == Status::error || r.status == Status::timeout) {
                sample(m_error, fmt::format("{},status=\"{}\"", zl, to_string(r.status)), 1);
            }
        }
        sample(m_target_listings, tl, rep.listed);
        sample(m_target_score, tl, rep.score);
        sample(m_target_errors, tl, rep.errors + rep.timeouts);
        sample(m_target_lists, tl, static_cast<double>(rep.results.size()));
        sample(m_target_exit, tl, rep.exit_code);
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
        for (const Family* f : {&m_listed,
                                &m_allowed,
                                &m_error,
                                &m_target_listings,
                                &m_target_score,
                                &m_target_errors,
                                &m_target_lists,
                                &m_target_exit,
                                &m_duration,
                                &m_timestamp,
                                &m_deadline,
                                &m_interrupted,
                                &m_input_errors,
                                &m_exit}) {
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
    Family m_listed{"rblscope_listed",
                    "1 when the list lists the subject (critical or warning code), 0 when it "
                    "answered not listed."};
    Family m_allowed{"rblscope_allowlisted", "1 when an allowlist lists the subject."};
    Family m_error{"rblscope_lookup_error",
                   "1 when the list could not be asked (status error or timeout)."};
    Family m_target_listings{"rblscope_target_listings",
                             "Number of blocklist listings of the target."};
    Family m_target_score{"rblscope_target_score",
                          "Weighted listing score of the target (lists.toml weights)."};
    Family m_target_errors{"rblscope_target_lookup_errors",
                           "Number of lists that could not be asked about the target."};
    Family m_target_lists{"rblscope_target_lists", "Number of lists asked about the target."};
    Family m_target_exit{
        "rblscope_target_status",
        "Monitoring Plugins state of the target: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN."};
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
