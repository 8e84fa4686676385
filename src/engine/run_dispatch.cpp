// Jobs out and back. issue() decides what a job needs: nothing (its zone is skipped, down,
// or dead in this run), a wait (its zone has not answered yet and has its probes out, or the
// zone's IPv6 support is not known yet, or its rate slot is taken), an HTTP source, the answer
// cache, or a DNS request. Every ending comes back through dispatch(), which stores the
// answer where it belongs (a lookup, a host name's addresses, a test point) and asks for TXT
// when an answer reads as a listing.

#include "engine/dns_outcome.hpp"
#include "engine/run.hpp"
#include "engine/zone_tests.hpp"

#include <cstdlib>
#include <fmt/format.h>
#include <fmt/ranges.h>

namespace rblscope::engine {

ZoneState* Run::zone_of(const Job& j) {
    switch (j.kind) {
    case JobKind::test_listed:
    case JobKind::test_unlisted:
        return &m_zones[j.index];
    case JobKind::lookup:
    case JobKind::txt:
        return &m_zones[j.target->lookups[j.index].zone];
    case JobKind::resolve_a:
    case JobKind::resolve_aaaa:
        break;
    }
    return nullptr; // the resolver's own names, not a list's
}

Destination& Run::dest_of(const Job& j) {
    const ZoneState* zs = zone_of(j);
    return zs == nullptr ? m_dests.front() : m_dests[zs->dest];
}

Query Run::query_for(const Job& j) {
    switch (j.kind) {
    case JobKind::test_listed:
    case JobKind::test_unlisted: {
        const auto& zs = m_zones[j.index];
        const Zone& z = *zs.zone;
        const auto& point = test_point_of(z, j);
        std::string prefix = point->subject;
        if (z.takes_ip()) {
            prefix = IpAddress::parse_exact(point->subject)->reversed();
        }
        return {m_dests[zs.dest].channel, prefix + "." + zs.suffix, DnsChannel::Type::a};
    }
    case JobKind::resolve_a:
    case JobKind::resolve_aaaa:
        return {m_channels.front().get(),
                j.target->report.target.hostname,
                j.kind == JobKind::resolve_a ? DnsChannel::Type::a : DnsChannel::Type::aaaa};
    case JobKind::lookup:
    case JobKind::txt: {
        const Lookup& l = j.target->lookups[j.index];
        const auto& zs = m_zones[l.zone];
        return {m_dests[zs.dest].channel,
                l.prefix + "." + zs.suffix,
                j.kind == JobKind::txt ? DnsChannel::Type::txt : DnsChannel::Type::a};
    }
    }
    return {};
}

void Run::issue(const Job& j) {
    Destination& dest = dest_of(j);
    ZoneState* zs = zone_of(j);
    const auto now = Clock::now();
    if (zs != nullptr && !j.is_test()) {
        if (!zs->skip_reason.empty()) {
            dispatch(j, {}, Ending::skipped, now, 0);
            return;
        }
        if (!zs->down_reason.empty()) {
            dispatch(j, {}, Ending::down, now, 0);
            return;
        }
        if (zs->zone->kind == ZoneKind::http) {
            m_http->lookup(j);
            return;
        }
        if (zs->liveness.dead()) {
            dispatch(j, {}, Ending::dead, now, 0);
            return;
        }
        if (j.kind == JobKind::lookup && zs->zone->bare && j.target->lookups[j.index].v6_subject) {
            if (zs->v6_points_open > 0) {
                zs->waiting_v6.push_back(j);
                return;
            }
            if (zs->ipv6_refused) {
                dispatch(j, {}, Ending::no_ipv6, now, 0);
                return;
            }
        }
        if (!zs->liveness.may_send(m_options.concurrency)) {
            zs->waiting.push_back(j); // until the zone answers (or is dead), or has room
            return;
        }
    }
    Query query = query_for(j);
    if (m_cache) {
        if (auto hit = m_cache->get(m_server_keys[query.channel], query.type, query.name)) {
            ++m_summary.cached_answers;
            dispatch(j, std::move(*hit), Ending::replied, now, 0);
            return;
        }
    }
    if (m_options.zone_rate > 0 && !j.paced && zs != nullptr && pace(j, dest)) {
        return;
    }
    m_dns->send(j, std::move(query), dest, zs);
}

// The per-zone rate cap (EngineOptions::zone_rate): a query whose zone has used its share
// waits for the zone's next slot on a timer, keeping its place in the window. True when the
// job was deferred.
bool Run::pace(const Job& j, Destination& dest) {
    ZoneState& zs = *zone_of(j);
    const auto now = Clock::now();
    const auto gap = std::chrono::duration_cast<Clock::duration>(
        std::chrono::duration<double>(1.0 / m_options.zone_rate));
    const auto at = std::max(zs.next_slot, now);
    zs.next_slot = at + gap;
    if (at <= now) {
        return false;
    }
    const std::uint64_t id = m_next_paced++;
    Job later = j;
    later.paced = true;
    dest.window.enter();
    const auto timer = m_loop.add_timer(at, [this, id] {
        const auto node = m_paced.extract(id);
        if (node.empty()) {
            return;
        }
        const Job& job = node.mapped().first;
        dest_of(job).window.leave();
        issue(job);
    });
    m_paced.emplace(id, std::pair{later, timer});
    return true;
}

void Run::on_dns(DnsRequests::Ended&& e) {
    if (m_cache && e.ending == Ending::replied) {
        m_cache->put(m_server_keys[e.query.channel], e.query.type, e.query.name, e.reply);
    }
    const Job job = e.job;
    ZoneState* zs = zone_of(job);
    dispatch(job, std::move(e.reply), e.ending, e.started, e.sent);
    if (zs != nullptr) {
        after_zone_activity(*zs);
    }
}

std::string Run::timeout_text(int sent, int rounds) const {
    const double budget_s = static_cast<double>(m_options.timeout.count()) / 1000.0;
    const char* queries = sent == 1 ? "query" : "queries";
    if (rounds <= 1) {
        return fmt::format("no answer within {:g} s ({} {} sent)", budget_s, sent, queries);
    }
    return fmt::format("no answer in {} rounds of {:g} s ({} {} sent), though the zone answered "
                       "other queries meanwhile",
                       rounds,
                       budget_s,
                       sent,
                       queries);
}

std::string Run::dead_text(const ZoneState& zs) const {
    return fmt::format("not asked: the zone gave no answer to its test points or to any of {} "
                       "queries in {:g} s, so it is treated as dead for this run",
                       zs.liveness.timeouts(),
                       static_cast<double>(m_options.timeout.count()) / 1000.0);
}

void Run::dispatch(
    const Job& j, DnsReply&& reply, Ending ending, Clock::time_point started, int sent) {
    RawAnswer raw = ending == Ending::replied ? to_raw(reply) : RawAnswer{};
    raw.elapsed_ms = ms_since(started);
    raw.tries = sent;
    const ZoneState* zs = zone_of(j);
    switch (ending) {
    case Ending::replied:
        if (raw.kind == RawAnswer::Kind::timeout) {
            raw.detail = timeout_text(sent, j.rounds + 1);
        }
        if (reply.status == DnsStatus::connection_refused && dest_of(j).channel != nullptr) {
            // Which server refused says whether a resolver or a zone server is down.
            raw.detail = fmt::format("connection refused by {}: no DNS server listening there",
                                     fmt::join(dest_of(j).channel->servers(), ", "));
        }
        break;
    case Ending::cut:
        raw.kind = RawAnswer::Kind::timeout;
        raw.detail = cut_text("an answer");
        break;
    case Ending::dead:
        raw.kind = RawAnswer::Kind::timeout; // no answer: never clean
        raw.detail = dead_text(*zs);
        break;
    case Ending::skipped:
        raw.kind = RawAnswer::Kind::skipped;
        raw.detail = zs->skip_reason;
        break;
    case Ending::down:
        raw.kind = RawAnswer::Kind::failure; // an error, never clean
        raw.detail = "not asked: " + zs->down_reason;
        break;
    case Ending::no_ipv6:
        raw.kind = RawAnswer::Kind::skipped;
        raw.detail = zs->ipv6_refused.value_or("the zone does not take IPv6 addresses");
        break;
    }
    switch (j.kind) {
    case JobKind::test_listed:
    case JobKind::test_unlisted:
        on_test_answer(j, std::move(raw));
        return;
    case JobKind::resolve_a:
    case JobKind::resolve_aaaa:
        on_resolved(j, reply, raw);
        return;
    case JobKind::txt: {
        Lookup& l = j.target->lookups[j.index];
        if (ending == Ending::replied && reply.status == DnsStatus::answered) {
            l.txt = txt_reason(reply);
        }
        finish_lookup(*j.target);
        return;
    }
    case JobKind::lookup: {
        Lookup& l = j.target->lookups[j.index];
        l.raw = std::move(raw);
        const Zone& zone = *zs->zone;
        if (l.raw.kind == RawAnswer::Kind::answers && zone.txt && m_options.ask_txt &&
            read_answers(zone, l.raw.a).status == Status::listed) {
            Job txt;
            txt.target = j.target;
            txt.index = j.index;
            txt.kind = JobKind::txt;
            m_dests[zs->dest].urgent.push_back(txt);
            return;
        }
        finish_lookup(*j.target);
        return;
    }
    }
}

void Run::on_resolved(const Job& j, const DnsReply& reply, const RawAnswer& raw) {
    ActiveTarget& t = *j.target;
    const std::string& name = t.report.target.hostname;
    const char* type = j.kind == JobKind::resolve_a ? "A" : "AAAA";
    if (raw.kind == RawAnswer::Kind::answers || reply.status == DnsStatus::answered) {
        for (const auto a : reply.a) {
            const auto ip = IpAddress::v4(a);
            t.report.addresses.push_back({name, ip});
            add_ip_lookups(t, ip, true);
            ++t.resolve_answers;
        }
        for (const auto& b : reply.aaaa) {
            const auto ip6 = IpAddress::v6(b);
            // A mapped address in AAAA is still the IPv4 host.
            const auto ip = IpAddress::parse(ip6.to_string()).value_or(ip6);
            t.report.addresses.push_back({name, ip});
            add_ip_lookups(t, ip, true);
            ++t.resolve_answers;
        }
    } else if (raw.kind != RawAnswer::Kind::nxdomain && raw.kind != RawAnswer::Kind::nodata) {
        t.resolve_failed = true;
        const auto err = classify(make_bare_zone("resolver"), raw, {}).error;
        t.report.problems.push_back(fmt::format("could not resolve {} ({}): {}", name, type, err));
    }
    finish_lookup(t);
}

void Run::on_test_answer(const Job& j, RawAnswer raw) {
    ZoneState& zs = m_zones[j.index];
    record_test_answer(zs, j, std::move(raw));
    if (j.v6_point && zs.zone->bare && zs.v6_points_open == 0) {
        // A zone outside the catalog: its IPv6 points say whether IPv6 lookups are asked.
        zs.ipv6_refused = ipv6_refusal(zs);
        if (m_summary.deadline_reached || m_summary.interrupted) {
            end_waiting(zs.waiting_v6, Ending::cut);
        } else if (zs.ipv6_refused) {
            end_waiting(zs.waiting_v6, Ending::no_ipv6);
        } else {
            auto& queue = m_dests[zs.dest].queue;
            queue.insert(queue.begin(), zs.waiting_v6.begin(), zs.waiting_v6.end());
            zs.waiting_v6.clear();
        }
    }
    if (--m_tests_outstanding == 0) {
        assess_zones(m_zones);
        report_zone_health(m_zones, m_summary.resolvers, m_options, m_sink);
        emit_ready();
    }
}

// After a zone's request ended: lookups held back go out again, as many as the zone may have
// in flight (the ceiling once it answers); a zone found dead ends them at once. While it has
// neither answered nor been found dead, a request that ended otherwise (refused, cut) makes room
// for another probe, but a timeout does not: its fellow probes are about to time out too, and
// probes sent now would cost another budget.
void Run::after_zone_activity(ZoneState& zs) {
    if (zs.waiting.empty()) {
        return;
    }
    if (zs.liveness.dead()) {
        end_waiting(zs.waiting, Ending::dead);
        return;
    }
    const int in_flight = zs.liveness.in_flight();
    const bool probe_more = zs.liveness.timeouts() == 0 || in_flight == 0;
    const int room = zs.liveness.answering() ? m_options.concurrency - in_flight
                     : probe_more            ? ZoneLiveness::k_probes - in_flight
                                             : 0;
    const auto n = static_cast<std::size_t>(std::max(room, 0));
    const auto end = zs.waiting.begin() + static_cast<long>(std::min(n, zs.waiting.size()));
    auto& queue = m_dests[zs.dest].queue;
    queue.insert(queue.begin(), zs.waiting.begin(), end);
    zs.waiting.erase(zs.waiting.begin(), end);
}

void Run::end_waiting(std::deque<Job>& jobs, Ending ending) {
    auto taken = std::move(jobs);
    jobs.clear();
    for (const auto& j : taken) {
        dispatch(j, {}, ending, Clock::now(), 0);
    }
}

} // namespace rblscope::engine
