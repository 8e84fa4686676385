#pragma once
// Questions asked through a DnsChannel on behalf of pure evaluators (SPF, PTR, DMARC, DKIM):
// each question is asked once however many checks wait for it, timeouts are retried, and
// at most `concurrency` queries are in flight.

#include "net/dns_channel.hpp"
#include "net/event_loop.hpp"
#include "rblscope/spf.hpp"

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace rblscope {

class DnsLookups final : public DnsView {
  public:
    using Waiter = std::function<void()>;
    DnsLookups(DnsChannel& channel, int retries, int concurrency);

    /// Calls `then` once `q` is answered (at once when it already is).
    void ask(const DnsQuestion& q, Waiter then);
    [[nodiscard]] const DnsAnswer* find(std::string_view name, DnsType type) const override;
    [[nodiscard]] bool busy() const noexcept {
        return !m_stopped && (m_in_flight > 0 || !m_queue.empty());
    }
    /// Answers every open question, and every later one, as a DNS error: the run was told
    /// to stop. Waiters run now, so evaluators finish with honest "DNS error" results.
    void stop();
    [[nodiscard]] bool stopped() const noexcept { return m_stopped; }
    [[nodiscard]] std::size_t queries() const noexcept { return m_queries; }

  private:
    void fill();
    void send(const DnsQuestion& q, int attempt);
    void on_reply(const DnsQuestion& q, int attempt, DnsReply&& reply);

    DnsChannel& m_channel;
    int m_retries;
    int m_concurrency;
    int m_in_flight = 0;
    std::size_t m_queries = 0;
    bool m_stopped = false;
    std::map<std::string, DnsAnswer, std::less<>> m_answers;
    std::map<std::string, std::vector<Waiter>> m_waiting;
    std::deque<DnsQuestion> m_queue;
};

/// A private event loop with one c-ares channel and its DnsLookups, for the checks that
/// run outside the engine (SPF, vet, resolving host names).
class DnsSession {
  public:
    [[nodiscard]] static Result<std::unique_ptr<DnsSession>> open(const SpfDnsOptions& options);
    [[nodiscard]] DnsLookups& lookups() noexcept { return *m_lookups; }
    /// Turns the loop until `busy()` is false (waiters run inside, from the loop), or until
    /// the options' stop fd is readable (then every open question ends as a DNS error).
    void run_while(const std::function<bool()>& busy);

  private:
    DnsSession() = default;
    int m_stop_fd = -1;
    EventLoop m_loop;
    std::unique_ptr<DnsChannel> m_channel;
    std::unique_ptr<DnsLookups> m_lookups;
};

/// How long one copy of a query waits: the whole budget shared by the first send and its
/// retries, so a lost packet costs a fraction of --query-timeout, not all of it.
[[nodiscard]] std::chrono::milliseconds attempt_timeout(const SpfDnsOptions& options);

/// Question key: "TYPE/name".
[[nodiscard]] std::string dns_key(std::string_view name, DnsType type);

} // namespace rblscope
