#pragma once
// Optional members of JSON from the network. nlohmann's value() throws when a member has
// another type than the default; a body is never trusted, so here a member of the wrong
// type counts as missing.

#include <nlohmann/json.hpp>
#include <string>

namespace rblscope::source {

inline std::string string_or(const nlohmann::json& object, const char* key, std::string fallback) {
    const auto it = object.find(key);
    return it != object.end() && it->is_string() ? it->get<std::string>() : fallback;
}

/// Integers and floats (truncated); anything else is `fallback`.
inline long number_or(const nlohmann::json& object, const char* key, long fallback) {
    const auto it = object.find(key);
    return it != object.end() && it->is_number() ? it->get<long>() : fallback;
}

inline bool boolean_or(const nlohmann::json& object, const char* key, bool fallback) {
    const auto it = object.find(key);
    return it != object.end() && it->is_boolean() ? it->get<bool>() : fallback;
}

} // namespace rblscope::source
