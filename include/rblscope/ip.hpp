#pragma once
/// \file ip.hpp
/// \brief IPv4/IPv6 addresses, CIDR blocks and DNSBL query names (RFC 5782).

#include "rblscope/error.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace rblscope {

/// An IPv4 or IPv6 address. IPv4-mapped IPv6 (::ffff:a.b.c.d) is stored as IPv4,
/// because DNSBLs index it under the IPv4 name.
class IpAddress {
  public:
    enum class Family : std::uint8_t { v4, v6 };

    IpAddress() = default;
    /// From four octets, most significant first.
    static IpAddress v4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d);
    static IpAddress v4(std::uint32_t host_order);
    /// From 16 bytes in network order (not normalised: see parse()).
    static IpAddress v6(const std::array<std::uint8_t, 16>& bytes);

    /// Parses "192.0.2.1" or "2001:db8::1" (no brackets, no zone index, no leading zeros
    /// that would make an octet ambiguous). Returns nullopt on anything else.
    [[nodiscard]] static std::optional<IpAddress> parse(std::string_view text);
    /// Like parse(), but keeps IPv4-mapped IPv6 as IPv6 (RFC 5782 IPv6 test points are
    /// ::ffff:7f00:2, which an IPv6-only list indexes under its nibble name).
    [[nodiscard]] static std::optional<IpAddress> parse_exact(std::string_view text);

    [[nodiscard]] Family family() const noexcept { return m_family; }
    [[nodiscard]] bool is_v4() const noexcept { return m_family == Family::v4; }
    /// Bytes in network order; only the first 4 are used for IPv4.
    [[nodiscard]] const std::array<std::uint8_t, 16>& bytes() const noexcept { return m_bytes; }
    /// IPv4 as a host-order integer (0 for IPv6).
    [[nodiscard]] std::uint32_t v4_value() const noexcept;

    /// Canonical text: dotted quad, or RFC 5952 compressed lowercase IPv6.
    [[nodiscard]] std::string to_string() const;

    /// The label sequence a DNSBL expects, without the zone: reversed octets for IPv4
    /// ("2.0.0.127"), 32 reversed nibbles for IPv6.
    [[nodiscard]] std::string reversed() const;

    /// True when the address is in 127.0.0.0/8 (where DNSBL answers must be).
    [[nodiscard]] bool is_loopback_v4() const noexcept;

    friend bool operator==(const IpAddress&, const IpAddress&) = default;
    friend auto operator<=>(const IpAddress&, const IpAddress&) = default;

  private:
    Family m_family = Family::v4;
    std::array<std::uint8_t, 16> m_bytes{};
};

/// The full DNSBL query name: `reversed(ip) + "." + zone`.
///
/// **Example**: `dnsbl_query_name(IpAddress::parse("192.0.2.99").value(), "zen.spamhaus.org")`
/// gives `"99.2.0.192.zen.spamhaus.org"`.
[[nodiscard]] std::string dnsbl_query_name(const IpAddress& ip, std::string_view zone);

/// A CIDR block such as 192.0.2.0/24 or 2001:db8::/120.
class Cidr {
  public:
    /// Parses "ADDR/LEN". Host bits set below the prefix are an error (a typo more often
    /// than not), reported with the block the user probably meant.
    [[nodiscard]] static Result<Cidr> parse(std::string_view text);

    [[nodiscard]] const IpAddress& network() const noexcept { return m_network; }
    [[nodiscard]] int prefix() const noexcept { return m_prefix; }
    /// Number of addresses, saturated at 2^64 - 1 for huge IPv6 blocks.
    [[nodiscard]] std::uint64_t size() const noexcept;
    /// The i-th address of the block (0-based); i must be < size().
    [[nodiscard]] IpAddress at(std::uint64_t index) const;
    [[nodiscard]] bool contains(const IpAddress& ip) const noexcept;
    [[nodiscard]] std::string to_string() const;

  private:
    IpAddress m_network;
    int m_prefix = 0;
};

} // namespace rblscope
