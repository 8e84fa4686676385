#include "serve/metrics.hpp"

#include "report/prometheus_text.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace rblscope::exporter {

namespace {

constexpr ZoneCondition k_conditions[] = {ZoneCondition::healthy,
                                          ZoneCondition::no_answer,
                                          ZoneCondition::refuses,
                                          ZoneCondition::lists_everything,
                                          ZoneCondition::outside_127,
                                          ZoneCondition::untested};

} // namespace

std::string render_metrics(const std::vector<std::pair<std::string, const Snapshot*>>& targets,
                           const std::map<std::string, ZoneStats>& zones,
                           const ExporterCounters& c,
                           double now_unix) {
    TargetSeries tf;
    for (const auto& [label, snap] : targets) {
        if (snap != nullptr) {
            tf.add(label, *snap);
        }
    }
    MetricFamily up{"rblscope_zone_up",
                    "1 when the zone passed its test points in the latest refresh (positive "
                    "point listed, negative not); rblscope_zone_condition says what it did."};
    MetricFamily condition{"rblscope_zone_condition",
                           "State set of what the zone did at its test points in the latest "
                           "refresh: one series per condition, 1 for the current one."};
    MetricFamily age{"rblscope_zone_last_answer_age_seconds",
                     "Seconds since the zone last gave a definite answer (listed or not listed)."};
    MetricFamily zerr{"rblscope_zone_lookup_errors_total",
                      "Results from the zone that were errors or timeouts, since start.",
                      "counter"};
    MetricFamily suspended{"rblscope_zone_suspended",
                           "1 while the zone's lookups are not sent because it failed its test "
                           "points in the last refreshes (its results are errors, never clean)."};
    for (const auto& [zone, z] : zones) {
        const std::string zl =
            fmt::format("zone=\"{}\",list=\"{}\"", label_value(zone), label_value(z.list));
        if (z.condition) {
            up.sample(zl, *z.condition == ZoneCondition::healthy ? 1 : 0);
            for (const auto state : k_conditions) {
                condition.sample(fmt::format("{},condition=\"{}\"", zl, to_string(state)),
                                 state == *z.condition ? 1 : 0);
            }
        }
        if (z.last_answer_unix) {
            age.sample(zl, std::max(0.0, now_unix - *z.last_answer_unix));
        }
        zerr.sample(zl, static_cast<double>(z.errors_total));
        suspended.sample(zl, z.suspended() ? 1 : 0);
    }
    MetricFamily targets_total{"rblscope_exporter_targets", "Targets configured."};
    MetricFamily unchecked{"rblscope_exporter_targets_unchecked",
                           "Targets with no finished check yet."};
    MetricFamily refreshes{
        "rblscope_exporter_refreshes_total", "Background refresh runs finished.", "counter"};
    MetricFamily running{"rblscope_exporter_refresh_running", "1 while a refresh run is going."};
    MetricFamily last{"rblscope_exporter_last_refresh_duration_seconds",
                      "Wall time of the latest finished refresh run."};
    MetricFamily queries{"rblscope_exporter_dns_queries_total",
                         "DNS queries sent by finished refresh runs.",
                         "counter"};
    MetricFamily http{"rblscope_exporter_http_requests_total",
                      "Requests to HTTP sources by finished refresh runs.",
                      "counter"};
    MetricFamily probes{"rblscope_exporter_probes_total", "/probe requests checked.", "counter"};
    MetricFamily rejected{"rblscope_exporter_probes_rejected_total",
                          "/probe requests refused (bad target or module, too many at once).",
                          "counter"};
    MetricFamily reloads{"rblscope_exporter_reloads_total",
                         "Reloads of targets and catalog (SIGHUP) by result.",
                         "counter"};
    MetricFamily reload_ok{"rblscope_exporter_last_reload_success",
                           "1 when the latest reload worked (0: the previous setup still runs)."};
    MetricFamily setup{"rblscope_exporter_setup_timestamp_seconds",
                       "Unix time the running targets and catalog were loaded."};
    MetricFamily info{"rblscope_exporter_build_info", "rblscope version, value 1."};
    MetricFamily cpu{"process_cpu_seconds_total", "User and system CPU time spent.", "counter"};
    MetricFamily rss{"process_resident_memory_bytes", "Resident memory size."};
    MetricFamily fds{"process_open_fds", "Open file descriptors."};
    MetricFamily max_fds{"process_max_fds", "Limit of open file descriptors."};
    MetricFamily start{"process_start_time_seconds", "Unix time the process started."};
    cpu.sample("", c.process.cpu_seconds);
    rss.sample("", static_cast<double>(c.process.resident_bytes));
    fds.sample("", static_cast<double>(c.process.open_fds));
    max_fds.sample("", static_cast<double>(c.process.max_fds));
    start.sample("", c.process.start_unix);
    targets_total.sample("", static_cast<double>(c.targets));
    unchecked.sample("", static_cast<double>(c.targets_unchecked));
    refreshes.sample("", static_cast<double>(c.refreshes));
    running.sample("", c.refresh_running ? 1 : 0);
    last.sample("", c.last_refresh_seconds);
    queries.sample("", static_cast<double>(c.dns_queries));
    http.sample("", static_cast<double>(c.http_requests));
    probes.sample("", static_cast<double>(c.probes));
    rejected.sample("", static_cast<double>(c.probes_rejected));
    reloads.sample("result=\"success\"", static_cast<double>(c.reloads_ok));
    reloads.sample("result=\"failure\"", static_cast<double>(c.reloads_failed));
    reload_ok.sample("", c.last_reload_ok ? 1 : 0);
    setup.sample("", c.setup_unix);
    info.sample(fmt::format("version=\"{}\"", label_value(c.version)), 1);

    fmt::memory_buffer out;
    tf.write_to(out);
    for (const auto* f :
         {&up,      &condition, &age,     &zerr, &suspended, &targets_total, &unchecked, &refreshes,
          &running, &last,      &queries, &http, &probes,    &rejected,      &reloads,   &reload_ok,
          &setup,   &info,      &cpu,     &rss,  &fds,       &max_fds,       &start}) {
        f->write_to(out);
    }
    return fmt::to_string(out);
}

std::string render_probe(const std::string& target,
                         const Snapshot* snapshot,
                         bool deadline_reached,
                         double duration_s) {
    MetricFamily success{"probe_success",
                         "1 when the check decided (listed or clean), 0 when it could not."};
    MetricFamily duration{"probe_duration_seconds", "How long the probe took."};
    MetricFamily deadline{"rblscope_probe_deadline_reached",
                          "1 when the scrape timeout cut the check short."};
    success.sample("", snapshot != nullptr && snapshot->verdict != Verdict::unknown ? 1 : 0);
    duration.sample("", duration_s);
    deadline.sample("", deadline_reached ? 1 : 0);
    fmt::memory_buffer out;
    for (const auto* f : {&success, &duration, &deadline}) {
        f->write_to(out);
    }
    if (snapshot != nullptr) {
        TargetSeries tf;
        tf.add(target, *snapshot);
        tf.write_to(out);
    }
    return fmt::to_string(out);
}

} // namespace rblscope::exporter
