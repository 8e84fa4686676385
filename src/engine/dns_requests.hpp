#pragma once
// Lookups in flight on the DNS channels. One Request per job: its budget (--timeout), its
// copies inside that budget (hedging, timed by the zone's round-trip times), its slot in the
// destination's window (given back when it turns late), the window's loss signal, and a
// new budget for a question whose zone demonstrably answers others.

#include "engine/lookups.hpp"
#include "net/dns_channel.hpp"
#include "net/event_loop.hpp"
#include "rblscope/engine.hpp"

#include <functional>
#include <optional>
#include <random>
#include <string>
#include <unordered_map>

namespace rblscope::engine {

/// Where one job's query goes: channel, name and type.
struct Query {
    DnsChannel* channel = nullptr;
    std::string name;
    DnsChannel::Type type = DnsChannel::Type::a;
};

class DnsRequests {
  public:
    /// Budgets a question gets at most while its zone answers other questions.
    static constexpr int k_max_rounds = 3;
    /// Retransmission bounds: before any round trip was measured, and the floor after.
    static constexpr std::chrono::milliseconds k_first_retransmit{250};
    static constexpr std::chrono::milliseconds k_min_retransmit{20};

    struct Ended {
        Job job;
        Query query;
        DnsReply reply;
        Ending ending = Ending::replied;
        Clock::time_point started; ///< when the first copy of the first round went out
        int sent = 0;              ///< copies sent, every round
    };
    using Done = std::function<void(Ended&&)>;

    /// `run_end`: when the run's deadline passes (none: no deadline); no new budget starts
    /// that could not end before it.
    DnsRequests(EventLoop& loop,
                const EngineOptions& options,
                std::optional<Clock::time_point> run_end,
                Done done);
    DnsRequests(const DnsRequests&) = delete;
    DnsRequests& operator=(const DnsRequests&) = delete;
    ~DnsRequests() = default;
    DnsRequests(DnsRequests&&) = delete;
    DnsRequests& operator=(DnsRequests&&) = delete;

    /// Sends `job`'s question with its planned copies; it holds a slot of `dest`'s window
    /// until it is answered or turns late. `zone` is null for host-name resolution.
    void send(const Job& job, Query query, Destination& dest, ZoneState* zone);
    /// Gives back the slots of `dest`'s requests that are out longer than its late_after.
    void sweep_late(Destination& dest, Clock::time_point now);
    /// Ends every open request as cut (the run's deadline passed, or a stop).
    void cut_all();
    [[nodiscard]] bool empty() const noexcept { return m_requests.empty(); }
    [[nodiscard]] std::uint64_t queries() const noexcept { return m_queries; }
    /// Round-trip times of host-name questions (sent with no zone).
    [[nodiscard]] const RttEstimator& resolver_rtt() const noexcept { return m_resolver_rtt; }

  private:
    struct Request {
        Job job;
        Query query;
        Destination* dest = nullptr;
        ZoneState* zone = nullptr;
        RttEstimator* rtt = nullptr;
        Clock::time_point started;
        std::uint64_t seq = 0; ///< in the destination's window
        bool late = false;
        int sent = 0;
        int planned = 1;                           ///< copies that will be sent if no answer comes
        std::vector<Clock::time_point> planned_at; ///< when the --retries copies go out
        Clock::time_point last_sent;
        int outstanding = 0;
        std::optional<DnsReply> fallback; ///< a failure worth reporting if nothing better comes
        std::vector<EventLoop::TimerId> timers;
    };
    using Iterator = std::unordered_map<std::uint64_t, Request>::iterator;

    [[nodiscard]] std::chrono::milliseconds retransmit_after(const RttEstimator& rtt) const;
    void transmit(std::uint64_t id);
    void on_reply(std::uint64_t id, DnsReply&& reply);
    void on_budget_spent(std::uint64_t id);
    [[nodiscard]] bool worth_another_round(const Request& rq) const;
    void release(Request& rq);
    void settle(Iterator it, DnsReply reply, Ending ending);

    EventLoop& m_loop;
    const EngineOptions& m_options;
    std::optional<Clock::time_point> m_run_end;
    Done m_done;
    std::unordered_map<std::uint64_t, Request> m_requests;
    std::uint64_t m_next_id = 0;
    std::uint64_t m_queries = 0; ///< copies sent
    RttEstimator m_resolver_rtt; ///< host-name resolution
    std::minstd_rand m_rng{std::random_device{}()};
    std::uniform_real_distribution<double> m_jitter{0.75, 1.25};
};

} // namespace rblscope::engine
