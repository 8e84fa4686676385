#pragma once
/// \file report.hpp
/// \brief Output formats. Each is a ResultSink that writes as targets complete.

#include "rblscope/engine.hpp"
#include "rblscope/verdict.hpp"

#include <cstdio>
#include <memory>

namespace rblscope {

struct ReportOptions {
    bool color = false;      ///< ANSI colour (only when stdout is a TTY and NO_COLOR unset)
    bool show_clean = false; ///< list clean zones too (text)
    ExitPolicy policy;       ///< thresholds, shown in Nagios perfdata
    double deadline_s = 0;   ///< the run's deadline, for messages
};

/// A sink that also writes a closing summary once the run is over.
class Report : public ResultSink {
  public:
    virtual void finish(const RunSummary& summary) = 0;
};

/// Aligned table per target, listings first, one summary line per target.
[[nodiscard]] std::unique_ptr<Report>
make_text_report(std::FILE* out, std::FILE* err, ReportOptions options);
/// Monitoring Plugins output: one status line with perfdata, then long text.
[[nodiscard]] std::unique_ptr<Report>
make_nagios_report(std::FILE* out, std::FILE* err, ReportOptions options);
/// One row per (target, zone), RFC 4180.
[[nodiscard]] std::unique_ptr<Report> make_csv_report(std::FILE* out, std::FILE* err);
/// Prometheus text exposition format (node_exporter textfile collector).
[[nodiscard]] std::unique_ptr<Report> make_prometheus_report(std::FILE* out, std::FILE* err);
/// One JSON document (schema in README.md), written incrementally.
[[nodiscard]] std::unique_ptr<Report> make_json_report(std::FILE* out, std::FILE* err);

} // namespace rblscope
