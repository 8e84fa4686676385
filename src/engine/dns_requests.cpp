#include "engine/dns_requests.hpp"

namespace rblscope::engine {

DnsRequests::DnsRequests(EventLoop& loop,
                         const EngineOptions& options,
                         std::optional<Clock::time_point> run_end,
                         Done done)
    : m_loop(loop), m_options(options), m_run_end(run_end), m_done(std::move(done)) {}

// When to send the next copy of an unanswered query: the zone's RTO once its round-trip
// time is known (a lost packet then costs tens of milliseconds, and a slow but working list
// gets no needless copies), else an even share of the budget.
std::chrono::milliseconds DnsRequests::retransmit_after(const RttEstimator& rtt) const {
    const auto share = m_options.timeout / (m_options.retries + 1);
    return rtt.rto(k_min_retransmit, std::min(share, k_first_retransmit));
}

// --timeout bounds a round as a whole; --retries extra copies go out inside it while earlier
// ones stay alive, and the first answer wins. A dead list therefore costs one --timeout,
// however many retries.
void DnsRequests::send(const Job& job, Query query, Destination& dest, ZoneState* zone) {
    const std::uint64_t id = m_next_id++;
    Request& rq = m_requests[id];
    rq.job = job;
    rq.query = std::move(query);
    rq.dest = &dest;
    rq.zone = zone;
    rq.rtt = zone != nullptr ? &zone->rtt : &m_resolver_rtt;
    rq.started = Clock::now();
    rq.seq = dest.window.enter();
    if (job.is_test()) {
        // Test points go out at once and hold no slot: every report waits for them, so
        // they must not wait for the window (nor keep lookups from it).
        rq.late = true;
        dest.window.make_late();
    } else {
        dest.sent_order.emplace_back(id, rq.started);
    }
    if (zone != nullptr) {
        zone->liveness.on_sent();
    }
    const auto budget = m_options.timeout;
    rq.timers.push_back(m_loop.add_timer(rq.started + budget, [this, id] { on_budget_spent(id); }));
    const auto gap = retransmit_after(*rq.rtt);
    for (int k = 1; k <= m_options.retries; ++k) {
        // One RTO apart, except that with two or more retries the last copy waits for half
        // the budget: the early copies recover a lost packet within milliseconds, the late
        // one a server that dropped a whole burst or stalled for a moment (copies 20 ms
        // apart are lost together). Jitter (+-25%) keeps copies of queries sent together
        // from leaving together and overflowing the server's buffer again.
        auto at = gap * k;
        if (k == m_options.retries && k > 1) {
            at = std::max(at, std::chrono::duration_cast<std::chrono::milliseconds>(budget / 2));
        }
        at = std::chrono::duration_cast<std::chrono::milliseconds>(at * m_jitter(m_rng));
        if (at >= budget) {
            break;
        }
        rq.timers.push_back(m_loop.add_timer(rq.started + at, [this, id] { transmit(id); }));
        rq.planned_at.push_back(rq.started + at);
        ++rq.planned;
    }
    transmit(id);
}

void DnsRequests::transmit(std::uint64_t id) {
    const auto it = m_requests.find(id);
    if (it == m_requests.end()) {
        return;
    }
    Request& rq = it->second;
    if (rq.sent == 1 && rq.zone != nullptr) {
        // The first copy is presumed lost. That is congestion only when the zone answers
        // others, and only when the wait was long for this zone (a copy jittered ahead of the
        // RTO is not evidence): a dead list behind the same resolver, or a slow one, says
        // nothing about the resolver's load.
        const ZoneState& z = *rq.zone;
        const auto waited = Clock::now() - rq.started;
        const auto rto = z.rtt.rto(k_min_retransmit, k_first_retransmit);
        if (z.liveness.answering() && z.rtt.has_sample && waited >= rto) {
            rq.dest->window.on_loss(rq.seq);
        }
    }
    if (rq.late && !rq.job.is_test()) {
        // A copy is a request at the server again: it takes a slot (the window may overflow
        // for a moment, which holds new requests back until the copies are answered). Test
        // points never hold one.
        rq.late = false;
        rq.dest->window.late_ended();
        rq.seq = rq.dest->window.enter();
        rq.dest->sent_order.emplace_back(id, Clock::now());
    }
    const auto now = Clock::now();
    if (rq.sent >= 1 && rq.zone != nullptr && rq.zone->liveness.answered_since(rq.started)) {
        // The zone answers others, so this question or its answer was lost, maybe again and
        // again in a burst: one more copy after twice the last wait (RFC 6298's backoff),
        // unless a planned copy comes sooner. A lost question costs tens of milliseconds,
        // not the half budget the last planned copy waits.
        const auto extra_at = now + 2 * (now - rq.last_sent);
        bool sooner = false;
        for (const auto at : rq.planned_at) {
            sooner = sooner || (at > now && at <= extra_at);
        }
        if (!sooner && extra_at < rq.started + m_options.timeout) {
            rq.timers.push_back(m_loop.add_timer(extra_at, [this, id] { transmit(id); }));
            ++rq.planned;
        }
    }
    rq.last_sent = now;
    ++rq.sent;
    ++rq.outstanding;
    ++m_queries;
    rq.query.channel->query(rq.query.name, rq.query.type, [this, id](DnsReply&& reply) {
        on_reply(id, std::move(reply));
    });
}

void DnsRequests::on_reply(std::uint64_t id, DnsReply&& reply) {
    const auto it = m_requests.find(id);
    if (it == m_requests.end()) {
        return; // a copy answering after the request was settled
    }
    Request& rq = it->second;
    --rq.outstanding;
    // Connection refused is not final while other copies may still get through: c-ares
    // fails every query pending on a server when one TCP fallback is refused.
    const bool tentative =
        reply.status == DnsStatus::timeout || reply.status == DnsStatus::connection_refused;
    if (!tentative) {
        settle(it, std::move(reply), Ending::replied);
        return;
    }
    // Keep the most telling failure: connection refused beats a plain timeout.
    if (reply.status == DnsStatus::connection_refused || !rq.fallback) {
        rq.fallback = std::move(reply);
    }
    if (rq.outstanding > 0 || rq.sent < rq.planned) {
        return; // more copies are coming
    }
    settle(it, std::move(*rq.fallback), Ending::replied);
}

bool DnsRequests::worth_another_round(const Request& rq) const {
    if (rq.zone == nullptr || rq.job.rounds + 1 >= k_max_rounds) {
        return false;
    }
    if (rq.fallback && rq.fallback->status == DnsStatus::connection_refused) {
        return false; // nothing listens there: a definite answer of its own
    }
    // The zone answered others while this one waited: the question (or its answer) was lost
    // in a burst, not ignored, so it is asked again rather than reported as "no answer".
    if (!rq.zone->liveness.answered_since(rq.started)) {
        return false;
    }
    return !m_run_end || Clock::now() + m_options.timeout <= *m_run_end;
}

void DnsRequests::on_budget_spent(std::uint64_t id) {
    const auto it = m_requests.find(id);
    if (it == m_requests.end()) {
        return;
    }
    Request& rq = it->second;
    if (worth_another_round(rq)) {
        Job again = rq.job;
        if (again.rounds == 0) {
            again.first_started = rq.started;
        }
        ++again.rounds;
        again.sent_before += rq.sent;
        Destination& dest = *rq.dest;
        release(rq);
        rq.zone->liveness.on_ended();
        m_requests.erase(it);
        dest.urgent.push_front(again);
        return;
    }
    DnsReply timeout;
    timeout.status = DnsStatus::timeout;
    auto& fallback = rq.fallback;
    settle(it,
           fallback && fallback->status == DnsStatus::connection_refused ? std::move(*fallback)
                                                                         : std::move(timeout),
           Ending::replied);
}

void DnsRequests::sweep_late(Destination& dest, Clock::time_point now) {
    while (!dest.sent_order.empty()) {
        const auto [id, at] = dest.sent_order.front();
        const auto it = m_requests.find(id);
        if (it != m_requests.end() && !it->second.late) {
            if (now - at < dest.late_after) {
                return;
            }
            it->second.late = true;
            dest.window.make_late();
        }
        dest.sent_order.pop_front();
    }
}

void DnsRequests::cut_all() {
    std::vector<std::uint64_t> open;
    open.reserve(m_requests.size());
    for (const auto& [id, rq] : m_requests) {
        open.push_back(id);
    }
    for (const auto id : open) {
        if (const auto it = m_requests.find(id); it != m_requests.end()) {
            settle(it, {}, Ending::cut);
        }
    }
}

void DnsRequests::release(Request& rq) {
    for (const auto& t : rq.timers) {
        m_loop.cancel_timer(t);
    }
    rq.timers.clear();
    if (rq.late) {
        rq.dest->window.late_ended();
    } else {
        rq.dest->window.leave();
    }
}

// By value: `reply` may have lived inside the Request erased below (the fallback copy).
void DnsRequests::settle(Iterator it, DnsReply reply, Ending ending) {
    Request& rq = it->second;
    const auto now = Clock::now();
    const bool answered = ending == Ending::replied && reply.status != DnsStatus::timeout &&
                          reply.status != DnsStatus::connection_refused;
    // Karn: only a query sent once gives an unambiguous round-trip sample.
    if (answered && rq.sent == 1) {
        rq.rtt->add(std::chrono::duration<double, std::milli>(now - rq.started).count());
    }
    if (answered) {
        rq.dest->window.on_answer();
    }
    if (rq.zone != nullptr) {
        if (answered) {
            rq.zone->liveness.on_answer(now);
        } else if (ending == Ending::replied && reply.status == DnsStatus::timeout) {
            rq.zone->liveness.on_timeout();
        } else {
            rq.zone->liveness.on_ended();
        }
    }
    release(rq);
    Ended ended{rq.job,
                std::move(rq.query),
                std::move(reply),
                ending,
                rq.job.rounds > 0 ? rq.job.first_started : rq.started,
                rq.job.sent_before + rq.sent};
    m_requests.erase(it);
    m_done(std::move(ended));
}

} // namespace rblscope::engine
