#pragma once
// Questions asked on behalf of pure evaluators (SPF, PTR, DMARC, DKIM): each question is
// asked once however many checks wait for it, and goes out through the engine's requests
// (engine/dns_requests.hpp), so vet, check and explain --check time out, send copies and
// report a lost answer the same way: one --query-timeout budget per question with --retries
// copies inside it, and the resolver's congestion window (--concurrency its ceiling).

#include "engine/dns_requests.hpp"
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
    DnsLookups(EventLoop& loop, DnsChannel& channel, const SpfDnsOptions& options);
    DnsLookups(const DnsLookups&) = delete;
    DnsLookups& operator=(const DnsLookups&) = delete;
    DnsLookups(DnsLookups&&) = delete;
    DnsLookups& operator=(DnsLookups&&) = delete;
    ~DnsLookups() override = default;

    /// Calls `then` once `q` is answered (at once when it already is).
    void ask(const DnsQuestion& q, Waiter then);
    [[nodiscard]] const DnsAnswer* find(std::string_view name, DnsType type) const override;
    [[nodiscard]] bool busy() const noexcept {
        return !m_stopped && (!m_requests.empty() || !m_queue.empty());
    }
    /// Answers every open question, and every later one, as a DNS error: the run was told
    /// to stop. Waiters run now, so evaluators finish with honest "DNS error" results.
    void stop();
    [[nodiscard]] bool stopped() const noexcept { return m_stopped; }
    /// Copies sent, retransmissions included.
    [[nodiscard]] std::uint64_t queries() const noexcept { return m_requests.queries(); }

  private:
    void fill();
    void on_ended(engine::DnsRequests::Ended&& ended);
    void answer(const std::string& key, DnsAnswer a);

    EventLoop& m_loop;
    EngineOptions m_options; ///< the budget and copies DnsRequests reads
    engine::Destination m_dest;
    engine::DnsRequests m_requests;
    bool m_stopped = false;
    bool m_late_timer = false;
    std::vector<DnsQuestion> m_asked; ///< by Job::index
    std::map<std::string, DnsAnswer, std::less<>> m_answers;
    std::map<std::string, std::vector<Waiter>> m_waiting;
    std::deque<std::size_t> m_queue; ///< indexes into m_asked not sent yet
};

/// A private event loop with one c-ares channel and its DnsLookups, for the checks that
/// run outside the engine's Run (SPF, vet, resolving host names).
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

/// Question key: "TYPE/name".
[[nodiscard]] std::string dns_key(std::string_view name, DnsType type);

} // namespace rblscope
