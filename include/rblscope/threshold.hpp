#pragma once
/// \file threshold.hpp
/// \brief Monitoring Plugins threshold ranges (`-w` / `-c`).
///
/// Syntax (Monitoring Plugins Development Guidelines): `10` alerts outside 0..10,
/// `10:` alerts below 10, `~:10` alerts above 10, `10:20` alerts outside 10..20, and a
/// leading `@` inverts the range (`@10:20` alerts inside 10..20). Bounds are inclusive.

#include "rblscope/error.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace rblscope {

class ThresholdRange {
  public:
    /// Parses the range syntax; errors name the text and what was wrong.
    [[nodiscard]] static Result<ThresholdRange> parse(std::string_view text);

    /// True when `value` should raise the alert.
    [[nodiscard]] bool alerts(double value) const noexcept;

    /// The range as given (for perfdata).
    [[nodiscard]] const std::string& text() const noexcept { return m_text; }

  private:
    std::optional<double> m_low;  ///< nullopt: negative infinity (~)
    std::optional<double> m_high; ///< nullopt: positive infinity
    bool m_inside = false;        ///< '@': alert inside the range
    std::string m_text;
};

} // namespace rblscope
