#include "core/signals.hpp"

#include <cerrno>
#include <csignal>
#include <fcntl.h>
#include <unistd.h>

namespace rblscope {

namespace {

int g_pipe[2] = {-1, -1};
volatile std::sig_atomic_t g_signal = 0;
struct sigaction g_old_int {
}, g_old_term{}, g_old_pipe{};

void wake() noexcept {
    if (g_pipe[1] >= 0) {
        const char byte = 1;
        // The pipe is non-blocking: when it is full, a wake-up is pending anyway.
        [[maybe_unused]] const auto n = ::write(g_pipe[1], &byte, 1);
    }
}

extern "C" void on_stop_signal(int signal) {
    const int saved = errno;
    g_signal = signal;
    wake();
    errno = saved;
}

int g_reload_pipe[2] = {-1, -1};
struct sigaction g_old_hup {};

extern "C" void on_reload_signal(int /*signal*/) {
    const int saved = errno;
    if (g_reload_pipe[1] >= 0) {
        const char byte = 1;
        [[maybe_unused]] const auto n = ::write(g_reload_pipe[1], &byte, 1);
    }
    errno = saved;
}

} // namespace

ReloadSignal::ReloadSignal() {
    if (::pipe2(g_reload_pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
        g_reload_pipe[0] = g_reload_pipe[1] = -1;
        return;
    }
    struct sigaction sa {};
    sa.sa_handler = on_reload_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGHUP, &sa, &g_old_hup);
}

ReloadSignal::~ReloadSignal() {
    sigaction(SIGHUP, &g_old_hup, nullptr);
    for (int& fd : g_reload_pipe) {
        if (fd >= 0) {
            ::close(fd);
            fd = -1;
        }
    }
}

int ReloadSignal::fd() const noexcept {
    return g_reload_pipe[0];
}

StopSignals::StopSignals() {
    if (::pipe2(g_pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
        g_pipe[0] = g_pipe[1] = -1;
    }
    struct sigaction sa {};
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    // No SA_RESTART: a blocking read of --input returns (EINTR) instead of waiting for more
    // input. SA_RESETHAND: a second Ctrl-C ends the process at once.
    sa.sa_flags = SA_RESETHAND;
    sigaction(SIGINT, &sa, &g_old_int);
    sigaction(SIGTERM, &sa, &g_old_term);
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    sigemptyset(&ignore.sa_mask);
    sigaction(SIGPIPE, &ignore, &g_old_pipe);
}

StopSignals::~StopSignals() {
    sigaction(SIGINT, &g_old_int, nullptr);
    sigaction(SIGTERM, &g_old_term, nullptr);
    sigaction(SIGPIPE, &g_old_pipe, nullptr);
    for (int& fd : g_pipe) {
        if (fd >= 0) {
            ::close(fd);
            fd = -1;
        }
    }
}

int stop_fd() noexcept {
    return g_pipe[0];
}

int stop_signal() noexcept {
    return g_signal;
}

void request_stop() noexcept {
    wake();
}

const char* signal_name(int signal) noexcept {
    switch (signal) {
    case SIGINT:
        return "SIGINT";
    case SIGTERM:
        return "SIGTERM";
    default:
        return "a signal";
    }
}

} // namespace rblscope
