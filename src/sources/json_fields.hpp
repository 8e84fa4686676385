#pragma once
// Optional members of JSON from the network. nlohmann's value() throws when a member has
// another type than the default; a body is never trusted, so here a member of the wrong
// type counts as missing.

#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>

namespace rblscope::source {

inline std::string string_or(const nlohmann::json& object, const char* key, std::string fallback) {
    const auto it = object.find(key);
    return it != object.end() && it->is_string() ? it->get<std::string>() : std::move(fallback);
}

/// Integers and floats (truncated); anything else, or a number no `long` can hold (a
/// float of 1e45 would be undefined behaviour to convert), is `fallback`.
inline long number_or(const nlohmann::json& object, const char* key, long fallback) {
    const auto it = object.find(key);
    if (it == object.end() || !it->is_number()) {
        return fallback;
    }
    if (it->is_number_float()) {
        const double d = it->get<double>();
        const bool fits = d >= static_cast<double>(std::numeric_limits<long>::min()) &&
                          d < static_cast<double>(std::numeric_limits<long>::max()); // NaN: no
        return fits ? static_cast<long>(d) : fallback;
    }
    if (it->is_number_unsigned()) {
        const auto u = it->get<std::uint64_t>();
        return u > static_cast<std::uint64_t>(std::numeric_limits<long>::max())
                   ? fallback
                   : static_cast<long>(u);
    }
    return it->get<long>();
}

inline bool boolean_or(const nlohmann::json& object, const char* key, bool fallback) {
    const auto it = object.find(key);
    return it != object.end() && it->is_boolean() ? it->get<bool>() : fallback;
}

} // namespace rblscope::source
