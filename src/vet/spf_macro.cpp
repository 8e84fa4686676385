// SPF macro expansion (RFC 7208 section 7) and the name helpers check_host() shares with it.

#include "core/text.hpp"
#include "vet/spf_context.hpp"
#include "vet/spf_internal.hpp"

#include <algorithm>
#include <ctime>
#include <fmt/format.h>

namespace rblscope::spf_detail {

std::string normalize_name(std::string_view name) {
    auto n = ascii_lower(name);
    while (!n.empty() && n.back() == '.') {
        n.pop_back();
    }
    return n;
}

/// A name DNS can carry: labels of 1..63 octets, at most 253 in all.
bool valid_dns_name(std::string_view n) {
    if (n.empty() || n.size() > 253) {
        return false;
    }
    std::size_t start = 0;
    while (start <= n.size()) {
        auto dot = n.find('.', start);
        if (dot == std::string_view::npos) {
            dot = n.size();
        }
        const auto len = dot - start;
        if (len == 0 || len > 63) {
            return false;
        }
        start = dot + 1;
    }
    return true;
}

/// nullptr: not answered yet (ctx.need is set).
const DnsAnswer* ask(Ctx& ctx, std::string_view name, DnsType type) {
    const auto n = normalize_name(name);
    if (const auto* a = ctx.dns.find(n, type)) {
        return a;
    }
    ctx.need = DnsQuestion{n, type};
    return nullptr;
}

std::string reverse_name(const IpAddress& ip) {
    return ip.reversed() + (ip.is_v4() ? ".in-addr.arpa" : ".ip6.arpa");
}

namespace {

std::string url_escape(std::string_view s) {
    std::string out;
    for (const char c : s) {
        if (is_alnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
            out += c;
        } else {
            out += fmt::format("%{:02X}", static_cast<unsigned char>(c));
        }
    }
    return out;
}

/// The "p" macro: a validated name of the client (section 7.3), or "unknown".
std::optional<std::string> validated_name(Ctx& ctx, std::string_view domain) {
    const auto* ptr = ask(ctx, reverse_name(ctx.q.ip), DnsType::ptr);
    if (ptr == nullptr) {
        return std::nullopt;
    }
    if (ptr->status != DnsAnswer::Status::ok) {
        return std::string("unknown");
    }
    const auto d = normalize_name(domain);
    std::string exact, sub, any;
    for (std::size_t i = 0; i < ptr->data.size() && i < k_max_names; ++i) {
        const auto name = normalize_name(ptr->data[i]);
        if (!valid_dns_name(name)) {
            continue;
        }
        const auto* addrs = ask(ctx, name, ctx.q.ip.is_v4() ? DnsType::a : DnsType::aaaa);
        if (addrs == nullptr) {
            return std::nullopt;
        }
        const bool ok = std::any_of(addrs->data.begin(), addrs->data.end(), [&](const auto& t) {
            const auto ip = IpAddress::parse(t);
            return ip && *ip == ctx.q.ip;
        });
        if (!ok) {
            continue;
        }
        if (name == d && exact.empty()) {
            exact = name;
        } else if (name.ends_with("." + d) && sub.empty()) {
            sub = name;
        } else if (any.empty()) {
            any = name;
        }
    }
    return !exact.empty() ? exact : !sub.empty() ? sub : !any.empty() ? any : "unknown";
}

} // namespace

/// Macro expansion (section 7). nullopt: DNS needed (the "p" macro).
std::optional<Expanded> expand(Ctx& ctx, std::string_view s, std::string_view domain, bool exp) {
    Expanded out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] != '%') {
            out.text += s[i];
            continue;
        }
        const char n = s[i + 1];
        if (n == '%') {
            out.text += '%';
            ++i;
            continue;
        }
        if (n == '_') {
            out.text += ' ';
            ++i;
            continue;
        }
        if (n == '-') {
            out.text += "%20";
            ++i;
            continue;
        }
        // %{letter digits [r] delimiters}
        std::size_t j = i + 2;
        const char letter = s[j++];
        const bool upper = letter >= 'A' && letter <= 'Z';
        const char l = static_cast<char>(std::tolower(static_cast<unsigned char>(letter)));
        int keep = 0;
        bool has_digits = false;
        while (is_digit(s[j])) {
            keep = std::min(keep * 10 + (s[j] - '0'), 1000);
            has_digits = true;
            ++j;
        }
        const bool reverse = s[j] == 'r' || s[j] == 'R';
        if (reverse) {
            ++j;
        }
        std::string delims;
        while (s[j] != '}') {
            delims += s[j++];
        }
        if (has_digits && keep == 0) {
            out.error = true;
            return out;
        }
        std::string value;
        switch (l) {
        case 's':
            value = ctx.sender;
            break;
        case 'l':
            value = ctx.local_part;
            break;
        case 'o':
            value = ctx.sender_domain;
            break;
        case 'd':
            value = std::string(domain);
            break;
        case 'i':
            if (ctx.q.ip.is_v4()) {
                value = ctx.q.ip.to_string();
            } else {
                // dot-separated nibbles, most significant first
                const auto rev = ctx.q.ip.reversed();
                std::string fwd;
                for (auto k = rev.size(); k > 0; --k) {
                    if (rev[k - 1] != '.') {
                        fwd += fwd.empty() ? "" : ".";
                        fwd += rev[k - 1];
                    }
                }
                value = fwd;
            }
            break;
        case 'p': {
            auto name = validated_name(ctx, domain);
            if (!name) {
                return std::nullopt;
            }
            value = *name;
            break;
        }
        case 'v':
            value = ctx.q.ip.is_v4() ? "in-addr" : "ip6";
            break;
        case 'h':
            value = ctx.q.helo;
            break;
        case 'c':
        case 'r':
        case 't':
            if (!exp) {
                out.error = true;
                return out;
            }
            value = l == 'c'   ? ctx.q.ip.to_string()
                    : l == 'r' ? (ctx.q.receiver.empty() ? std::string("unknown") : ctx.q.receiver)
                               : std::to_string(std::time(nullptr));
            break;
        default:
            out.error = true;
            return out;
        }
        // Split on the delimiters, optionally reverse, keep the rightmost parts, join by '.'.
        if (delims.empty()) {
            delims = ".";
        }
        std::vector<std::string> parts;
        std::string cur;
        for (const char c : value) {
            if (delims.find(c) != std::string::npos) {
                parts.push_back(cur);
                cur.clear();
            } else {
                cur += c;
            }
        }
        parts.push_back(cur);
        if (reverse) {
            std::reverse(parts.begin(), parts.end());
        }
        if (has_digits && static_cast<std::size_t>(keep) < parts.size()) {
            parts.erase(parts.begin(), parts.end() - keep);
        }
        std::string joined;
        for (std::size_t k = 0; k < parts.size(); ++k) {
            joined += k == 0 ? "" : ".";
            joined += parts[k];
        }
        out.text += upper ? url_escape(joined) : joined;
        i = j;
    }
    return out;
}

/// A domain-spec expanded into a name to look up: too long ones lose leftmost labels.
std::optional<Expanded> target_name(Ctx& ctx, std::string_view spec, std::string_view domain) {
    if (spec.empty()) {
        return Expanded{std::string(domain), false};
    }
    auto e = expand(ctx, spec, domain, false);
    if (!e || e->error) {
        return e;
    }
    auto& t = e->text;
    while (t.size() > 253) {
        const auto dot = t.find('.');
        if (dot == std::string::npos) {
            break;
        }
        t.erase(0, dot + 1);
    }
    return e;
}

} // namespace rblscope::spf_detail
