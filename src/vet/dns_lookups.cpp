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

} // namespace

std::chrono::milliseconds attempt_timeout(const SpfDnsOptions& options) {
    const auto per = options.timeout / (std::max(0, options.retries) + 1);
    return std::max(per, std::chrono::milliseconds(50));
}

Result<std::unique_ptr<DnsSession>> DnsSession::open(const SpfDnsOptions& options) {
    std::unique_ptr<DnsSession> s(new DnsSession());
    auto channel = DnsChannel::create(s->m_loop, options.resolvers, attempt_timeout(options));
    if (!channel) {
        return channel.error();
    }
    s->m_channel = std::move(channel.value());
    s->m_lookups =
        std::make_unique<DnsLookups>(*s->m_channel, options.retries, options.concurrency);
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

DnsLookups::DnsLookups(DnsChannel& channel, int retries, int concurrency)
    : m_channel(channel), m_retries(retries), m_concurrency(std::max(1, concurrency)) {}

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
        m_queue.push_back(q);
        fill();
    }
}

void DnsLookups::fill() {
    while (m_in_flight < m_concurrency && !m_queue.empty()) {
        auto q = std::move(m_queue.front());
        m_queue.pop_front();
        send(q, 0);
    }
}

void DnsLookups::send(const DnsQuestion& q, int attempt) {
    ++m_in_flight;
    ++m_queries;
    m_channel.query(q.name, channel_type(q.type), [this, q, attempt](DnsReply&& reply) {
        on_reply(q, attempt, std::move(reply));
    });
}

void DnsLookups::stop() {
    m_stopped = true;
    m_queue.clear();
    // Waiters may ask more: those are answered at once in ask().
    while (!m_waiting.empty()) {
        auto node = m_waiting.extract(m_waiting.begin());
        m_answers[node.key()].status = DnsAnswer::Status::error;
        for (const auto& w : node.mapped()) {
            w();
        }
    }
}

void DnsLookups::on_reply(const DnsQuestion& q, int attempt, DnsReply&& reply) {
    --m_in_flight;
    if (m_stopped) {
        return; // already answered as an error
    }
    if (reply.status == DnsStatus::timeout && attempt < m_retries) {
        send(q, attempt + 1);
        return;
    }
    DnsAnswer a;
    switch (reply.status) {
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
    default: // timeout, SERVFAIL, REFUSED, a broken answer
        a.status = DnsAnswer::Status::error;
        break;
    }
    const auto key = dns_key(q.name, q.type);
    m_answers[key] = std::move(a);
    const auto node = m_waiting.extract(key);
    if (!node.empty()) {
        for (const auto& w : node.mapped()) {
            w();
        }
    }
    fill();
}

} // namespace rblscope
