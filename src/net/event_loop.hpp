#pragma once
// The one place that waits: epoll for sockets, an ordered map for timers. Library adapters
// (c-ares now, libcurl next) register their sockets and timers here as guests.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <unordered_map>

namespace rblscope {

class EventLoop {
  public:
    using Clock = std::chrono::steady_clock;
    using FdCallback = std::function<void(int fd, bool readable, bool writable)>;
    using TimerId = std::pair<Clock::time_point, std::uint64_t>;

    EventLoop();
    ~EventLoop();
    EventLoop(const EventLoop&) = delete;
    EventLoop& operator=(const EventLoop&) = delete;

    /// Watches `fd` for the given interest (replacing any earlier interest and callback).
    /// Returns false when epoll refuses the descriptor.
    bool watch(int fd, bool read, bool write, FdCallback callback);
    void unwatch(int fd);

    /// Calls `callback` once at `when`. The id cancels it.
    TimerId add_timer(Clock::time_point when, std::function<void()> callback);
    void cancel_timer(const TimerId& id);

    /// Waits for the next socket event or timer (at most `max_wait`) and dispatches what is
    /// ready. Callbacks run here, never from inside a library call.
    void run_once(std::chrono::milliseconds max_wait);

    [[nodiscard]] bool idle() const noexcept { return m_fds.empty() && m_timers.empty(); }

    /// The epoll descriptor: readable while a watched socket is ready. Lets this loop be a
    /// guest of another one (an exporter watches each run's loop) that calls run_once(0).
    [[nodiscard]] int fd() const noexcept { return m_epoll; }
    /// When the earliest timer is due, if any.
    [[nodiscard]] std::optional<Clock::time_point> next_timer() const {
        if (m_timers.empty()) {
            return std::nullopt;
        }
        return m_timers.begin()->first.first;
    }

  private:
    int m_epoll = -1;
    std::unordered_map<int, FdCallback> m_fds;
    std::map<TimerId, std::function<void()>> m_timers;
    std::uint64_t m_next_timer = 0;
};

} // namespace rblscope
