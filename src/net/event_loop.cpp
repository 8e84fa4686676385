#include "net/event_loop.hpp"

#include <array>
#include <cerrno>
#include <stdexcept>
#include <sys/epoll.h>
#include <unistd.h>
#include <vector>

namespace rblscope {

EventLoop::EventLoop() : m_epoll(epoll_create1(EPOLL_CLOEXEC)) {
    if (m_epoll < 0) {
        throw std::runtime_error("epoll_create1 failed");
    }
}

EventLoop::~EventLoop() {
    if (m_epoll >= 0) {
        close(m_epoll);
    }
}

bool EventLoop::watch(int fd, bool read, bool write, FdCallback callback) {
    epoll_event ev{};
    ev.events = (read ? EPOLLIN : 0u) | (write ? EPOLLOUT : 0u);
    ev.data.fd = fd;
    const bool known = m_fds.contains(fd);
    if (epoll_ctl(m_epoll, known ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd, &ev) != 0) {
        return false;
    }
    m_fds[fd] = std::move(callback);
    return true;
}

void EventLoop::unwatch(int fd) {
    if (m_fds.erase(fd) != 0) {
        epoll_ctl(m_epoll, EPOLL_CTL_DEL, fd, nullptr);
    }
}

EventLoop::TimerId EventLoop::add_timer(Clock::time_point when, std::function<void()> callback) {
    TimerId id{when, m_next_timer++};
    m_timers.emplace(id, std::move(callback));
    return id;
}

void EventLoop::cancel_timer(const TimerId& id) {
    m_timers.erase(id);
}

void EventLoop::run_once(std::chrono::milliseconds max_wait) {
    auto wait = max_wait;
    const auto now = Clock::now();
    if (!m_timers.empty()) {
        const auto until =
            std::chrono::ceil<std::chrono::milliseconds>(m_timers.begin()->first.first - now);
        wait = std::clamp(until, std::chrono::milliseconds(0), max_wait);
    }
    std::array<epoll_event, 256> events{};
    const int n = epoll_wait(
        m_epoll, events.data(), static_cast<int>(events.size()), static_cast<int>(wait.count()));
    for (int i = 0; i < n; ++i) {
        const auto& ev = events[static_cast<std::size_t>(i)];
        const int fd = ev.data.fd;
        const auto it = m_fds.find(fd);
        if (it == m_fds.end()) {
            continue; // unwatched by an earlier callback in this batch
        }
        // Errors and hang-ups are reported as readable so the owner reads and sees them.
        const bool readable = (ev.events & (EPOLLIN | EPOLLERR | EPOLLHUP)) != 0;
        const bool writable = (ev.events & EPOLLOUT) != 0;
        auto callback = it->second; // the callback may unwatch fd
        callback(fd, readable, writable);
    }
    // Fire due timers. A callback may add timers; those due now run on the next turn.
    const auto fire_until = Clock::now();
    std::vector<std::function<void()>> due;
    while (!m_timers.empty() && m_timers.begin()->first.first <= fire_until) {
        due.push_back(std::move(m_timers.begin()->second));
        m_timers.erase(m_timers.begin());
    }
    for (auto& cb : due) {
        cb();
    }
}

} // namespace rblscope
