// `rblscope serve`: the exporter's setup, its scheduling of refreshes and probes, and what
// it keeps of their results (the HTTP answers are in exporter_http.cpp).

#include "serve/exporter.hpp"

#include "core/text.hpp"

#include <algorithm>
#include <array>
#include <fmt/format.h>
#include <unistd.h>
#include <unordered_map>

namespace rblscope {

namespace exporter {

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

std::string host_name() {
    std::array<char, 256> host{};
    if (gethostname(host.data(), host.size() - 1) == 0 && host[0] != '\0') {
        return host.data();
    }
    return "localhost";
}

int Exporter::run() {
    auto first = m_load();
    if (!first) {
        log(ServeLogLevel::error, first.error().to_string());
        return 3;
    }
    if (!first.value()->notifiers.empty() && m_options.history == nullptr) {
        log(ServeLogLevel::error,
            fmt::format("{}: [[notify]] needs --history FILE: the changes waiting for their "
                        "second refresh and the notifications not yet delivered are kept "
                        "there, so that a restart neither loses nor repeats one",
                        first.value()->notifiers.front().where));
        return 3;
    }
    apply(std::move(first.value()));
    exporter::WebConfig web;
    if (!m_options.web_config_file.empty()) {
        auto loaded = load_web();
        if (!loaded) {
            log(ServeLogLevel::error, loaded.error().to_string());
            return 3;
        }
        web = std::move(loaded.value());
    }
    exporter::ConnectionLimits limits;
    limits.max_connections = m_options.max_connections;
    limits.per_client = m_options.max_connections_per_client;
    limits.header_timeout = m_options.header_timeout;
    auto server = exporter::HttpServer::start(
        m_loop,
        m_options.listen,
        limits,
        web,
        [this](const HttpQuery& q, Respond r) { on_http(q, std::move(r)); },
        [this](const std::string& line) { log(ServeLogLevel::info, "http: " + line); });
    if (!server) {
        log(ServeLogLevel::error, server.error().to_string());
        return 3;
    }
    m_server = std::move(server.value());
    m_server->open_healthz(m_options.open_healthz);
    log(ServeLogLevel::info,
        fmt::format("listening on {}://{}/ ({}, {}, refresh every {} s at most; up to {} "
                    "connections, {} per client{})",
                    m_server->scheme(),
                    m_server->address(),
                    counted(m_targets.size(), "target"),
                    counted(m_setup->refresh.zones.size(), "zone"),
                    m_options.refresh.count(),
                    m_server->limits().max_connections,
                    m_server->limits().per_client,
                    web.users.empty()
                        ? ""
                        : fmt::format("; {} with basic auth", counted(web.users.size(), "user"))));
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
        if (m_notifier) {
            m_notifier->pump();
        }
    }
    shut_down();
    return 0;
}

void Exporter::apply(std::shared_ptr<const ServeSetup> setup) {
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
    if (m_options.history != nullptr && (m_notifier || !setup->notifiers.empty())) {
        if (!m_notifier) {
            m_notifier = std::make_unique<Notifier>(
                m_loop, *m_options.history, [this](ServeLogLevel l, const std::string& m) {
                    log(l, m);
                });
        }
        m_notifier->configure(setup);
    } else if (!setup->notifiers.empty()) {
        warn("[[notify]] is ignored: serve runs without --history FILE");
    }
    m_setup = std::move(setup);
    m_counters.setup_unix = unix_now();
    m_warned.clear();
}

void Exporter::reload() {
    log(ServeLogLevel::info, "reloading (SIGHUP)");
    auto next = m_load();
    if (!next) {
        ++m_counters.reloads_failed;
        m_counters.last_reload_ok = false;
        log(ServeLogLevel::error,
            "reload failed, the previous targets and catalog stay: " + next.error().to_string());
        return;
    }
    // The refresh in progress works on the old target list: stop it; its targets are
    // still due and go into the next one.
    if (m_refresh) {
        unhost(*m_refresh);
        m_refresh.reset();
    }
    apply(std::move(next.value()));
    if (!reload_web()) {
        return;
    }
    ++m_counters.reloads_ok;
    m_counters.last_reload_ok = true;
    log(ServeLogLevel::info,
        fmt::format("reloaded: {}, {}",
                    counted(m_targets.size(), "target"),
                    counted(m_setup->refresh.zones.size(), "zone")));
}

Result<exporter::WebConfig> Exporter::load_web() const {
    std::vector<std::string> notes;
    auto web = exporter::load_web_config(m_options.web_config_file, notes);
    for (const auto& note : notes) {
        log(ServeLogLevel::warning, note);
    }
    return web;
}

bool Exporter::reload_web() {
    if (m_options.web_config_file.empty()) {
        return true;
    }
    auto web = load_web();
    auto changed = web ? m_server->reconfigure(web.value()) : Result<bool>(web.error());
    if (!changed) {
        ++m_counters.reloads_failed;
        m_counters.last_reload_ok = false;
        log(ServeLogLevel::error,
            "reload of the web configuration failed, the previous TLS, users and headers "
            "stay: " +
                changed.error().to_string());
        return false;
    }
    if (changed.value()) {
        log(ServeLogLevel::warning,
            m_options.web_config_file +
                ": the new certificate is in use, but a changed client_ca_file, "
                "client_auth_type, min_version or max_version takes a restart");
    }
    return true;
}

bool Exporter::host(HostedRun& r, const CheckProfile& profile) {
    r.run = std::make_unique<SteppedRun>(profile.zones, r.setup->catalog, r, r, r.options);
    if (auto err = r.run->start()) {
        warn(fmt::format("cannot start a check: {}", err->to_string()));
        r.run.reset();
        return false;
    }
    m_loop.watch(r.run->fd(), true, false, [](int, bool, bool) {}); // wakes the loop
    return true;
}

void Exporter::unhost(HostedRun& r) {
    if (r.run) {
        m_loop.unwatch(r.run->fd());
        r.run.reset();
    }
}

void Exporter::maybe_start_refresh() {
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

void Exporter::advance_runs() {
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

std::chrono::milliseconds Exporter::next_wait() const {
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
    if (m_notifier) {
        if (const auto t = m_notifier->next_due()) {
            wait = std::min(wait, until(*t));
        }
    }
    return wait;
}

void Exporter::store(std::size_t index, const TargetReport& report) {
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
    const auto wait = std::clamp(std::chrono::seconds(ttl == UINT32_MAX ? m_options.refresh.count()
                                                                        : static_cast<long>(ttl)),
                                 m_options.min_refresh,
                                 m_options.refresh);
    e.due = Clock::now() + wait;
}

void Exporter::record_history(const TargetReport& report) {
    if (m_options.history != nullptr) {
        const auto recorded =
            m_options.history->record(report, static_cast<std::int64_t>(unix_now()));
        if (!recorded) {
            log(ServeLogLevel::error, recorded.error().to_string());
        } else if (m_notifier) {
            m_notifier->on_target(report, *recorded);
        }
    }
}

void Exporter::record_refresh_history(const RunSummary& summary) {
    if (m_options.history != nullptr) {
        const double now = unix_now();
        const auto started = now - seconds_since(m_refresh->started);
        if (auto e = m_options.history->record_refresh(
                summary, static_cast<std::int64_t>(started), static_cast<std::int64_t>(now))) {
            log(ServeLogLevel::error, e->to_string());
        }
    }
}

void Exporter::zone_health(const ZoneHealthReport& h) {
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

std::map<std::string, std::string> Exporter::zones_down() const {
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

void Exporter::log(ServeLogLevel level, const std::string& line) const {
    if (m_options.log) {
        m_options.log(level, line);
    }
}

void Exporter::warn(const std::string& message) {
    if (m_warned.size() < 1000 && m_warned.insert(message).second) {
        log(ServeLogLevel::warning, message);
    }
}

void Exporter::shut_down() {
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

} // namespace exporter

int serve(const ServeOptions& options, const ServeSetupLoader& load) {
    exporter::Exporter exporter(options, load);
    return exporter.run();
}

} // namespace rblscope
