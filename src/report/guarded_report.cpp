#include "report/guarded_report.hpp"

#include "core/signals.hpp"

#include <system_error>

namespace rblscope {

template <typename F> void GuardedReport::guarded(F&& write) {
    if (m_broken) {
        return;
    }
    try {
        write();
    } catch (const std::system_error&) {
        m_broken = true; // fmt's "cannot write to file"
    }
    if (!m_broken && std::ferror(m_out) != 0) {
        m_broken = true;
    }
    if (m_broken) {
        request_stop();
    }
}

void GuardedReport::on_target(const TargetReport& report) {
    guarded([&] { m_inner->on_target(report); });
}

void GuardedReport::on_input_error(const Error& error) {
    guarded([&] { m_inner->on_input_error(error); });
}

void GuardedReport::on_warning(const std::string& message) {
    guarded([&] { m_inner->on_warning(message); });
}

void GuardedReport::finish(const RunSummary& summary) {
    guarded([&] { m_inner->finish(summary); });
}

} // namespace rblscope
