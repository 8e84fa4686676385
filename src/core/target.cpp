#include "rblscope/target.hpp"

#include "core/idn.hpp"
#include "core/sanitize.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <array>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fmt/format.h>
#include <optional>
#include <poll.h>
#include <unistd.h>
#include <vector>

namespace rblscope {

namespace {

std::string_view trim(std::string_view s) {
    const auto first = s.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos) {
        return {};
    }
    const auto last = s.find_last_not_of(" \t\r\n");
    return s.substr(first, last - first + 1);
}

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) {
        return static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
    });
    return out;
}

bool looks_numeric(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= '0' && c <= '9') || c == '.';
    });
}

bool all_digits(std::string_view s) {
    return !s.empty() &&
           std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

constexpr std::string_view utf8_bom = "\xEF\xBB\xBF";

// A port after an address: 1..65535 in decimal.
std::optional<unsigned> parse_port(std::string_view text) {
    if (!all_digits(text) || text.size() > 5) {
        return std::nullopt;
    }
    const auto port = static_cast<unsigned>(std::stoul(std::string(text)));
    return port >= 1 && port <= 65535 ? std::optional<unsigned>(port) : std::nullopt;
}

// An IPv4 address as inet_aton reads it (octal, hexadecimal, fewer parts) where inet_pton
// refuses it: the reason it is refused, naming what it would be taken for.
std::optional<std::string> legacy_ipv4(std::string_view text, const std::string& shown) {
    in_addr address{};
    const std::string copy(text);
    if (::inet_aton(copy.c_str(), &address) == 0) {
        return std::nullopt;
    }
    std::array<char, INET_ADDRSTRLEN> aton{};
    ::inet_ntop(AF_INET, &address, aton.data(), aton.size());
    std::vector<std::string_view> parts;
    for (std::size_t start = 0;;) {
        const auto dot = text.find('.', start);
        parts.push_back(text.substr(start, dot - start));
        if (dot == std::string_view::npos) {
            break;
        }
        start = dot + 1;
    }
    const bool hex = std::any_of(parts.begin(), parts.end(), [](std::string_view p) {
        return p.size() > 1 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X');
    });
    if (hex) {
        return fmt::format("hexadecimal IPv4 notation is ambiguous: \"{}\" is {} to some programs "
                           "and a host name to others; write the address in dotted decimal",
                           shown,
                           aton.data());
    }
    const bool octal = std::any_of(
        parts.begin(), parts.end(), [](std::string_view p) { return p.size() > 1 && p[0] == '0'; });
    if (octal && parts.size() == 4) {
        std::string decimal;
        for (const auto p : parts) {
            const auto digits = p.find_first_not_of('0');
            decimal += std::string(digits == std::string_view::npos ? "0" : p.substr(digits));
            decimal += '.';
        }
        decimal.pop_back();
        return fmt::format("octal notation is ambiguous: did you mean {0}? (\"{1}\" is {0} to "
                           "inet_aton, which reads a leading 0 as octal, and {2} to a reader; "
                           "write the address without leading zeros)",
                           aton.data(),
                           shown,
                           decimal);
    }
    return fmt::format("shortened IPv4 notation is ambiguous: did you mean {}? (\"{}\" has {} "
                       "of the 4 parts; write all four)",
                       aton.data(),
                       shown,
                       parts.size());
}

// What of a typed address is not the address: brackets and a port, an IPv4 address's port,
// an IPv6 zone index. The address part, and the note saying what was ignored; an Error
// when the shape is there but wrong.
struct AddressText {
    std::string_view address;
    std::string note;
};

Result<AddressText> strip_address_decorations(std::string_view text, const std::string& shown) {
    AddressText out{text, ""};
    if (text.starts_with('[')) {
        const auto close = text.find(']');
        if (close == std::string_view::npos) {
            return Error{fmt::format("'[' without ']': \"{}\"", shown), ""};
        }
        out.address = text.substr(1, close - 1);
        const auto rest = text.substr(close + 1);
        if (!rest.empty()) {
            const auto port = rest.starts_with(':') ? parse_port(rest.substr(1)) : std::nullopt;
            if (!port) {
                return Error{
                    fmt::format("after [address] only :PORT (1-65535) may follow: \"{}\"", shown),
                    ""};
            }
            out.note = fmt::format("the port {} was ignored", *port);
        }
        if (!IpAddress::parse_exact(out.address.substr(0, out.address.find('%')))) {
            return Error{fmt::format("only an IP address goes between [ and ]: \"{}\"", shown), ""};
        }
    } else if (const auto colon = text.find(':');
               colon != std::string_view::npos &&
               text.find(':', colon + 1) == std::string_view::npos) {
        // One colon: IPv4:PORT, as Postfix and many logs write a client.
        const auto host = text.substr(0, colon);
        const auto port = parse_port(text.substr(colon + 1));
        const auto ip = IpAddress::parse_exact(host);
        if (ip && ip->is_v4() && port) {
            out.address = host;
            out.note = fmt::format("the port {} was ignored", *port);
        }
        return out;
    }
    if (const auto percent = out.address.find('%'); percent != std::string_view::npos) {
        const auto zone = out.address.substr(percent + 1);
        const bool zone_ok =
            !zone.empty() && zone.size() <= 64 && std::all_of(zone.begin(), zone.end(), [](char c) {
                return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-' ||
                       c == '.';
            });
        if (!zone_ok || out.address.find(':') == std::string_view::npos) {
            return Error{fmt::format("not a valid IPv6 zone index after '%': \"{}\"", shown), ""};
        }
        const auto zone_note = fmt::format(
            "the zone index %{} was ignored (lists know addresses, not interfaces)", zone);
        out.note = out.note.empty() ? zone_note : out.note + "; " + zone_note;
        out.address = out.address.substr(0, percent);
    }
    return out;
}

} // namespace

bool is_valid_hostname(std::string_view name) {
    if (name.empty() || name.size() > 253) {
        return false;
    }
    int labels = 0;
    std::size_t start = 0;
    while (start <= name.size()) {
        auto dot = name.find('.', start);
        if (dot == std::string_view::npos) {
            dot = name.size();
        }
        const auto label = name.substr(start, dot - start);
        if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
            return false;
        }
        for (const char c : label) {
            const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                            (c >= '0' && c <= '9') || c == '-' || c == '_';
            if (!ok) {
                return false;
            }
        }
        ++labels;
        start = dot + 1;
        if (dot == name.size()) {
            break;
        }
    }
    return labels >= 2;
}

Result<Target> parse_target(std::string_view raw) {
    auto text = trim(raw);
    if (text.starts_with(utf8_bom)) {
        text = trim(text.substr(utf8_bom.size())); // Notepad's mark at the start of a file
    }
    Target t;
    t.text = std::string(text);
    const auto shown = sanitize_text(text, 80);
    if (text.empty()) {
        return Error{"empty target", ""};
    }
    // Every byte counts: the address functions below stop at a NUL, the reports would not.
    if (const auto nul = text.find('\0'); nul != std::string_view::npos) {
        return Error{fmt::format("contains a NUL byte (at byte {}): \"{}\"", nul + 1, shown), ""};
    }
    if (const auto control = std::find_if(text.begin(),
                                          text.end(),
                                          [](char c) {
                                              const auto u = static_cast<unsigned char>(c);
                                              return u < 0x20 || u == 0x7f;
                                          });
        control != text.end()) {
        return Error{fmt::format("contains a control character (U+{:04X}): \"{}\"",
                                 static_cast<unsigned char>(*control),
                                 shown),
                     ""};
    }
    auto decorations = strip_address_decorations(text, shown);
    if (!decorations) {
        return decorations.error();
    }
    if (!decorations.value().note.empty()) {
        auto ip = IpAddress::parse(decorations.value().address);
        if (!ip) {
            return Error{fmt::format("not a valid IP address: \"{}\"", shown), ""};
        }
        t.kind = Target::Kind::ip;
        t.ip = *ip;
        t.note = std::move(decorations.value().note);
        return t;
    }
    if (text.starts_with('[')) {
        text = decorations.value().address; // [2001:db8::1]: brackets only
    }
    if (text.find('/') != std::string_view::npos) {
        auto cidr = Cidr::parse(text);
        if (!cidr) {
            return Error{cidr.error().message + ": \"" + shown + "\"", ""};
        }
        t.kind = Target::Kind::cidr;
        t.cidr = *cidr;
        return t;
    }
    if (auto ip = IpAddress::parse(text)) {
        t.kind = Target::Kind::ip;
        t.ip = *ip;
        return t;
    }
    if (text.find(':') != std::string_view::npos) {
        return Error{fmt::format("not a valid IPv6 address: \"{}\"", shown), ""};
    }
    if (const auto at = text.rfind('@'); at != std::string_view::npos) {
        const auto local = text.substr(0, at);
        auto domain = lower(text.substr(at + 1));
        if (!domain.empty() && domain.back() == '.') {
            domain.pop_back();
        }
        if (has_non_ascii(domain)) {
            auto ascii = domain_to_ascii(domain);
            if (!ascii) {
                return Error{fmt::format("not a valid email address (the domain is not a valid "
                                         "internationalised name: {}): \"{}\"",
                                         ascii.error().message,
                                         shown),
                             ""};
            }
            domain = std::move(ascii.value());
        }
        if (local.empty() || local.size() > 64 ||
            local.find_first_of(" \t\"<>") != std::string_view::npos) {
            return Error{fmt::format("not a valid email address (bad local part): \"{}\"", shown),
                         ""};
        }
        if (!is_valid_hostname(domain)) {
            return Error{fmt::format("not a valid email address (bad domain): \"{}\"", shown), ""};
        }
        t.kind = Target::Kind::email;
        t.hostname = domain;
        t.email = lower(local) + "@" + domain;
        return t;
    }
    auto name = lower(text);
    if (!name.empty() && name.back() == '.') {
        name.pop_back();
    }
    if (has_non_ascii(name)) {
        // An internationalised name: DNS asks for its A-labels (xn--...).
        auto ascii = domain_to_ascii(name);
        if (!ascii) {
            return Error{fmt::format("not a valid internationalised domain name ({}): \"{}\"",
                                     ascii.error().message,
                                     shown),
                         ""};
        }
        name = std::move(ascii.value());
    }
    if (auto legacy = legacy_ipv4(name, shown)) {
        return Error{std::move(*legacy), ""};
    }
    if (looks_numeric(name)) {
        return Error{fmt::format("not a valid IPv4 address: \"{}\"", shown), ""};
    }
    if (const auto dot = name.rfind('.');
        dot != std::string::npos && all_digits(std::string_view(name).substr(dot + 1))) {
        return Error{fmt::format("not a host name: the last label is all digits: \"{}\"", shown),
                     ""};
    }
    if (!is_valid_hostname(name)) {
        return Error{fmt::format("not an IP address, CIDR block, hostname or email: \"{}\"", shown),
                     ""};
    }
    t.kind = Target::Kind::hostname;
    t.hostname = name;
    return t;
}

TargetReader::TargetReader(int fd, std::string name)
    : m_fd(fd), m_name(name == "-" ? "stdin" : std::move(name)) {}

std::optional<Result<Target>> TargetReader::next() {
    m_waiting = false;
    while (true) {
        // The start of the input: a byte-order mark says how it is encoded.
        if (m_line == 0 && m_pos == 0 && !m_checked_start && (m_buffer.size() >= 3 || m_eof)) {
            m_checked_start = true;
            const std::string_view start(m_buffer);
            const bool utf16 =
                start.starts_with("\xFF\xFE") || start.starts_with("\xFE\xFF") ||
                (start.size() >= 4 && ((start[1] == '\0' && start[3] == '\0' && start[0] != '\0') ||
                                       (start[0] == '\0' && start[2] == '\0' && start[1] != '\0')));
            if (utf16) {
                m_eof = true;
                m_buffer.clear();
                ++m_line;
                return Result<Target>(
                    Error{"file is UTF-16: save it as UTF-8 (one target a line)", m_name});
            }
            if (start.starts_with(utf8_bom)) {
                m_pos = utf8_bom.size();
            }
        }
        const auto newline = m_buffer.find('\n', m_pos);
        if (newline != std::string::npos || (m_eof && m_pos < m_buffer.size())) {
            const auto end = newline == std::string::npos ? m_buffer.size() : newline;
            std::string_view line(m_buffer.data() + m_pos, end - m_pos);
            m_pos = newline == std::string::npos ? m_buffer.size() : newline + 1;
            if (m_skipping) {
                m_skipping = false; // the end of a refused line
                continue;
            }
            ++m_line;
            if (const auto hash = line.find('#'); hash != std::string_view::npos) {
                line = line.substr(0, hash);
            }
            if (trim(line).empty()) {
                continue;
            }
            const auto where = fmt::format("{}:{}", m_name, m_line);
            auto t = parse_target(line);
            if (!t) {
                return Result<Target>(Error{t.error().message, where});
            }
            t->where = where;
            return t;
        }
        if (m_eof) {
            return std::nullopt;
        }
        m_buffer.erase(0, m_pos);
        m_pos = 0;
        if (m_buffer.size() > max_line) {
            m_buffer.clear();
            m_skipping = true;
            ++m_line;
            return Result<Target>(Error{fmt::format("line longer than {} bytes; skipped", max_line),
                                        fmt::format("{}:{}", m_name, m_line)});
        }
        // Read only what is there: poll() first, so a pipe with nothing in it never blocks.
        pollfd p{m_fd, POLLIN, 0};
        const int ready = ::poll(&p, 1, 0);
        if (ready == 0) {
            m_waiting = true;
            return std::nullopt;
        }
        if (ready < 0 && errno != EINTR) {
            m_eof = true;
            return Result<Target>(
                Error{fmt::format("cannot read the input: {}", std::strerror(errno)), m_name});
        }
        std::array<char, 65536> chunk{};
        const auto n = ::read(m_fd, chunk.data(), chunk.size());
        if (n > 0) {
            m_buffer.append(chunk.data(), static_cast<std::size_t>(n));
        } else if (n == 0) {
            m_eof = true;
        } else if (errno != EINTR && errno != EAGAIN) {
            m_eof = true;
            m_buffer.clear();
            m_pos = 0;
            return Result<Target>(
                Error{fmt::format("cannot read the input: {}", std::strerror(errno)), m_name});
        }
    }
}

} // namespace rblscope
