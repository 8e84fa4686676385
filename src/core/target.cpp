#include "rblscope/target.hpp"

#include "core/idn.hpp"
#include "core/sanitize.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <fmt/format.h>
#include <poll.h>
#include <unistd.h>

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
    const auto text = trim(raw);
    Target t;
    t.text = std::string(text);
    const auto shown = sanitize_text(text, 80);
    if (text.empty()) {
        return Error{"empty target", ""};
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
    if (looks_numeric(name)) {
        return Error{fmt::format("not a valid IPv4 address: \"{}\"", shown), ""};
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
