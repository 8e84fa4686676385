#pragma once
// Progress of long runs on stderr, never on stdout: a redrawn bar with counts and rate when
// stderr is a terminal, a plain line every few seconds otherwise (logs, cron mail).

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace rblscope::cli {

class Progress {
  public:
    /// Shows nothing for runs of fewer than `min_total` items.
    Progress(std::FILE* err, std::string what, std::uint64_t total, std::uint64_t min_total = 32);
    void step();
    void finish();

  private:
    void draw(bool last);

    std::FILE* m_err;
    std::string m_what;
    std::uint64_t m_total;
    std::uint64_t m_done = 0;
    bool m_enabled;
    bool m_tty;
    bool m_drawn = false;
    std::chrono::steady_clock::time_point m_start;
    std::chrono::steady_clock::time_point m_last;
};

} // namespace rblscope::cli
