#pragma once
// SIGINT / SIGTERM as a stop request the event loop can watch, and a report wrapper that
// turns a closed stdout into the same request (`rblscope check ... | head -1`).

#include "rblscope/report.hpp"

#include <memory>

namespace rblscope::cli {

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

/// Forwards to `inner` until writing to `out` fails (EPIPE: the reader went away); from
/// then on it drops output and requests a stop. Exceptions from a failed write never reach
/// the engine's loop.
class GuardedReport final : public Report {
  public:
    GuardedReport(std::unique_ptr<Report> inner, std::FILE* out)
        : m_inner(std::move(inner)), m_out(out) {}

    void on_target(const TargetReport& report) override;
    void on_input_error(const Error& error) override;
    void on_warning(const std::string& message) override;
    void finish(const RunSummary& summary) override;

    /// True once output could not be written.
    [[nodiscard]] bool broken() const noexcept { return m_broken; }

  private:
    template <typename F> void guarded(F&& write);

    std::unique_ptr<Report> m_inner;
    std::FILE* m_out;
    bool m_broken = false;
};

} // namespace rblscope::cli
