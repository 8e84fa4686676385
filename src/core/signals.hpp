#pragma once
// SIGINT / SIGTERM as a stop request the event loop can watch (EngineOptions::stop_fd), and
// SIGHUP as serve's reload request. The front end installs them; library code only reads
// stop_fd() / stop_signal() or asks to stop (report/guarded_report.hpp, when stdout is gone).

namespace rblscope {

/// Installs the handlers for the lifetime of the object (one at a time). SIGPIPE is
/// ignored, so a peer closing a socket or pipe is an error value, never a silent death.
/// A second SIGINT/SIGTERM has the default effect (the handler resets itself).
class StopSignals {
  public:
    StopSignals();
    ~StopSignals();
    StopSignals(const StopSignals&) = delete;
    StopSignals& operator=(const StopSignals&) = delete;
};

/// SIGHUP as a reload request (`rblscope serve`): readable after each SIGHUP; the reader
/// drains it (non-blocking).
class ReloadSignal {
  public:
    ReloadSignal();
    ~ReloadSignal();
    ReloadSignal(const ReloadSignal&) = delete;
    ReloadSignal& operator=(const ReloadSignal&) = delete;
    [[nodiscard]] int fd() const noexcept;
};

/// Readable once a stop was requested; -1 when no StopSignals is installed.
[[nodiscard]] int stop_fd() noexcept;
/// The signal that asked to stop, or 0.
[[nodiscard]] int stop_signal() noexcept;
/// Asks the running work to stop (as a signal would, but with no signal to name).
void request_stop() noexcept;
/// "SIGINT", "SIGTERM".
[[nodiscard]] const char* signal_name(int signal) noexcept;

} // namespace rblscope
