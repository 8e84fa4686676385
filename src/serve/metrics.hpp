#pragma once
// What the exporter keeps of each check, and the Prometheus text made from it. Pure: the
// exporter owns the state and the clock; tests feed these functions directly.

#include "rblscope/health.hpp"
#include "rblscope/result.hpp"
#include "report/prometheus_series.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace rblscope::exporter {

/// A target's latest check, as its series need it (shared with check --format prometheus).
using Snapshot = TargetSnapshot;
using rblscope::snapshot_of;

/// What the exporter knows about one zone across refreshes.
struct ZoneStats {
    std::string list;                       ///< the list's name
    std::optional<ZoneCondition> condition; ///< from the latest test points
    std::string evidence;
    std::optional<double> last_answer_unix; ///< last listed / not-listed answer
    std::uint64_t errors_total = 0;         ///< error and timeout results, all refreshes
    int failed_refreshes = 0;               ///< consecutive refreshes whose test points failed
    /// Lookups are not sent while a list keeps failing its test points (it is still
    /// tested every refresh).
    [[nodiscard]] bool suspended() const { return failed_refreshes >= 2; }
};

/// The process's own figures, named as Prometheus client libraries name them.
struct ProcessStats {
    double cpu_seconds = 0;
    double start_unix = 0;
    std::uint64_t resident_bytes = 0;
    std::uint64_t open_fds = 0, max_fds = 0;
};

/// CPU, memory and descriptors of this process, from getrusage, /proc/self and rlimits.
[[nodiscard]] ProcessStats process_stats(double start_unix);

struct ExporterCounters {
    std::uint64_t targets = 0, targets_unchecked = 0;
    std::uint64_t refreshes = 0, dns_queries = 0, http_requests = 0;
    bool refresh_running = false;
    double last_refresh_seconds = 0;
    std::uint64_t probes = 0, probes_rejected = 0;
    std::uint64_t reloads_ok = 0, reloads_failed = 0;
    bool last_reload_ok = true;
    double setup_unix = 0;
    std::string version;
    ProcessStats process;
};

/// The whole /metrics page: per target, per (target, zone) marks, per zone, the exporter.
/// `targets` pairs each target's label with its snapshot (null: not checked yet).
[[nodiscard]] std::string
render_metrics(const std::vector<std::pair<std::string, const Snapshot*>>& targets,
               const std::map<std::string, ZoneStats>& zones,
               const ExporterCounters& counters,
               double now_unix);

/// A /probe page: probe_success, probe_duration_seconds and the target's series (every
/// zone). `report` is null when the run could not start.
[[nodiscard]] std::string render_probe(const std::string& target,
                                       const Snapshot* snapshot,
                                       bool deadline_reached,
                                       double duration_s);

} // namespace rblscope::exporter
