#pragma once
// Times as the reports write them: "2026-12-06 08:59:00 UTC" for people, RFC 3339
// ("2026-12-06T08:59:00Z") for JSON.

#include <cstdint>
#include <ctime>
#include <string>

namespace rblscope {

inline std::string utc_text(std::int64_t unix_seconds, bool rfc3339 = false) {
    const auto t = static_cast<std::time_t>(unix_seconds);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, rfc3339 ? "%Y-%m-%dT%H:%M:%SZ" : "%Y-%m-%d %H:%M:%S UTC", &tm);
    return buf;
}

} // namespace rblscope
