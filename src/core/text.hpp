#pragma once
// Small text helpers shared by the parsers (ASCII only: DNS names, tags, header names).

#include <cstddef>
#include <string>
#include <string_view>

namespace rblscope {

/// ASCII lowercase (bytes outside A-Z are kept as they are).
[[nodiscard]] std::string ascii_lower(std::string_view s);
/// ASCII uppercase (bytes outside a-z are kept as they are).
[[nodiscard]] std::string ascii_upper(std::string_view s);

/// Without leading and trailing spaces, tabs, CR and LF.
[[nodiscard]] std::string_view trim_blanks(std::string_view s);

/// "1 zone", "2 zones"; `many` for plurals not made with an "s" ("1 address", "2 addresses").
[[nodiscard]] std::string counted(std::size_t n, std::string_view one, std::string_view many = {});

/// A ratio as a percentage with at most two decimals: 0.003 -> "0.3 %", 0.998 -> "99.8 %",
/// 1 -> "100 %".
[[nodiscard]] std::string percent_text(double ratio);

/// Base64 (RFC 4648) with line breaks and other non-alphabet bytes skipped; what decodes
/// before an error is kept.
[[nodiscard]] std::string base64_decode(std::string_view in);

} // namespace rblscope
