#pragma once
// Internationalised domain names (libidn2, UTS #46 non-transitional): "bücher.example" ->
// "xn--bcher-kva.example", as DNS asks for it.

#include "rblscope/error.hpp"

#include <string>
#include <string_view>

namespace rblscope {

/// True when `name` holds a byte outside ASCII (a U-label somewhere).
[[nodiscard]] bool has_non_ascii(std::string_view name) noexcept;

/// The A-label form of a domain name given in UTF-8 (mapped and checked by UTS #46:
/// lowercased, NFC). The error says why a name cannot be one ("string contains a
/// disallowed character").
[[nodiscard]] Result<std::string> domain_to_ascii(std::string_view name);

} // namespace rblscope
