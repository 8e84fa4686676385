#include "rblscope/target.hpp"

#include "core/sanitize.hpp"

#include <algorithm>
#include <fmt/format.h>

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

TargetReader::TargetReader(std::istream& in, std::string name)
    : m_in(in), m_name(name == "-" ? "stdin" : std::move(name)) {}

std::optional<Result<Target>> TargetReader::next() {
    std::string line;
    while (std::getline(m_in, line)) {
        ++m_line;
        if (const auto hash = line.find('#'); hash != std::string::npos) {
            line.erase(hash);
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
    return std::nullopt;
}

} // namespace rblscope
