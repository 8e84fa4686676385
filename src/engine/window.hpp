#pragma once
// How much the Run may ask at once, and of whom: the in-flight window of one destination
// (congestion control), round-trip times, and whether a zone answers at all. Pure: no I/O,
// no clock of their own (times are passed in); unit-tested without processes.

#include <chrono>
#include <cstdint>
#include <vector>

namespace rblscope {

/// Smoothed round-trip time of one zone or destination (RFC 6298), for retransmission timing.
struct RttEstimator {
    double srtt_ms = 0;
    double rttvar_ms = 0;
    bool has_sample = false;

    void add(double sample_ms) noexcept;
    /// RFC 6298's retransmission timeout, srtt + 4 rttvar, at least 1.5 srtt and `floor`
    /// (`fallback` before any sample).
    [[nodiscard]] std::chrono::milliseconds rto(std::chrono::milliseconds floor,
                                                std::chrono::milliseconds fallback) const noexcept;
};

/// When a destination's requests turn late (see CongestionWindow): the lower decile of its
/// zones' RTOs, i.e. how long the server takes when it can answer at once. Lists that keep a
/// resolver waiting upstream (half of them may be slow through a cold cache) do not set it;
/// `fallback` before any zone has a round-trip time.
[[nodiscard]] std::chrono::milliseconds late_after(std::vector<std::chrono::milliseconds> zone_rtos,
                                                   std::chrono::milliseconds fallback);

/// The in-flight window of one destination (a resolver, or a zone's own server): additive
/// increase, multiplicative decrease, in the spirit of TCP. It starts small, doubles per round
/// trip while answers come back (slow start), then grows by one per window; a loss from a zone
/// that is otherwise answering halves it, once per window of requests (requests sent before
/// the cut cannot cut again). `--concurrency` is the ceiling.
///
/// A request that has been out longer than the destination's usual answer time is *late*: it
/// no longer occupies the server (it was lost, or a slow list keeps the resolver waiting
/// upstream), so it gives its slot back. (Each zone's own requests are capped at the ceiling
/// by the Run, so slow lists cannot pile up without bound either.)
class CongestionWindow {
  public:
    /// `adaptive` false: a fixed window of `ceiling` (the HTTP sources, which pace themselves).
    explicit CongestionWindow(int ceiling, bool adaptive = true) noexcept;

    static constexpr int k_initial = 32; ///< the first window, before any answer
    static constexpr int k_floor = 4;    ///< never smaller than this (or the ceiling)

    [[nodiscard]] bool has_room() const noexcept { return m_in_flight < limit(); }
    [[nodiscard]] int limit() const noexcept { return static_cast<int>(m_cwnd); }
    [[nodiscard]] int in_flight() const noexcept { return m_in_flight; }
    [[nodiscard]] int late() const noexcept { return m_late; }
    [[nodiscard]] int ceiling() const noexcept { return m_ceiling; }
    /// How often the window was halved.
    [[nodiscard]] int cuts() const noexcept { return m_cuts; }

    /// A request takes a slot. Returns its sequence number, for on_loss().
    std::uint64_t enter() noexcept;
    /// A request that held its slot ended.
    void leave() noexcept;
    /// A request turned late: its slot is free, it counts as late until it ends.
    void make_late() noexcept;
    /// A late request ended.
    void late_ended() noexcept;
    /// An answer came back: the window grows.
    void on_answer() noexcept;
    /// Request `seq` had to be sent again although its zone answers: the window halves,
    /// unless it was already cut after `seq` was sent. True when it was cut.
    bool on_loss(std::uint64_t seq) noexcept;

  private:
    int m_ceiling;
    bool m_adaptive;
    double m_cwnd;
    double m_ssthresh;
    int m_in_flight = 0;
    int m_late = 0;
    int m_cuts = 0;
    std::uint64_t m_next_seq = 0;
    std::uint64_t m_recovered_from = 0; ///< losses of requests sent before this do not cut
};

/// Whether a zone answers at all in this run, and how many of its requests are out. Until
/// its first answer a zone has only a few requests in flight (its probes: the test points and
/// the first lookups); when enough of them have timed out without any answer, the zone is dead
/// for the run and its other lookups end at once instead of costing a full timeout each. After
/// that it may have up to the window's ceiling out, late ones included.
class ZoneLiveness {
  public:
    using Clock = std::chrono::steady_clock;
    static constexpr int k_probes = 6;     ///< requests in flight before the first answer
    static constexpr int k_dead_after = 3; ///< timeouts without any answer

    void on_sent() noexcept;
    /// Any reply from the zone (an answer, NXDOMAIN, SERVFAIL ...).
    void on_answer(Clock::time_point now) noexcept;
    /// A request's whole budget passed without a reply.
    void on_timeout() noexcept;
    /// A request ended otherwise (cut by the run's deadline, refused connection, asked again).
    void on_ended() noexcept;

    /// Whether one more request may go out: `ceiling` once the zone answers, k_probes before.
    [[nodiscard]] bool may_send(int ceiling) const noexcept {
        return m_in_flight < (m_answers > 0 ? ceiling : k_probes);
    }
    [[nodiscard]] bool answering() const noexcept { return m_answers > 0; }
    [[nodiscard]] bool dead() const noexcept {
        return m_answers == 0 && m_timeouts >= k_dead_after;
    }
    /// The zone answered some request at or after `t`: it is alive and reachable now.
    [[nodiscard]] bool answered_since(Clock::time_point t) const noexcept {
        return m_answers > 0 && m_last_answer >= t;
    }
    [[nodiscard]] int timeouts() const noexcept { return m_timeouts; }
    [[nodiscard]] int in_flight() const noexcept { return m_in_flight; }

  private:
    int m_in_flight = 0;
    int m_timeouts = 0;
    std::uint64_t m_answers = 0;
    Clock::time_point m_last_answer{};
};

} // namespace rblscope
