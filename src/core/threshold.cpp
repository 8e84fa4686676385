#include "rblscope/threshold.hpp"

#include "core/sanitize.hpp"

#include <charconv>
#include <cmath>
#include <fmt/format.h>

namespace rblscope {

namespace {

std::optional<double> number(std::string_view s) {
    if (s.empty()) {
        return std::nullopt;
    }
    double v = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc{} || end != s.data() + s.size() || !std::isfinite(v)) {
        return std::nullopt;
    }
    return v;
}

} // namespace

Result<ThresholdRange> ThresholdRange::parse(std::string_view text) {
    ThresholdRange r;
    r.m_text = std::string(text);
    const auto bad = [&](std::string_view why) {
        return Error{fmt::format("\"{}\" is not a threshold range: {} (e.g. 2, 5:, ~:3, 1:4, @1:4)",
                                 sanitize_text(text, 80),
                                 why),
                     "threshold"};
    };
    std::string_view s = text;
    if (s.starts_with('@')) {
        r.m_inside = true;
        s.remove_prefix(1);
    }
    if (s.empty()) {
        return bad("empty");
    }
    const auto colon = s.find(':');
    if (colon == std::string_view::npos) {
        const auto high = number(s);
        if (!high) {
            return bad("not a number");
        }
        r.m_low = 0.0;
        r.m_high = high;
    } else {
        const auto lo = s.substr(0, colon);
        const auto hi = s.substr(colon + 1);
        if (lo == "~") {
            r.m_low.reset();
        } else if (lo.empty()) {
            r.m_low = 0.0;
        } else if (auto v = number(lo)) {
            r.m_low = v;
        } else {
            return bad("the start is not a number or ~");
        }
        if (hi.empty()) {
            r.m_high.reset();
        } else if (auto v = number(hi)) {
            r.m_high = v;
        } else {
            return bad("the end is not a number");
        }
    }
    if (r.m_low && r.m_high && *r.m_low > *r.m_high) {
        return bad("the start is greater than the end");
    }
    return r;
}

bool ThresholdRange::alerts(double value) const noexcept {
    const bool inside = (!m_low || value >= *m_low) && (!m_high || value <= *m_high);
    return m_inside ? inside : !inside;
}

} // namespace rblscope
