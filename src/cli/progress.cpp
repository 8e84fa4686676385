#include "cli/progress.hpp"

#include <fmt/format.h>
#include <unistd.h>

namespace rblscope::cli {

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
    if (!m_enabled) {
        return;
    }
    const auto now = std::chrono::steady_clock::now();
    if (now - m_last >=
        (m_tty ? std::chrono::duration_cast<std::chrono::milliseconds>(k_tty_interval)
               : std::chrono::duration_cast<std::chrono::milliseconds>(k_line_interval))) {
        m_last = now;
        draw(false);
    }
}

void Progress::finish() {
    if (m_enabled && (m_tty || m_drawn)) {
        draw(true);
    }
}

void Progress::draw(bool last) {
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - m_start).count();
    const double rate = secs > 0 ? static_cast<double>(m_done) / secs : 0;
    if (m_tty) {
        const auto filled =
            m_total == 0 ? k_bar_width : static_cast<int>(m_done * k_bar_width / m_total);
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
                   "rblscope: {}: {} of {} ({:.1f}/s){}\n",
                   m_what,
                   m_done,
                   m_total,
                   rate,
                   last ? ", done" : "");
    }
    std::fflush(m_err);
    m_drawn = true;
}

} // namespace rblscope::cli
