#include "report/progress.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <unistd.h>

namespace rblscope {

namespace {
constexpr auto k_tty_interval = std::chrono::milliseconds(100);
constexpr auto k_line_interval = std::chrono::seconds(5);
constexpr int k_bar_width = 30;
} // namespace

Progress::Progress(std::FILE* err, std::string what, std::uint64_t total, std::uint64_t min_total)
    : m_err(err), m_what(std::move(what)), m_total(total), m_enabled(total >= min_total),
      m_tty(isatty(fileno(err)) != 0), m_start(std::chrono::steady_clock::now()), m_last(m_start) {}

void Progress::step() {
    ++m_done;
    if (!m_enabled || (!m_tty && !m_forced && m_delay.count() > 0)) {
        return;
    }
    const auto now = std::chrono::steady_clock::now();
    if (now - m_start < m_delay) {
        return;
    }
    if ((m_tty && !m_on_screen) ||
        now - m_last >=
            (m_tty ? std::chrono::duration_cast<std::chrono::milliseconds>(k_tty_interval)
                   : std::chrono::duration_cast<std::chrono::milliseconds>(k_line_interval))) {
        m_last = now;
        draw(false);
    }
}

void Progress::finish() {
    if (m_delay.count() > 0) {
        clear(); // a delayed bar goes away: the report's own summary follows
        return;
    }
    if (m_enabled && (m_tty || m_drawn)) {
        draw(true);
    }
}

void Progress::clear() {
    if (m_on_screen) {
        fmt::print(m_err, "\r\x1b[K");
        std::fflush(m_err);
        m_on_screen = false;
    }
}

void Progress::draw(bool last) {
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - m_start).count();
    const double rate = secs > 0 ? static_cast<double>(m_done) / secs : 0;
    if (m_tty && m_total == 0) {
        fmt::print(m_err, "\r{} {}  {:.1f}/s{}", m_what, m_done, rate, last ? "\n" : "");
        m_on_screen = !last;
    } else if (m_tty) {
        const auto filled = static_cast<int>(std::min(m_done, m_total) * k_bar_width / m_total);
        m_on_screen = !last;
        fmt::print(m_err,
                   "\r{} [{}{}] {}/{}  {:.1f}/s{}",
                   m_what,
                   std::string(filled, '#'),
                   std::string(k_bar_width - filled, '.'),
                   m_done,
                   m_total,
                   rate,
                   last ? "\n" : "");
    } else {
        fmt::print(m_err,
                   "rblscope: {}: {} ({:.1f}/s){}\n",
                   m_what,
                   m_total == 0 ? fmt::format("{} so far", m_done)
                                : fmt::format("{} of {}", m_done, m_total),
                   rate,
                   last ? ", done" : "");
    }
    std::fflush(m_err);
    m_drawn = true;
}

void ProgressReport::on_target(const TargetReport& report) {
    m_progress.clear();
    m_inner->on_target(report);
    m_progress.step();
}

void ProgressReport::on_input_error(const Error& error) {
    m_progress.clear();
    m_inner->on_input_error(error);
}

void ProgressReport::on_warning(const std::string& message) {
    m_progress.clear();
    m_inner->on_warning(message);
}

void ProgressReport::finish(const RunSummary& summary) {
    m_progress.finish();
    m_inner->finish(summary);
}

} // namespace rblscope
