#include "serve/metrics.hpp"

#include "report/prometheus_text.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace rblscope::exporter {

Snapshot snapshot_of(const TargetReport& report, bool all_zones, double now_unix) {
    Snapshot s;
    s.verdict = report.verdict;
    s.listings = report.listed;
    s.errors = report.errors + report.timeouts;
    s.lists = static_cast<int>(report.results.size());
    s.exit_code = report.exit_code;
    s.score = report.score;
    s.checked_unix = now_unix;
    for (const auto& r : report.results) {
        const bool listed = r.status == Status::listed;
        const bool failed = r.status == Status::error || r.status == Status::timeout;
        if (!listed && !failed && !(all_zones && r.status == Status::clean)) {
            continue;
        }
        Mark m;
        m.subject = r.subject;
        m.zone = r.zone->zone;
        m.list = r.zone->name;
        m.status = r.status;
        m.counts = listed && (r.severity == Severity::critical || r.severity == Severity::warning);
        m.allow = listed && r.severity == Severity::allow;
        m.codes = fmt::format("{}", fmt::join(r.codes, ","));
        s.marks.push_back(std::move(m));
    }
    return s;
}

namespace {

struct TargetFamilies {
    MetricFamily verdict{"rblscope_target_verdict",
                         "1 for the target's current verdict (clean, listed or unknown)."};
    MetricFamily listings{"rblscope_target_listings",
                          "Number of blocklist listings of the target."};
    MetricFamily score{"rblscope_target_score",
                       "Weighted listing score of the target (lists.toml weights)."};
    MetricFamily errors{"rblscope_target_lookup_errors",
                        "Number of lists that could not be asked about the target (error or "
                        "timeout); its verdict is unknown when nothing listed it."};
    MetricFamily lists{"rblscope_target_lists", "Number of lists asked about the target."};
    MetricFamily status{
        "rblscope_target_status",
        "Monitoring Plugins state of the target: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN."};
    MetricFamily checked{"rblscope_target_last_check_timestamp_seconds",
                         "Unix time the target's latest check finished."};
    MetricFamily listed{"rblscope_listed",
                        "1 when the list lists the subject with a critical or warning code (0: "
                        "listed informationally, or not listed with --all-zones)."};
    MetricFamily allowed{"rblscope_allowlisted", "1 when an allowlist lists the subject."};
    MetricFamily error{"rblscope_lookup_error",
                       "1 when the list could not be asked about the subject (status error or "
                       "timeout)."};

    void add(const std::string& target, const Snapshot& s) {
        const std::string tl = fmt::format("target=\"{}\"", label_value(target));
        verdict.sample(fmt::format("{},verdict=\"{}\"", tl, to_string(s.verdict)), 1);
        listings.sample(tl, s.listings);
        score.sample(tl, s.score);
        errors.sample(tl, s.errors);
        lists.sample(tl, s.lists);
        status.sample(tl, s.exit_code);
        checked.sample(tl, s.checked_unix);
        for (const auto& m : s.marks) {
            const std::string zl = fmt::format("{},subject=\"{}\",zone=\"{}\",list=\"{}\"",
                                               tl,
                                               label_value(m.subject),
                                               label_value(m.zone),
                                               label_value(m.list));
            if (m.status == Status::listed || m.status == Status::clean) {
                if (m.allow) {
                    allowed.sample(fmt::format("{},codes=\"{}\"", zl, label_value(m.codes)), 1);
                } else {
                    listed.sample(fmt::format("{},codes=\"{}\"", zl, label_value(m.codes)),
                                  m.counts ? 1 : 0);
                }
            } else {
                error.sample(fmt::format("{},status=\"{}\"", zl, to_string(m.status)), 1);
            }
        }
    }

    void write_to(fmt::memory_buffer& out) const {
        for (const auto* f : {&verdict,
                              &listings,
                              &score,
                              &errors,
                              &lists,
                              &status,
                              &checked,
                              &listed,
                              &allowed,
                              &error}) {
            f->write_to(out);
        }
    }
};

} // namespace

std::string render_metrics(const std::vector<std::pair<std::string, const Snapshot*>>& targets,
                           const std::map<std::string, ZoneStats>& zones,
                           const ExporterCounters& c,
                           double now_unix) {
    TargetFamilies tf;
    for (const auto& [label, snap] : targets) {
        if (snap != nullptr) {
            tf.add(label, *snap);
        }
    }
    MetricFamily up{"rblscope_zone_up",
                    "1 when the zone passed its test points in the latest refresh (positive "
                    "point listed, negative not); condition says what it did."};
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
            up.sample(fmt::format("{},condition=\"{}\"", zl, to_string(*z.condition)),
                      *z.condition == ZoneCondition::healthy ? 1 : 0);
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
         {&up,   &age,     &zerr, &suspended, &targets_total, &unchecked, &refreshes, &running,
          &last, &queries, &http, &probes,    &rejected,      &reloads,   &reload_ok, &setup,
          &info, &cpu,     &rss,  &fds,       &max_fds,       &start}) {
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
        TargetFamilies tf;
        tf.add(target, *snapshot);
        tf.write_to(out);
    }
    return fmt::to_string(out);
}

} // namespace rblscope::exporter
