// SpfRunner and spf_check_all(): SPF over c-ares in the event loop.

#include "vet/spf_runner.hpp"

#include "net/event_loop.hpp"

#include <ares.h>

namespace rblscope {

namespace {

std::string key_of(std::string_view name, DnsType type) {
    std::string k(to_string(type));
    k += '/';
    k += name;
    return k;
}

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

SpfRunner::SpfRunner(DnsChannel& channel, int retries, int concurrency)
    : m_channel(channel), m_retries(retries), m_concurrency(std::max(1, concurrency)) {}

const DnsAnswer* SpfRunner::find(std::string_view name, DnsType type) const {
    const auto it = m_answers.find(key_of(name, type));
    return it == m_answers.end() ? nullptr : &it->second;
}

void SpfRunner::add(std::size_t index, SpfQuery query, Done done) {
    m_checks.push_back(Check{index, std::move(query), std::move(done)});
    ++m_open;
    advance(m_checks.size() - 1);
}

void SpfRunner::advance(std::size_t check) {
    auto& c = m_checks[check];
    auto out = spf_check(c.query, *this);
    if (!out.need) {
        --m_open;
        c.done(c.index, std::move(out));
        return;
    }
    const auto key = key_of(out.need->name, out.need->type);
    auto [it, fresh] = m_waiting.try_emplace(key);
    it->second.push_back(check);
    if (fresh) {
        m_queue.push_back(*out.need);
        fill();
    }
}

void SpfRunner::fill() {
    while (m_in_flight < m_concurrency && !m_queue.empty()) {
        auto q = std::move(m_queue.front());
        m_queue.pop_front();
        ask(q, 0);
    }
}

void SpfRunner::ask(const DnsQuestion& q, int attempt) {
    ++m_in_flight;
    m_channel.query(q.name, channel_type(q.type), [this, q, attempt](DnsReply&& reply) {
        on_reply(q, attempt, std::move(reply));
    });
}

void SpfRunner::on_reply(const DnsQuestion& q, int attempt, DnsReply&& reply) {
    --m_in_flight;
    if (reply.status == ARES_ETIMEOUT && attempt < m_retries) {
        ask(q, attempt + 1);
        return;
    }
    DnsAnswer a;
    switch (reply.status) {
    case ARES_SUCCESS:
        for (const auto v4 : reply.a) {
            a.data.push_back(IpAddress::v4(v4).to_string());
        }
        for (const auto& v6 : reply.aaaa) {
            a.data.push_back(IpAddress::v6(v6).to_string());
        }
        a.data.insert(a.data.end(), reply.txt.begin(), reply.txt.end());
        a.data.insert(a.data.end(), reply.names.begin(), reply.names.end());
        break;
    case ARES_ENODATA:
        break;
    case ARES_ENOTFOUND:
        a.status = DnsAnswer::Status::nxdomain;
        break;
    default: // timeout, SERVFAIL, REFUSED, a broken answer: SPF's temperror
        a.status = DnsAnswer::Status::error;
        break;
    }
    const auto key = key_of(q.name, q.type);
    m_answers[key] = std::move(a);
    auto waiting = std::move(m_waiting[key]);
    m_waiting.erase(key);
    for (const auto check : waiting) {
        advance(check);
    }
    fill();
}

Result<std::vector<SpfOutcome>> spf_check_all(const std::vector<SpfQuery>& queries,
                                              const SpfDnsOptions& options) {
    EventLoop loop;
    auto channel = DnsChannel::create(loop, options.resolvers, options.timeout);
    if (!channel) {
        return channel.error();
    }
    std::vector<SpfOutcome> out(queries.size());
    SpfRunner runner(**channel, options.retries, options.concurrency);
    for (std::size_t i = 0; i < queries.size(); ++i) {
        runner.add(i, queries[i], [&out](std::size_t index, SpfOutcome&& o) {
            out[index] = std::move(o);
        });
    }
    while (runner.busy()) {
        loop.run_once(std::chrono::milliseconds(100));
        (*channel)->drain();
    }
    return out;
}

} // namespace rblscope
