// `rblscope serve`: the exporter's state, its scheduling and its HTTP answers. One loop
// waits for everything: the HTTP server's epoll fd, every run's own loop (SteppedRun) and
// the signal pipes.

#include "core/sanitize.hpp"
#include "core/text.hpp"
#include "net/event_loop.hpp"
#include "rblscope/rblscope.hpp"
#include "rblscope/serve.hpp"
#include "serve/http_server.hpp"
#include "serve/metrics.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <list>
#include <set>
#include <unordered_map>

namespace rblscope {

namespace {

using Clock = std::chrono::steady_clock;
using exporter::HttpAnswer;
using exporter::HttpQuery;
using exporter::Respond;

double unix_now() {
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

double seconds_since(Clock::time_point t) {
    return std::chrono::duration<double>(Clock::now() - t).count();
}

HttpAnswer text_answer(unsigned status, std::string body) {
    return HttpAnswer{status, "text/plain; charset=utf-8", std::move(body)};
}

constexpr const char* k_metrics_type = "text/plain; version=0.0.4; charset=utf-8";

struct TargetEntry {
    Target target;
    std::optional<exporter::Snapshot> snapshot;
    Clock::time_point due;
};

class Exporter;

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

    int run() {
        auto first = m_load();
        if (!first) {
            log(ServeLogLevel::error, first.error().to_string());
            return 3;
        }
        apply(std::move(first.value()));
        auto server = exporter::HttpServer::start(
            m_loop,
            m_options.listen,
            [this](const HttpQuery& q, Respond r) { on_http(q, std::move(r)); },
            [this](const std::string& line) { log(ServeLogLevel::info, "http: " + line); });
        if (!server) {
            log(ServeLogLevel::error, server.error().to_string());
            return 3;
        }
        m_server = std::move(server.value());
        log(ServeLogLevel::info,
            fmt::format("listening on http://{}/ ({}, {}, refresh every {} s at most)",
                        m_server->address(),
                        counted(m_targets.size(), "target"),
                        counted(m_setup->refresh.zones.size(), "zone"),
                        m_options.refresh.count()));
        if (m_options.on_listening) {
            m_options.on_listening(m_server->address());
        }
        if (m_options.stop_fd >= 0) {
            m_loop.watch(m_options.stop_fd, true, false, [this](int fd, bool, bool) {
                m_loop.unwatch(fd);
                m_stopping = true;
            });
        }
        if (m_options.reload_fd >= 0) {
            m_loop.watch(m_options.reload_fd, true, false, [this](int fd, bool, bool) {
                char buf[64];
                while (::read(fd, buf, sizeof buf) > 0) {
                }
                reload();
            });
        }
        while (!m_stopping) {
            maybe_start_refresh();
            m_loop.run_once(next_wait());
            m_server->poll();
            advance_runs();
            m_server->poll(); // sends the answers of probes that just finished
        }
        shut_down();
        return 0;
    }

  private:
    // ---- setup -------------------------------------------------------------------------

    void apply(std::shared_ptr<const ServeSetup> setup) {
        // Results of targets that stay are kept (no blank /metrics after a reload).
        std::unordered_map<std::string, TargetEntry> old;
        for (auto& e : m_targets) {
            old.emplace(e.target.text, std::move(e));
        }
        m_targets.clear();
        const auto now = Clock::now();
        // Another zone selection makes every kept result stale: shown until replaced, but
        // replaced at once. (Same zones: kept until due, as a SIGHUP may only add targets.)
        const auto zone_names = [](const ServeSetup& st) {
            std::vector<std::string> names;
            for (const auto* z : st.refresh.zones) {
                names.push_back(z->zone);
            }
            return names;
        };
        const bool same_zones = m_setup && zone_names(*m_setup) == zone_names(*setup);
        for (const auto& t : setup->targets) {
            TargetEntry e;
            if (auto it = old.find(t.text); it != old.end()) {
                e = std::move(it->second);
                if (!same_zones) {
                    e.due = now;
                }
            } else {
                e.due = now;
            }
            e.target = t;
            m_targets.push_back(std::move(e));
        }
        std::map<std::string, exporter::ZoneStats> zones;
        for (const auto* z : setup->refresh.zones) {
            auto& s = zones[z->zone];
            if (auto it = m_zones.find(z->zone); it != m_zones.end()) {
                s = it->second;
            }
            s.list = z->name;
        }
        m_zones = std::move(zones);
        m_setup = std::move(setup);
        m_counters.setup_unix = unix_now();
        m_warned.clear();
    }

    void reload() {
        log(ServeLogLevel::info, "reloading (SIGHUP)");
        auto next = m_load();
        if (!next) {
            ++m_counters.reloads_failed;
            m_counters.last_reload_ok = false;
            log(ServeLogLevel::error,
                "reload failed, the previous targets and catalog stay: " +
                    next.error().to_string());
            return;
        }
        // The refresh in progress works on the old target list: stop it; its targets are
        // still due and go into the next one.
        if (m_refresh) {
            unhost(*m_refresh);
            m_refresh.reset();
        }
        apply(std::move(next.value()));
        ++m_counters.reloads_ok;
        m_counters.last_reload_ok = true;
        log(ServeLogLevel::info,
            fmt::format("reloaded: {}, {}",
                        counted(m_targets.size(), "target"),
                        counted(m_setup->refresh.zones.size(), "zone")));
    }

    // ---- runs --------------------------------------------------------------------------

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

    bool host(HostedRun& r, const CheckProfile& profile) {
        r.run = std::make_unique<SteppedRun>(profile.zones, r.setup->catalog, r, r, r.options);
        if (auto err = r.run->start()) {
            warn(fmt::format("cannot start a check: {}", err->to_string()));
            r.run.reset();
            return false;
        }
        m_loop.watch(r.run->fd(), true, false, [](int, bool, bool) {}); // wakes the loop
        return true;
    }

    void unhost(HostedRun& r) {
        if (r.run) {
            m_loop.unwatch(r.run->fd());
            r.run.reset();
        }
    }

    void maybe_start_refresh() {
        if (m_refresh || m_targets.empty()) {
            return;
        }
        const auto now = Clock::now();
        const bool any_due = std::any_of(
            m_targets.begin(), m_targets.end(), [&](const TargetEntry& e) { return e.due <= now; });
        if (!any_due) {
            return;
        }
        auto r = std::make_unique<Refresh>(*this);
        const auto soon = now + m_options.min_refresh / 2;
        for (std::size_t i = 0; i < m_targets.size(); ++i) {
            if (m_targets[i].due <= soon) {
                r->indices.push_back(i);
            }
        }
        r->setup = m_setup;
        r->options = m_setup->refresh.options;
        r->options.stop_fd = -1;
        r->options.warn_failing_zones = false; // the zone series say it, every scrape
        r->options.zones_down = zones_down();
        if (!host(*r, m_setup->refresh)) {
            for (const auto i : r->indices) {
                m_targets[i].due = now + m_options.min_refresh;
            }
            return;
        }
        m_refresh = std::move(r);
    }

    void advance_runs() {
        if (m_refresh && m_refresh->run->advance()) {
            const auto summary = m_refresh->run->finish();
            ++m_counters.refreshes;
            m_counters.dns_queries += summary.queries;
            m_counters.http_requests += summary.http_requests;
            m_counters.last_refresh_seconds = seconds_since(m_refresh->started);
            record_refresh_history(summary);
            unhost(*m_refresh);
            m_refresh.reset();
        }
        for (auto it = m_probes.begin(); it != m_probes.end();) {
            Probe& p = **it;
            if (!p.run->advance()) {
                ++it;
                continue;
            }
            const auto summary = p.run->finish();
            std::optional<exporter::Snapshot> snap;
            if (p.report) {
                snap = exporter::snapshot_of(*p.report, true, unix_now());
            }
            p.respond(HttpAnswer{200,
                                 k_metrics_type,
                                 exporter::render_probe(p.target.text,
                                                        snap ? &*snap : nullptr,
                                                        summary.deadline_reached,
                                                        seconds_since(p.started))});
            unhost(p);
            it = m_probes.erase(it);
        }
    }

    std::chrono::milliseconds next_wait() const {
        auto wait = m_server->max_wait();
        const auto now = Clock::now();
        const auto until = [&](Clock::time_point t) {
            return std::chrono::ceil<std::chrono::milliseconds>(std::max(t, now) - now);
        };
        const auto consider = [&](const HostedRun& r) {
            if (r.run) {
                if (const auto t = r.run->next_timer()) {
                    wait = std::min(wait, until(*t));
                }
            }
        };
        if (m_refresh) {
            consider(*m_refresh);
        } else {
            for (const auto& e : m_targets) {
                wait = std::min(wait, until(e.due));
            }
        }
        for (const auto& p : m_probes) {
            consider(*p);
        }
        return wait;
    }

    // ---- results -----------------------------------------------------------------------

    void store(std::size_t index, const TargetReport& report) {
        auto& e = m_targets[index];
        const double now_unix = unix_now();
        e.snapshot = exporter::snapshot_of(report, m_options.all_zones, now_unix);
        // Checked again when the shortest answer TTL runs out, within [min_refresh, refresh].
        std::uint32_t ttl = UINT32_MAX;
        for (const auto& r : report.results) {
            if ((r.status == Status::listed || r.status == Status::clean) && r.ttl > 0) {
                ttl = std::min(ttl, r.ttl);
            }
            const auto z = m_zones.find(r.zone->zone);
            if (z == m_zones.end()) {
                continue;
            }
            if (r.status == Status::listed || r.status == Status::clean) {
                z->second.last_answer_unix = now_unix;
            } else if (r.status == Status::error || r.status == Status::timeout) {
                ++z->second.errors_total;
            }
        }
        const auto wait =
            std::clamp(std::chrono::seconds(ttl == UINT32_MAX ? m_options.refresh.count()
                                                              : static_cast<long>(ttl)),
                       m_options.min_refresh,
                       m_options.refresh);
        e.due = Clock::now() + wait;
    }

    /// --history: a refreshed target's changes; a failing write is logged, checks go on.
    void record_history(const TargetReport& report) {
        if (m_options.history != nullptr) {
            const auto recorded =
                m_options.history->record(report, static_cast<std::int64_t>(unix_now()));
            if (!recorded) {
                log(ServeLogLevel::error, recorded.error().to_string());
            }
        }
    }

    void record_refresh_history(const RunSummary& summary) {
        if (m_options.history != nullptr) {
            const double now = unix_now();
            const auto started = now - seconds_since(m_refresh->started);
            if (auto e = m_options.history->record_refresh(
                    summary, static_cast<std::int64_t>(started), static_cast<std::int64_t>(now))) {
                log(ServeLogLevel::error, e->to_string());
            }
        }
    }

    void zone_health(const ZoneHealthReport& h) {
        if (auto it = m_zones.find(h.zone->zone); it != m_zones.end()) {
            auto& z = it->second;
            const bool failed =
                h.condition != ZoneCondition::healthy && h.condition != ZoneCondition::untested;
            z.failed_refreshes = failed ? z.failed_refreshes + 1 : 0;
            if (z.failed_refreshes == 2) {
                warn(fmt::format("{} failed its test points twice in a row ({}); its lookups are "
                                 "suspended until it passes them again",
                                 h.zone->zone,
                                 to_string(h.condition)));
            }
            z.condition = h.condition;
            z.evidence = h.evidence;
        }
    }

    /// A list that keeps failing its test points costs every target its whole query
    /// timeout and bothers its operator for nothing: until it passes them again, runs only
    /// test it, and its lookups are errors at once.
    std::map<std::string, std::string> zones_down() const {
        std::map<std::string, std::string> down;
        for (const auto& [zone, z] : m_zones) {
            if (z.suspended() && z.condition) {
                down[zone] = fmt::format("the list failed its test points in the last {} "
                                         "refreshes here ({}); it is asked again once it passes "
                                         "them",
                                         z.failed_refreshes,
                                         to_string(*z.condition));
            }
        }
        return down;
    }

    void log(ServeLogLevel level, const std::string& line) const {
        if (m_options.log) {
            m_options.log(level, line);
        }
    }

    /// Run warnings come once per setup, not once per refresh.
    void warn(const std::string& message) {
        if (m_warned.size() < 1000 && m_warned.insert(message).second) {
            log(ServeLogLevel::warning, message);
        }
    }

    // ---- HTTP --------------------------------------------------------------------------

    void on_http(const HttpQuery& q, Respond respond) {
        if (q.path == "/metrics") {
            respond(HttpAnswer{200, k_metrics_type, metrics_page()});
        } else if (q.path == "/probe") {
            probe(q, std::move(respond));
        } else if (q.path == "/healthz") {
            respond(text_answer(200,
                                m_counters.last_reload_ok ? "ok\n"
                                                          : "ok (the last reload failed; "
                                                            "the previous setup runs)\n"));
        } else if (q.path == "/") {
            respond(HttpAnswer{200,
                               "text/html; charset=utf-8",
                               "<!doctype html><title>rblscope exporter</title><h1>rblscope "
                               "exporter</h1><p><a href=\"/metrics\">/metrics</a> &middot; "
                               "/probe?target=ADDRESS&amp;module=NAME &middot; <a "
                               "href=\"/healthz\">/healthz</a></p>\n"});
        } else {
            respond(text_answer(404,
                                "not found: this exporter serves /metrics, "
                                "/probe?target=ADDRESS[&module=NAME] and /healthz\n"));
        }
    }

    std::string metrics_page() {
        std::vector<std::pair<std::string, const exporter::Snapshot*>> targets;
        targets.reserve(m_targets.size());
        std::uint64_t unchecked = 0;
        for (const auto& e : m_targets) {
            targets.emplace_back(e.target.text, e.snapshot ? &*e.snapshot : nullptr);
            unchecked += e.snapshot ? 0 : 1;
        }
        m_counters.targets = m_targets.size();
        m_counters.targets_unchecked = unchecked;
        m_counters.refresh_running = m_refresh != nullptr;
        m_counters.version = k_version;
        m_counters.process = exporter::process_stats(m_start_unix);
        return exporter::render_metrics(targets, m_zones, m_counters, unix_now());
    }

    void probe(const HttpQuery& q, Respond respond) {
        const auto reject = [&](unsigned status, std::string why) {
            ++m_counters.probes_rejected;
            respond(text_answer(status, std::move(why) + "\n"));
        };
        const auto t = q.args.find("target");
        if (t == q.args.end() || t->second.empty()) {
            return reject(400, "missing target: /probe?target=ADDRESS[&module=NAME]");
        }
        auto target = parse_target(t->second);
        if (!target) {
            return reject(400, "target: " + sanitize_text(target.error().to_string(), 300));
        }
        if (target->kind == Target::Kind::cidr) {
            return reject(400, "target: a probe checks one address, host or email, not a block");
        }
        std::string module;
        if (const auto m = q.args.find("module"); m != q.args.end()) {
            module = m->second;
        }
        const auto profile = m_setup->modules.find(module);
        if (profile == m_setup->modules.end()) {
            std::vector<std::string> known;
            for (const auto& [name, p] : m_setup->modules) {
                if (!name.empty()) {
                    known.push_back(name);
                }
            }
            return reject(400,
                          fmt::format("unknown module \"{}\" (the configuration names: {})",
                                      sanitize_text(module, 80),
                                      known.empty() ? std::string("none")
                                                    : fmt::format("{}", fmt::join(known, ", "))));
        }
        if (m_probes.size() >= m_options.max_probes) {
            return reject(503,
                          fmt::format("{} probes are running already; try again", m_probes.size()));
        }
        // Prometheus gives up after the scrape timeout: finish before it, with what is
        // known, rather than answer too late.
        const double budget_s = q.scrape_timeout_s.value_or(
            std::chrono::duration<double>(m_options.default_probe_timeout).count());
        const auto deadline = std::chrono::milliseconds(
            std::max(100L, static_cast<long>(budget_s * 1000 - std::min(500.0, budget_s * 100))));
        auto p = std::make_unique<Probe>();
        p->setup = m_setup;
        p->options = profile->second.options;
        p->options.stop_fd = -1;
        p->options.warn_failing_zones = false;
        p->options.zones_down = zones_down();
        p->options.test_zones_down = false;
        p->options.deadline =
            p->options.deadline.count() > 0 ? std::min(p->options.deadline, deadline) : deadline;
        p->target = std::move(target.value());
        p->respond = std::move(respond);
        ++m_counters.probes;
        if (!host(*p, profile->second)) {
            p->respond(text_answer(500, "the check could not start; see the exporter's log\n"));
            return;
        }
        m_probes.push_back(std::move(p));
    }

    void shut_down() {
        log(ServeLogLevel::info, "stopping");
        for (auto& p : m_probes) {
            p->respond(text_answer(503, "the exporter is stopping\n"));
            unhost(*p);
        }
        m_probes.clear();
        if (m_refresh) {
            unhost(*m_refresh);
            m_refresh.reset();
        }
        // Let the answers just given go out, briefly.
        const auto until = Clock::now() + std::chrono::milliseconds(200);
        while (Clock::now() < until) {
            m_server->poll();
            m_loop.run_once(std::chrono::milliseconds(20));
        }
        m_server.reset();
    }

    const ServeOptions& m_options;
    const ServeSetupLoader& m_load;
    EventLoop m_loop;
    std::unique_ptr<exporter::HttpServer> m_server;
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

} // namespace

int serve(const ServeOptions& options, const ServeSetupLoader& load) {
    Exporter exporter(options, load);
    return exporter.run();
}

} // namespace rblscope
