#include "vet/dns_lookups.hpp"

namespace rblscope {

namespace {

DnsChannel::Type channel_type(DnsType t) {
    switch (t) {
    case DnsType::a:
        return DnsChannel::Type::a;
    case DnsType::aaaa:
        return DnsChannel::Type::aaaa;
    case DnsType::mx:
        return DnsChannel::Type::mx;
    case DnsType::ptr:
        return DnsChannel::Type::ptr;
    case DnsType::txt:
        break;
    }
    return DnsChannel::Type::txt;
}

EngineOptions request_options(const SpfDnsOptions& options) {
    EngineOptions eo;
    eo.timeout = options.timeout;
    eo.retries = std::max(0, options.retries);
    return eo;
}

} // namespace

Result<std::unique_ptr<DnsSession>> DnsSession::open(const SpfDnsOptions& options) {
    std::unique_ptr<DnsSession> s(new DnsSession());
    auto channel = DnsChannel::create(s->m_loop, options.resolvers, options.timeout);
    if (!channel) {
        return channel.error();
    }
    s->m_channel = std::move(channel.value());
    s->m_lookups = std::make_unique<DnsLookups>(s->m_loop, *s->m_channel, options);
    s->m_stop_fd = options.stop_fd;
    return s;
}

void DnsSession::run_while(const std::function<bool()>& busy) {
    bool watching = false;
    if (m_stop_fd >= 0 && !m_lookups->stopped()) {
        m_loop.watch(m_stop_fd, true, false, [this, &watching](int fd, bool, bool) {
            m_loop.unwatch(fd);
            watching = false;
            m_lookups->stop();
        });
        watching = true;
    }
    while (busy() && !m_lookups->stopped()) {
        m_loop.run_once(std::chrono::milliseconds(100));
        m_channel->drain();
    }
    if (watching) {
        m_loop.unwatch(m_stop_fd);
    }
}

std::string dns_key(std::string_view name, DnsType type) {
    std::string k(to_string(type));
    k += '/';
    k += name;
    return k;
}

DnsLookups::DnsLookups(EventLoop& loop, DnsChannel& channel, const SpfDnsOptions& options)
    : m_loop(loop), m_options(request_options(options)),
      m_dest(&channel, std::max(1, options.concurrency), true),
      m_requests(loop, m_options, std::nullopt, [this](engine::DnsRequests::Ended&& ended) {
          on_ended(std::move(ended));
      }) {}

const DnsAnswer* DnsLookups::find(std::string_view name, DnsType type) const {
    const auto it = m_answers.find(dns_key(name, type));
    return it == m_answers.end() ? nullptr : &it->second;
}

void DnsLookups::ask(const DnsQuestion& q, Waiter then) {
    if (find(q.name, q.type) == nullptr && m_stopped) {
        m_answers[dns_key(q.name, q.type)].status = DnsAnswer::Status::error;
    }
    if (find(q.name, q.type) != nullptr) {
        then();
        return;
    }
    auto [it, fresh] = m_waiting.try_emplace(dns_key(q.name, q.type));
    it->second.push_back(std::move(then));
    if (fresh) {
        m_queue.push_back(m_asked.size());
        m_asked.push_back(q);
        fill();
    }
}

// As the engine's Run fills a destination: requests out longer than the resolver usually
// takes give their slot back, and a full window with questions waiting wakes the loop when
// its oldest request turns late.
void DnsLookups::fill() {
    const auto now = engine::Clock::now();
    const auto& rtt = m_requests.resolver_rtt();
    m_dest.late_after = rtt.has_sample
                            ? late_after({rtt.rto(engine::DnsRequests::k_min_retransmit,
                                                  engine::DnsRequests::k_first_retransmit)},
                                         engine::DnsRequests::k_first_retransmit)
                            : engine::DnsRequests::k_first_retransmit;
    m_requests.sweep_late(m_dest, now);
    while (!m_stopped && !m_queue.empty() && m_dest.window.has_room()) {
        const auto index = m_queue.front();
        m_queue.pop_front();
        const auto& q = m_asked[index];
        engine::Job job;
        job.index = index;
        m_requests.send(job, {m_dest.channel, q.name, channel_type(q.type)}, m_dest, nullptr);
    }
    if (!m_stopped && !m_queue.empty() && !m_late_timer && !m_dest.sent_order.empty()) {
        m_late_timer = true;
        m_loop.add_timer(m_dest.sent_order.front().second + m_dest.late_after, [this] {
            m_late_timer = false;
            fill();
        });
    }
}

void DnsLookups::stop() {
    m_stopped = true;
    m_queue.clear();
    m_requests.cut_all(); // each ends as a DNS error through on_ended()
    // Waiters may ask more: those are answered at once in ask().
    while (!m_waiting.empty()) {
        answer(m_waiting.begin()->first, DnsAnswer{DnsAnswer::Status::error, {}});
    }
}

void DnsLookups::on_ended(engine::DnsRequests::Ended&& ended) {
    const auto& q = m_asked[ended.job.index];
    DnsAnswer a;
    const DnsReply& reply = ended.reply;
    switch (ended.ending == engine::Ending::replied ? reply.status : DnsStatus::timeout) {
    case DnsStatus::answered:
        for (const auto v4 : reply.a) {
            a.data.push_back(IpAddress::v4(v4).to_string());
        }
        for (const auto& v6 : reply.aaaa) {
            a.data.push_back(IpAddress::v6(v6).to_string());
        }
        a.data.insert(a.data.end(), reply.txt.begin(), reply.txt.end());
        a.data.insert(a.data.end(), reply.names.begin(), reply.names.end());
        break;
    case DnsStatus::nodata:
        break;
    case DnsStatus::nxdomain:
        a.status = DnsAnswer::Status::nxdomain;
        break;
    default: // timeout, SERVFAIL, REFUSED, a broken answer, cut by a stop
        a.status = DnsAnswer::Status::error;
        break;
    }
    answer(dns_key(q.name, q.type), std::move(a));
    fill();
}

void DnsLookups::answer(const std::string& key, DnsAnswer a) {
    m_answers[key] = std::move(a);
    auto node = m_waiting.extract(key);
    if (!node.empty()) {
        for (const auto& w : node.mapped()) {
            w();
        }
    }
}

} // namespace rblscope
