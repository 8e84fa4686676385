#pragma once
// Progress of long runs on stderr, never on stdout: a redrawn bar with counts and rate when
// stderr is a terminal, a plain line every few seconds otherwise (logs, cron mail).

#include "rblscope/report.hpp"

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>

namespace rblscope {

class Progress {
  public:
    /// Shows nothing for runs of fewer than `min_total` items. `total` 0: not known (a
    /// stream); the count and rate are shown without a bar.
    Progress(std::FILE* err, std::string what, std::uint64_t total, std::uint64_t min_total = 32);
    void step();
    void finish();

    /// Nothing is drawn before the run has lasted `delay` (a quick run shows no bar).
    void set_delay(std::chrono::milliseconds delay) { m_delay = delay; }
    /// Draw even when stderr is not a terminal (a line every few seconds).
    void set_forced(bool forced) { m_forced = forced; }
    /// Whether it draws at all: on a terminal, or forced.
    [[nodiscard]] bool active() const noexcept { return m_enabled && (m_tty || m_forced); }
    /// Erases the bar from the terminal before other output; the next step redraws it.
    void clear();

  private:
    void draw(bool last);

    std::FILE* m_err;
    std::string m_what;
    std::uint64_t m_total;
    std::uint64_t m_done = 0;
    bool m_enabled;
    bool m_tty;
    bool m_drawn = false;
    bool m_on_screen = false; ///< a bar is on the terminal line now
    bool m_forced = false;
    std::chrono::milliseconds m_delay{0};
    std::chrono::steady_clock::time_point m_start;
    std::chrono::steady_clock::time_point m_last;
};

/// `check`'s report with the progress of its targets on stderr in between: after a second,
/// on a terminal (or with --progress); the bar is erased before each write, so the report
/// on stdout reads as without it.
class ProgressReport final : public Report {
  public:
    ProgressReport(std::unique_ptr<Report> inner, Progress progress)
        : m_inner(std::move(inner)), m_progress(std::move(progress)) {}
    void on_target(const TargetReport& report) override;
    void on_input_error(const Error& error) override;
    void on_warning(const std::string& message) override;
    void finish(const RunSummary& summary) override;

  private:
    std::unique_ptr<Report> m_inner;
    Progress m_progress;
};

} // namespace rblscope
