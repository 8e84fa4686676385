#include "rblscope/ip.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <charconv>
#include <fmt/format.h>

namespace rblscope {

IpAddress IpAddress::v4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) {
    IpAddress ip;
    ip.m_family = Family::v4;
    ip.m_bytes = {a, b, c, d};
    return ip;
}

IpAddress IpAddress::v4(std::uint32_t host_order) {
    return v4(static_cast<std::uint8_t>(host_order >> 24),
              static_cast<std::uint8_t>(host_order >> 16),
              static_cast<std::uint8_t>(host_order >> 8),
              static_cast<std::uint8_t>(host_order));
}

IpAddress IpAddress::v6(const std::array<std::uint8_t, 16>& bytes) {
    IpAddress ip;
    ip.m_family = Family::v6;
    ip.m_bytes = bytes;
    return ip;
}

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
    auto ip = parse_exact(text);
    if (!ip || ip->is_v4()) {
        return ip;
    }
    const auto& b = ip->m_bytes;
    // ::ffff:a.b.c.d is an IPv4 host; DNSBLs list it under the IPv4 name.
    bool mapped = b[10] == 0xff && b[11] == 0xff;
    for (int i = 0; i < 10 && mapped; ++i) {
        mapped = b[static_cast<std::size_t>(i)] == 0;
    }
    if (mapped) {
        return v4(b[12], b[13], b[14], b[15]);
    }
    return ip;
}

std::optional<IpAddress> IpAddress::parse_exact(std::string_view text) {
    // inet_pton reads a C string: a NUL inside would end the address early.
    if (text.empty() || text.size() > 45 || text.find('\0') != std::string_view::npos) {
        return std::nullopt;
    }
    char buf[46] = {};
    text.copy(buf, text.size());
    if (text.find(':') == std::string_view::npos) {
        std::array<std::uint8_t, 4> b{};
        if (inet_pton(AF_INET, buf, b.data()) != 1) {
            return std::nullopt;
        }
        return v4(b[0], b[1], b[2], b[3]);
    }
    std::array<std::uint8_t, 16> b{};
    if (inet_pton(AF_INET6, buf, b.data()) != 1) {
        return std::nullopt;
    }
    return v6(b);
}

std::uint32_t IpAddress::v4_value() const noexcept {
    if (!is_v4()) {
        return 0;
    }
    return (std::uint32_t{m_bytes[0]} << 24) | (std::uint32_t{m_bytes[1]} << 16) |
           (std::uint32_t{m_bytes[2]} << 8) | std::uint32_t{m_bytes[3]};
}

std::string IpAddress::to_string() const {
    if (is_v4()) {
        return fmt::format("{}.{}.{}.{}", m_bytes[0], m_bytes[1], m_bytes[2], m_bytes[3]);
    }
    char buf[INET6_ADDRSTRLEN] = {};
    inet_ntop(is_v4() ? AF_INET : AF_INET6, m_bytes.data(), buf, sizeof buf);
    return buf;
}

std::string IpAddress::reversed() const {
    if (is_v4()) {
        return fmt::format("{}.{}.{}.{}", m_bytes[3], m_bytes[2], m_bytes[1], m_bytes[0]);
    }
    static constexpr char k_hex[] = "0123456789abcdef";
    std::string out;
    out.reserve(63);
    for (int i = 15; i >= 0; --i) {
        const auto byte = m_bytes[static_cast<std::size_t>(i)];
        out += k_hex[byte & 0xf];
        out += '.';
        out += k_hex[byte >> 4];
        if (i != 0) {
            out += '.';
        }
    }
    return out;
}

bool IpAddress::is_loopback_v4() const noexcept {
    return is_v4() && m_bytes[0] == 127;
}

std::string dnsbl_query_name(const IpAddress& ip, std::string_view zone) {
    std::string name = ip.reversed();
    name += '.';
    name += zone;
    return name;
}

Result<Cidr> Cidr::parse(std::string_view text) {
    const auto slash = text.find('/');
    if (slash == std::string_view::npos) {
        return Error{"not a CIDR block (missing /LEN)", std::string(text)};
    }
    auto ip = IpAddress::parse(text.substr(0, slash));
    if (!ip) {
        return Error{"not a CIDR block: the part before '/' is not an IP address",
                     std::string(text)};
    }
    const auto len_text = text.substr(slash + 1);
    int len = -1;
    const auto [end, ec] = std::from_chars(len_text.data(), len_text.data() + len_text.size(), len);
    const int max_len = ip->is_v4() ? 32 : 128;
    if (len_text.empty() || ec != std::errc{} || end != len_text.data() + len_text.size() ||
        len < 0 || len > max_len) {
        return Error{fmt::format("not a CIDR block: prefix length must be 0..{}", max_len),
                     std::string(text)};
    }
    // A mapped IPv4 address was normalised; its IPv6 prefix counts the 96 mapping bits.
    if (ip->is_v4() && text.find(':') != std::string_view::npos) {
        if (len < 96) {
            return Error{"not a CIDR block: an IPv4-mapped prefix must be /96 or longer",
                         std::string(text)};
        }
        len -= 96;
    }
    Cidr c;
    c.m_network = *ip;
    c.m_prefix = len;
    auto bytes = ip->bytes();
    const int total = ip->is_v4() ? 4 : 16;
    bool host_bits = false;
    for (int i = 0; i < total; ++i) {
        const int bits_in = std::clamp(len - i * 8, 0, 8);
        const auto mask = static_cast<std::uint8_t>(bits_in == 0 ? 0 : (0xff << (8 - bits_in)));
        auto& b = bytes[static_cast<std::size_t>(i)];
        if ((b & ~mask & 0xff) != 0) {
            host_bits = true;
        }
        b = static_cast<std::uint8_t>(b & mask);
    }
    if (host_bits) {
        const Cidr fixed = [&] {
            Cidr f;
            f.m_prefix = len;
            f.m_network = ip->is_v4() ? IpAddress::v4(bytes[0], bytes[1], bytes[2], bytes[3])
                                      : IpAddress::v6(bytes);
            return f;
        }();
        return Error{
            fmt::format("host bits set below the prefix (did you mean {}?)", fixed.to_string()),
            std::string(text)};
    }
    return c;
}

std::uint64_t Cidr::size() const noexcept {
    const int host_bits = (m_network.is_v4() ? 32 : 128) - m_prefix;
    if (host_bits >= 64) {
        return UINT64_MAX;
    }
    return std::uint64_t{1} << host_bits;
}

IpAddress Cidr::at(std::uint64_t index) const {
    auto bytes = m_network.bytes();
    const int total = m_network.is_v4() ? 4 : 16;
    // Add index to the low 64 bits (blocks are capped far below 2^64 addresses).
    std::uint64_t carry = index;
    for (int i = total - 1; i >= 0 && carry != 0; --i) {
        const std::uint64_t sum = bytes[static_cast<std::size_t>(i)] + (carry & 0xff);
        bytes[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(sum);
        carry = (carry >> 8) + (sum >> 8);
    }
    if (m_network.is_v4()) {
        return IpAddress::v4(bytes[0], bytes[1], bytes[2], bytes[3]);
    }
    return IpAddress::v6(bytes);
}

bool Cidr::contains(const IpAddress& ip) const noexcept {
    if (ip.family() != m_network.family()) {
        return false;
    }
    for (int i = 0; i < 16; ++i) {
        const int bits_in = std::clamp(m_prefix - i * 8, 0, 8);
        if (bits_in == 0) {
            break;
        }
        const auto mask = static_cast<std::uint8_t>(0xff << (8 - bits_in));
        const auto idx = static_cast<std::size_t>(i);
        if ((ip.bytes()[idx] & mask) != (m_network.bytes()[idx] & mask)) {
            return false;
        }
    }
    return true;
}

std::string Cidr::to_string() const {
    return fmt::format("{}/{}", m_network.to_string(), m_prefix);
}

} // namespace rblscope
