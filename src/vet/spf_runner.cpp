// SpfRunner and spf_check_all(): SPF over c-ares in the event loop.

#include "vet/spf_runner.hpp"

namespace rblscope {

void SpfRunner::add(std::size_t index, SpfQuery query, Done done) {
    m_checks.push_back(Check{index, std::move(query), std::move(done)});
    ++m_open;
    advance(m_checks.size() - 1);
}

void SpfRunner::advance(std::size_t check) {
    auto out = spf_check(m_checks[check].query, m_dns);
    if (out.need) {
        m_dns.ask(*out.need, [this, check] { advance(check); });
        return;
    }
    --m_open;
    auto& c = m_checks[check];
    c.done(c.index, std::move(out));
}

Result<std::vector<SpfOutcome>> spf_check_all(const std::vector<SpfQuery>& queries,
                                              const SpfDnsOptions& options) {
    auto session = DnsSession::open(options);
    if (!session) {
        return session.error();
    }
    SpfRunner runner((*session)->lookups());
    std::vector<SpfOutcome> out(queries.size());
    for (std::size_t i = 0; i < queries.size(); ++i) {
        runner.add(i, queries[i], [&out](std::size_t index, SpfOutcome&& o) {
            out[index] = std::move(o);
        });
    }
    (*session)->run_while([&] { return runner.busy(); });
    return out;
}

} // namespace rblscope
