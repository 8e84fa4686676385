#include "engine/window.hpp"

#include <algorithm>
#include <cmath>

namespace rblscope {

void RttEstimator::add(double sample_ms) noexcept {
    if (!has_sample) {
        srtt_ms = sample_ms;
        rttvar_ms = sample_ms / 2;
        has_sample = true;
        return;
    }
    rttvar_ms = 0.75 * rttvar_ms + 0.25 * std::abs(srtt_ms - sample_ms);
    srtt_ms = 0.875 * srtt_ms + 0.125 * sample_ms;
}

std::chrono::milliseconds RttEstimator::rto(std::chrono::milliseconds floor,
                                            std::chrono::milliseconds fallback) const noexcept {
    if (!has_sample) {
        return fallback;
    }
    // At least 1.5 x srtt: a list answering after a steady delay has almost no variance, and
    // a timeout at srtt + 4 rttvar would then send copies (and read losses) on every query.
    const double ms =
        std::max({srtt_ms + 4 * rttvar_ms, 1.5 * srtt_ms, static_cast<double>(floor.count())});
    return std::chrono::milliseconds(static_cast<long>(ms));
}

std::chrono::milliseconds late_after(std::vector<std::chrono::milliseconds> zone_rtos,
                                     std::chrono::milliseconds fallback) {
    if (zone_rtos.empty()) {
        return fallback;
    }
    const auto decile = zone_rtos.begin() + static_cast<long>((zone_rtos.size() - 1) / 10);
    std::nth_element(zone_rtos.begin(), decile, zone_rtos.end());
    return *decile;
}

CongestionWindow::CongestionWindow(int ceiling, bool adaptive) noexcept
    : m_ceiling(std::max(ceiling, 1)), m_adaptive(adaptive),
      m_cwnd(adaptive ? std::min(k_initial, m_ceiling) : m_ceiling), m_ssthresh(m_ceiling) {}

std::uint64_t CongestionWindow::enter() noexcept {
    ++m_in_flight;
    return m_next_seq++;
}

void CongestionWindow::leave() noexcept {
    m_in_flight = std::max(m_in_flight - 1, 0);
}

void CongestionWindow::make_late() noexcept {
    leave();
    ++m_late;
}

void CongestionWindow::late_ended() noexcept {
    m_late = std::max(m_late - 1, 0);
}

void CongestionWindow::on_answer() noexcept {
    if (!m_adaptive) {
        return;
    }
    // Slow start doubles the window per round trip; after the first cut it grows by one
    // request per window.
    m_cwnd += m_cwnd < m_ssthresh ? 1.0 : 1.0 / m_cwnd;
    m_cwnd = std::min(m_cwnd, static_cast<double>(m_ceiling));
}

bool CongestionWindow::on_loss(std::uint64_t seq) noexcept {
    if (!m_adaptive || seq < m_recovered_from) {
        return false;
    }
    const double floor = std::min(k_floor, m_ceiling);
    m_cwnd = std::max(m_cwnd / 2, floor);
    m_ssthresh = m_cwnd;
    m_recovered_from = m_next_seq;
    ++m_cuts;
    return true;
}

void ZoneLiveness::on_sent() noexcept {
    ++m_in_flight;
}

void ZoneLiveness::on_answer(Clock::time_point now) noexcept {
    m_in_flight = std::max(m_in_flight - 1, 0);
    ++m_answers;
    m_last_answer = std::max(m_last_answer, now);
}

void ZoneLiveness::on_timeout() noexcept {
    m_in_flight = std::max(m_in_flight - 1, 0);
    ++m_timeouts;
}

void ZoneLiveness::on_ended() noexcept {
    m_in_flight = std::max(m_in_flight - 1, 0);
}

} // namespace rblscope
