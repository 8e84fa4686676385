#include "core/catalog_fields.hpp"

#include "core/sanitize.hpp"
#include "rblscope/target.hpp"

#include <algorithm>
#include <cctype>
#include <fmt/format.h>

namespace rblscope::catalog_detail {

using toml_read::from_name;
using toml_read::names_of;
using toml_read::to_name;

namespace {

/// "127.0.*.255" -> (value, mask of the fixed octets); none unless it is four octets, each
/// a number 0..255 or "*".
std::optional<std::pair<std::uint32_t, std::uint32_t>> parse_code_pattern(std::string_view text) {
    std::uint32_t value = 0;
    std::uint32_t mask = 0;
    int octets = 0;
    std::size_t start = 0;
    while (start <= text.size()) {
        const auto dot = std::min(text.find('.', start), text.size());
        const auto part = text.substr(start, dot - start);
        if (++octets > 4 || part.empty()) {
            return std::nullopt;
        }
        value <<= 8;
        mask <<= 8;
        if (part != "*") {
            unsigned n = 0;
            for (const char c : part) {
                if (c < '0' || c > '9' || part.size() > 3) {
                    return std::nullopt;
                }
                n = n * 10 + static_cast<unsigned>(c - '0');
            }
            if (n > 255) {
                return std::nullopt;
            }
            value |= n;
            mask |= 0xffu;
        }
        start = dot + 1;
    }
    if (octets != 4) {
        return std::nullopt;
    }
    return std::pair{value, mask};
}

} // namespace

bool valid_id(std::string_view id) {
    if (id.empty() || id.size() > 64 || !std::isalnum(static_cast<unsigned char>(id[0]))) {
        return false;
    }
    return std::all_of(id.begin(), id.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
    });
}

std::string bad_id(std::string_view what, std::string_view id) {
    return fmt::format("{}: id \"{}\" must be lowercase letters, digits, '-', '.' or '_' "
                       "(at most 64)",
                       what,
                       sanitize_text(id, 80));
}

using toml_read::from_name;
using toml_read::names_of;
using toml_read::to_name;

std::vector<CodeRule>
read_codes(Reader& r, const toml::table& t, std::string_view what, Severity default_severity) {
    std::vector<CodeRule> out;
    const auto* node = t.get("codes");
    if (node == nullptr) {
        return out;
    }
    const auto* arr = node->as_array();
    if (arr == nullptr) {
        r.fail(*node, fmt::format("{}: 'codes' must be an array of tables", what));
        return out;
    }
    for (const auto& el : *arr) {
        const auto* ct = el.as_table();
        if (ct == nullptr) {
            r.fail(el,
                   fmt::format("{}: each code must be a table like {{ code = \"127.0.0.2\", "
                               "meaning = \"...\" }}",
                               what));
            continue;
        }
        r.only_keys(*ct, {"code", "bit", "meaning", "severity"}, what);
        CodeRule rule;
        rule.meaning = r.string(*ct, "meaning", what).value_or("");
        rule.severity = r.choice(*ct, "severity", what, k_severities).value_or(default_severity);
        const auto code = r.string(*ct, "code", what);
        const auto* bit = ct->get("bit");
        if (code.has_value() == (bit != nullptr)) {
            r.fail(el,
                   fmt::format("{}: a code needs exactly one of 'code' (address or CIDR) "
                               "or 'bit' (bitmask on the last octet)",
                               what));
            continue;
        }
        if (bit != nullptr) {
            const auto v = bit->value<std::int64_t>();
            if (!v || *v <= 0 || *v > 255) {
                r.fail(*bit, fmt::format("{}: 'bit' must be an integer 1..255", what));
                continue;
            }
            rule.match = CodeRule::Match::bitmask;
            rule.value = static_cast<std::uint32_t>(*v);
        } else if (code->find('*') != std::string::npos) {
            const auto pattern = parse_code_pattern(*code);
            if (!pattern) {
                r.fail(*ct->get("code"),
                       fmt::format("{}: code \"{}\" is not a pattern of four octets, each a "
                                   "number or * (like \"127.0.*.255\")",
                                   what,
                                   *code));
                continue;
            }
            rule.match = CodeRule::Match::pattern;
            rule.value = pattern->first;
            rule.mask = pattern->second;
        } else if (code->find('/') != std::string::npos) {
            auto c = Cidr::parse(*code);
            if (!c || !c->network().is_v4()) {
                r.fail(*ct->get("code"),
                       fmt::format(
                           "{}: code \"{}\" is not an IPv4 address or CIDR block", what, *code));
                continue;
            }
            rule.match = CodeRule::Match::cidr;
            rule.value = c->network().v4_value();
            rule.prefix = c->prefix();
        } else {
            auto ip = IpAddress::parse(*code);
            if (!ip || !ip->is_v4()) {
                r.fail(*ct->get("code"),
                       fmt::format("{}: code \"{}\" is not an IPv4 address", what, *code));
                continue;
            }
            rule.match = CodeRule::Match::exact;
            rule.value = ip->v4_value();
        }
        out.push_back(std::move(rule));
    }
    return out;
}

bool valid_zone_name(std::string_view zone) {
    std::string probe(zone);
    if (const auto k = probe.find("{key}"); k != std::string::npos) {
        probe.replace(k, 5, "key");
    }
    return is_valid_hostname(probe);
}

bool valid_url_template(std::string_view url) {
    if (!(url.starts_with("https://") || url.starts_with("http://"))) {
        return false;
    }
    return std::none_of(url.begin(), url.end(), [](char c) {
        return static_cast<unsigned char>(c) <= 0x20 || c == '"' || c == '<' || c == '>' ||
               c == '\\';
    });
}

std::optional<TestPoint> test_point(Reader& r,
                                    const toml::table& t,
                                    std::string_view key,
                                    std::string_view what,
                                    const Zone& z,
                                    std::string_view dflt) {
    const auto s = r.string(t, key, what);
    const std::string v = s.value_or(std::string(dflt));
    if (v.empty()) {
        return std::nullopt;
    }
    if (z.takes_ip() && !IpAddress::parse(v)) {
        r.fail(*t.get(key), fmt::format("{}: {} \"{}\" is not an IP address", what, key, v));
    } else if (z.kind == ZoneKind::domain && !is_valid_hostname(v + ".test")) {
        r.fail(*t.get(key), fmt::format("{}: {} \"{}\" is not a domain name", what, key, v));
    }
    return TestPoint{v};
}

} // namespace rblscope::catalog_detail

namespace rblscope {

// The catalog checks adapter names against this list, so it lives in core; the sources
// layer's unit test checks that it names exactly the adapters there are (adapter_names()).
const std::vector<std::string_view>& http_adapter_names() {
    static const std::vector<std::string_view> names = {
        "abuseipdb",
        "google-postmaster",
        "google-postmaster-compliance",
        "ripestat-abuse-contact",
        "ripestat-blocklist",
        "ripestat-network",
        "snds-data",
        "snds-ipstatus",
        "spamhaus-asndrop",
        "spamhaus-drop",
        "stopforumspam",
    };
    return names;
}

} // namespace rblscope
