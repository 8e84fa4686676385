#pragma once
// SPF checks as guests of an event loop: each check is re-run whenever an answer it waited
// for arrives; questions are shared between checks and asked once.

#include "net/dns_channel.hpp"
#include "rblscope/spf.hpp"

#include <deque>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace rblscope {

class SpfRunner final : public DnsView {
  public:
    using Done = std::function<void(std::size_t index, SpfOutcome&&)>;
    SpfRunner(DnsChannel& channel, int retries, int concurrency);

    /// Starts check `index`; `done` runs once it has a result (possibly inside this call).
    void add(std::size_t index, SpfQuery query, Done done);
    [[nodiscard]] bool busy() const noexcept { return m_open > 0; }

    [[nodiscard]] const DnsAnswer* find(std::string_view name, DnsType type) const override;

  private:
    struct Check {
        std::size_t index = 0;
        SpfQuery query;
        Done done;
    };
    void advance(std::size_t check);
    void fill();
    void ask(const DnsQuestion& q, int attempt);
    void on_reply(const DnsQuestion& q, int attempt, DnsReply&& reply);

    DnsChannel& m_channel;
    int m_retries;
    int m_concurrency;
    int m_in_flight = 0;
    std::size_t m_open = 0;
    std::vector<Check> m_checks;
    std::map<std::string, DnsAnswer, std::less<>> m_answers;
    std::map<std::string, std::vector<std::size_t>> m_waiting; ///< question -> checks
    std::deque<DnsQuestion> m_queue;                           ///< asked when a slot frees
};

} // namespace rblscope
