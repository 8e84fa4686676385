#pragma once
// The on-disk DNS answer cache behind `--cache DIR`: repeated checks (a monitoring system
// every few minutes) do not re-ask lists whose answers are still within their TTL.

#include "net/dns_channel.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace rblscope {

/// One file per (servers, query type, query name) under DIR/xx/, named by the SHA-256 of
/// that key, so names that carry an API key never appear on disk. Files are written to a
/// temporary name and renamed, so a concurrent reader sees a whole file or none.
///
/// Only definite answers are kept: A/AAAA/TXT records for their (smallest) TTL, NXDOMAIN
/// and NODATA for the RFC 2308 negative TTL (not at all without an SOA). Errors and
/// timeouts are never cached. A corrupt, unreadable or unwritable file is reported through
/// `warn` (the first of each kind at once, the rest counted by `report_totals()`) and
/// treated as a miss: the cache can slow a run down, never break it.
class AnswerCache {
  public:
    using Warn = std::function<void(const std::string&)>;
    using WallClock = std::chrono::system_clock;

    /// Longest time an answer is kept, whatever its TTL says.
    static constexpr std::uint32_t k_max_ttl = 86400;

    AnswerCache(std::string dir, Warn warn);

    /// A fresh answer (its TTL reduced by its age, `cached` set), or none.
    [[nodiscard]] std::optional<DnsReply> get(const std::string& servers,
                                              DnsChannel::Type type,
                                              const std::string& name,
                                              WallClock::time_point now = WallClock::now());

    /// Stores `reply` if it is a definite answer with a TTL above zero.
    void put(const std::string& servers,
             DnsChannel::Type type,
             const std::string& name,
             const DnsReply& reply,
             WallClock::time_point now = WallClock::now());

    /// Warns once about the problems beyond the first of each kind.
    void report_totals();

    [[nodiscard]] const std::string& dir() const noexcept { return m_dir; }
    [[nodiscard]] std::uint64_t hits() const noexcept { return m_hits; }

  private:
    [[nodiscard]] std::string
    path_for(const std::string& servers, DnsChannel::Type type, const std::string& name) const;
    void problem(int& count, const std::string& message);

    std::string m_dir;
    Warn m_warn;
    bool m_dir_ok = false; ///< DIR exists (or was created)
    int m_corrupt = 0;
    int m_unwritable = 0;
    std::uint64_t m_hits = 0;
};

} // namespace rblscope
