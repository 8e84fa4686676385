#pragma once
// A report wrapper that turns a closed stdout into a stop request, as SIGINT would be
// (`rblscope check ... | head -1`).

#include "rblscope/report.hpp"

#include <cstdio>
#include <memory>

namespace rblscope {

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

} // namespace rblscope
