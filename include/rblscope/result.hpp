#pragma once
/// \file result.hpp
/// \brief What one list said about one subject, and the report for one target.

#include "rblscope/catalog.hpp"
#include "rblscope/target.hpp"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace rblscope {

/// The one status a (subject, zone) pair gets. Never silently turned into another.
enum class Status : std::uint8_t {
    listed,  ///< an A answer in 127.0.0.0/8 that is not an error code
    clean,   ///< NXDOMAIN (or no A record) from a zone that passed its test points
    error,   ///< SERVFAIL, REFUSED, error codes, answers outside 127/8, broken zones
    timeout, ///< no answer after every retry
    skipped, ///< not asked (e.g. a key is missing)
};
[[nodiscard]] std::string_view to_string(Status) noexcept;

/// The result of asking one zone about one subject.
struct ZoneResult {
    const Zone* zone = nullptr;
    std::string subject; ///< what was asked: an address, a domain, or "sha1(email)"
    Status status = Status::skipped;
    Severity severity = Severity::info; ///< listed: the worst code's severity
    std::vector<std::string> codes;     ///< answer addresses, sorted
    std::string meaning;                ///< meanings of the codes, "; "-joined
    std::string txt;                    ///< TXT reason, sanitised
    std::string delist_url;
    std::string error; ///< why status is error/timeout/skipped
    /// HTTP sources: the figures behind the reading, by name (SourceReading::facts).
    std::vector<std::pair<std::string, std::string>> facts;
    std::uint32_t elapsed_ms = 0;
    std::uint32_t ttl = 0;
    bool cached = false; ///< the answer came from the --cache directory
};

/// An address a hostname resolved to.
struct ResolvedAddress {
    std::string name; ///< the hostname that gave it
    IpAddress ip;
};

/// The verdict for a whole target.
enum class Verdict : std::uint8_t { clean, listed, unknown };
[[nodiscard]] std::string_view to_string(Verdict) noexcept;

/// Everything known about one target, emitted once all its lookups are done.
struct TargetReport {
    Target target;
    std::optional<IpAddress> ip;            ///< for IP and CIDR targets
    std::vector<ResolvedAddress> addresses; ///< for hostname targets
    std::vector<ZoneResult> results;
    std::vector<std::string> problems; ///< failures that make the verdict unknown
    std::vector<std::string> notes;    ///< facts worth showing that change nothing
    Verdict verdict = Verdict::unknown;
    Severity worst = Severity::info; ///< worst listing severity when listed
    double score = 0;                ///< weighted listings (see verdict.hpp)
    int exit_code = 3;               ///< this target's exit status under the run's policy
    int listed = 0, allowed = 0, clean = 0, errors = 0, timeouts = 0, skipped = 0;
};

} // namespace rblscope
