// The Run's state machine. start() opens the channels and queues the test points; each
// advance() (after every wait of the loop) drains completions and refills the windows:
// every destination issues from its queues while its window has room, and new targets are
// read only when a window has room and nothing queued for it; finish() gives the totals. The
// run deadline and a stop end it early: whatever is open is cut and what finished is emitted.

#include "engine/run.hpp"

#include "engine/zone_tests.hpp"
#include "net/dns_channel.hpp"
#include "net/resolvers.hpp"
#include "rblscope/config.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace rblscope::engine {

Run::Run(EventLoop& loop,
         const std::vector<const Zone*>& zones,
         const Catalog& catalog,
         TargetSource& targets,
         ResultSink& sink,
         const EngineOptions& options)
    : m_catalog(catalog), m_source(targets, options.max_cidr_addresses), m_sink(sink),
      m_options(options), m_loop(loop) {
    for (const auto* z : zones) {
        ZoneState zs;
        zs.zone = z;
        zs.suffix = z->zone;
        if (const auto down = options.zones_down.find(z->zone);
            down != options.zones_down.end() && z->kind != ZoneKind::http) {
            zs.down_reason = down->second;
        }
        m_zones.push_back(std::move(zs));
    }
}

Run::~Run() = default;

Result<RunSummary> Run::execute() {
    if (auto err = start()) {
        return *err;
    }
    while (!advance()) {
        m_loop.run_once(std::chrono::milliseconds(1000));
    }
    return finish();
}

std::optional<Error> Run::start() {
    m_started = Clock::now();
    if (auto err = setup_channels()) {
        return err;
    }
    if (!m_options.cache_dir.empty()) {
        // Answers depend on who was asked (a public resolver gets refusals), so the servers
        // are part of every cache key.
        for (const auto& ch : m_channels) {
            m_server_keys[ch.get()] = fmt::format("{}", fmt::join(ch->servers(), ","));
        }
        m_cache.emplace(m_options.cache_dir,
                        [this](const std::string& m) { m_sink.on_warning(m); });
    }
    std::optional<Clock::time_point> run_end;
    if (m_options.deadline.count() > 0) {
        run_end = m_started + m_options.deadline;
        m_loop.add_timer(*run_end, [this] { on_run_deadline(); });
    }
    m_dns = std::make_unique<DnsRequests>(
        m_loop, m_options, run_end, [this](DnsRequests::Ended&& e) { on_dns(std::move(e)); });
    if (m_options.stop_fd >= 0) {
        m_loop.watch(m_options.stop_fd, true, false, [this](int fd, bool, bool) {
            m_loop.unwatch(fd);
            m_summary.interrupted = true;
            on_run_deadline();
        });
    }
    // Test points go first so zone health is known by the time real answers arrive.
    m_tests_outstanding = queue_test_points(m_zones, m_dests, m_options);
    if (m_tests_outstanding == 0) {
        assess_zones(m_zones);
        report_zone_health(m_zones, m_summary.resolvers, m_options, m_sink);
    }
    return std::nullopt;
}

bool Run::advance() {
    drain();
    fill();
    drain();
    return finished();
}

RunSummary Run::finish() {
    if (m_summary.deadline_reached || m_summary.interrupted) {
        m_exit = ExitCode::unknown; // what was decided is shown, but the run is incomplete
    }
    if (m_options.stop_fd >= 0 && !m_summary.interrupted) {
        m_loop.unwatch(m_options.stop_fd);
    }
    stop_waiting_for_input();
    if (m_cache) {
        m_cache->report_totals();
    }
    if (m_dns) { // null when start() failed
        m_summary.queries = m_dns->queries();
        m_summary.http_requests = m_http->requests();
    }
    m_summary.elapsed_ms = ms_since(m_started);
    m_summary.exit_code = static_cast<int>(m_exit);
    return m_summary;
}

std::optional<Error> Run::setup_channels() {
    auto main = DnsChannel::create(m_loop, m_options.resolvers, m_options.timeout);
    if (!main) {
        return main.error();
    }
    m_summary.resolvers = (*main)->servers();
    for (const auto& s : m_summary.resolvers) {
        if (is_public_resolver(s, m_catalog.public_resolvers)) {
            m_sink.on_warning(fmt::format(
                "resolver {} is a public resolver: Spamhaus, URIBL, DNSWL and others refuse or "
                "mis-answer queries from it; use your own recursive resolver",
                s));
        }
    }
    m_channels.push_back(std::move(main.value()));
    std::unordered_map<std::string, std::size_t> by_server;
    for (auto& zs : m_zones) {
        std::string server = zs.zone->server;
        for (const auto& [name, srv] : m_options.zone_servers) {
            if (name == zs.zone->zone || name == zs.zone->id) {
                server = srv;
            }
        }
        if (server.empty() || zs.zone->kind == ZoneKind::http) {
            continue;
        }
        const auto [it, added] = by_server.emplace(server, m_channels.size());
        if (added) {
            auto c = DnsChannel::create(m_loop, {server}, m_options.timeout);
            if (!c) {
                return Error{c.error().message, fmt::format("zone server for {}", zs.zone->zone)};
            }
            m_channels.push_back(std::move(c.value()));
        }
        zs.dest = it->second;
    }
    // One destination per channel, then the HTTP sources'; none is added later (requests
    // point to them).
    for (const auto& ch : m_channels) {
        m_dests.emplace_back(ch.get(), m_options.concurrency, true);
    }
    m_dests.emplace_back(nullptr, m_options.concurrency, false);
    m_dests.front().used = true; // host names are resolved there
    m_http = std::make_unique<HttpSources>(
        m_loop, m_options, m_sink, m_zones, m_dests.back(), [this](ActiveTarget& t) {
            finish_lookup(t);
        });
    for (auto& zs : m_zones) {
        if (zs.zone->kind == ZoneKind::http) {
            zs.dest = m_dests.size() - 1;
            m_http->set_up(zs, *m_channels.front());
        } else if (!zs.zone->key_env.empty()) {
            set_up_key(zs);
        }
        m_dests[zs.dest].used = true;
    }
    return std::nullopt;
}

// A DNS zone whose name holds a key ("{key}.zen.dq.spamhaus.net"): filled in, or the zone
// is skipped with what to set.
void Run::set_up_key(ZoneState& zs) {
    const std::string key = key_value(zs.zone->key_env, m_options.keys);
    if (key.empty()) {
        zs.skip_reason = fmt::format("needs a key: set {}", zs.zone->key_env);
    } else if (!is_valid_hostname(key + ".test")) {
        zs.skip_reason = fmt::format("the key in {} is not a valid DNS label", zs.zone->key_env);
    } else {
        zs.suffix.replace(zs.suffix.find("{key}"), 5, key);
    }
}

// When requests to a destination turn late: recomputed at most every 50 ms from the RTOs of
// the zones it serves.
void Run::refresh_late_after(Destination& dest, std::size_t index, Clock::time_point now) {
    constexpr std::chrono::milliseconds k_every{50};
    if (now - dest.late_after_updated < k_every) {
        return;
    }
    dest.late_after_updated = now;
    std::vector<std::chrono::milliseconds> rtos;
    for (const auto& zs : m_zones) {
        if (zs.dest == index && zs.rtt.has_sample) {
            rtos.push_back(
                zs.rtt.rto(DnsRequests::k_min_retransmit, DnsRequests::k_first_retransmit));
        }
    }
    dest.late_after = late_after(std::move(rtos), DnsRequests::k_first_retransmit);
}

void Run::fill() {
    const auto now = Clock::now();
    for (std::size_t i = 0; i + 1 < m_dests.size(); ++i) {
        refresh_late_after(m_dests[i], i, now);
        m_dns->sweep_late(m_dests[i], now);
    }
    // Test points go out at once, whatever the window: every report waits for all of them,
    // and a dead list's points queued behind a slow list's would cost a second budget.
    for (auto& dest : m_dests) {
        while (!dest.queue.empty() && dest.queue.front().is_test()) {
            const Job j = dest.queue.front();
            dest.queue.pop_front();
            issue(j);
        }
    }
    for (bool progress = true; progress;) {
        progress = false;
        for (auto& dest : m_dests) {
            while (dest.has_work() && dest.window.has_room()) {
                auto& q = dest.urgent.empty() ? dest.queue : dest.urgent;
                const Job j = q.front();
                q.pop_front();
                issue(j);
                progress = true;
            }
        }
        if (wants_targets() && activate_next()) {
            progress = true;
        }
    }
    // A full window with work waiting frees a slot when its oldest request turns late, and
    // nothing else may wake the loop by then (slow lists answer nothing for a while).
    for (std::size_t i = 0; i + 1 < m_dests.size(); ++i) {
        Destination& dest = m_dests[i];
        if (dest.late_timer || !dest.has_work() || dest.window.has_room() ||
            dest.sent_order.empty()) {
            continue;
        }
        dest.late_timer = true;
        m_loop.add_timer(dest.sent_order.front().second + dest.late_after,
                         [&dest] { dest.late_timer = false; });
    }
}

// A new target is read when some destination that serves the selection has room and
// nothing queued: with one resolver, exactly when its queue ran dry.
bool Run::wants_targets() const {
    for (const auto& dest : m_dests) {
        if (dest.used && !dest.has_work() && dest.window.has_room()) {
            return true;
        }
    }
    return false;
}

void Run::drain() {
    for (bool again = true; again;) {
        again = false;
        for (auto& ch : m_channels) {
            ch->drain();
        }
        m_http->drain();
        // Completions may have queued follow-ups (TXT, questions asked again); issue them
        // before sleeping.
        for (const auto& dest : m_dests) {
            if (!dest.urgent.empty() && dest.window.has_room()) {
                fill();
                again = true;
                break;
            }
        }
    }
}

bool Run::finished() const {
    if (!m_source_done || !m_active.empty() || m_tests_outstanding > 0 || !m_dns->empty() ||
        !m_http->idle() || !m_paced.empty()) {
        return false;
    }
    for (const auto& dest : m_dests) {
        if (dest.has_work()) {
            return false;
        }
    }
    return true;
}

std::string Run::cut_text(std::string_view before) const {
    if (m_summary.interrupted) {
        return fmt::format("the run was interrupted before {}", before);
    }
    return fmt::format("the run's deadline of {:g} s passed before {}",
                       static_cast<double>(m_options.deadline.count()) / 1000.0,
                       before);
}

// The deadline passed, or the run was told to stop (m_summary.interrupted): everything still
// open is cut, no more input is read, and what was decided is reported at once.
void Run::on_run_deadline() {
    if (!m_summary.interrupted) {
        m_summary.deadline_reached = true;
    }
    m_source_done = true;
    stop_waiting_for_input();
    m_dns->cut_all();
    m_http->cut([this](std::string_view before) { return cut_text(before); });
    auto paced = std::move(m_paced);
    m_paced.clear();
    for (const auto& [id, waiting] : paced) {
        m_loop.cancel_timer(waiting.second);
        dest_of(waiting.first).window.leave();
        dispatch(waiting.first, {}, Ending::cut, Clock::now(), 0);
    }
    for (auto& zs : m_zones) {
        end_waiting(zs.waiting, Ending::cut);
        end_waiting(zs.waiting_v6, Ending::cut);
    }
    for (auto& dest : m_dests) {
        while (dest.has_work()) {
            auto& q = dest.urgent.empty() ? dest.queue : dest.urgent;
            const Job j = q.front();
            q.pop_front();
            dispatch(j, {}, Ending::cut, Clock::now(), 0);
        }
    }
}

} // namespace rblscope::engine
