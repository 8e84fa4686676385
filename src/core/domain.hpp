#pragma once
// Registered domains from the Public Suffix List (libpsl).

#include <string>
#include <string_view>

namespace rblscope {

/// The registrable domain of `hostname` ("mail.example.co.uk" -> "example.co.uk"), or the
/// name itself when the Public Suffix List has no answer.
[[nodiscard]] std::string registered_domain(std::string_view hostname);

} // namespace rblscope
