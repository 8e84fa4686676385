// SPF record syntax (RFC 7208 section 12): terms, dual CIDR lengths, macro strings and
// domain-spec endings. Everything is checked before evaluation: a syntax error anywhere
// makes the whole record a permerror (section 4.6).

#include "core/sanitize.hpp"
#include "core/text.hpp"
#include "rblscope/spf.hpp"
#include "vet/spf_internal.hpp"

#include <algorithm>
#include <array>
#include <fmt/format.h>

namespace rblscope {

namespace spf_detail {

bool is_alpha(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_digit(char c) {
    return c >= '0' && c <= '9';
}
bool is_alnum(char c) {
    return is_alpha(c) || is_digit(c);
}

bool is_macro_letter(char c) {
    static constexpr std::string_view k_letters = "slodiphcrtvSLODIPHCRTV";
    return k_letters.find(c) != std::string_view::npos;
}

bool is_delimiter(char c) {
    static constexpr std::string_view k_delimiters = ".-+,/_=";
    return k_delimiters.find(c) != std::string_view::npos;
}

std::string check_macro_string(std::string_view s) {
    for (std::size_t i = 0; i < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c < 0x21 || c > 0x7e) {
            return "a character that is not visible ASCII";
        }
        if (c != '%') {
            continue;
        }
        if (i + 1 >= s.size()) {
            return "a lone '%' at the end";
        }
        const char n = s[i + 1];
        if (n == '%' || n == '_' || n == '-') {
            ++i;
            continue;
        }
        if (n != '{') {
            return fmt::format("'%{}' is not a macro", n);
        }
        std::size_t j = i + 2;
        if (j >= s.size() || !is_macro_letter(s[j])) {
            return "a macro without a valid letter";
        }
        ++j;
        while (j < s.size() && is_digit(s[j])) {
            ++j;
        }
        if (j < s.size() && (s[j] == 'r' || s[j] == 'R')) {
            ++j;
        }
        while (j < s.size() && is_delimiter(s[j])) {
            ++j;
        }
        if (j >= s.size() || s[j] != '}') {
            return "an unterminated or malformed macro";
        }
        i = j;
    }
    return {};
}

/// toplabel = ( *alphanum ALPHA *alphanum ) / ( 1*alphanum "-" *( alphanum / "-" ) alphanum )
bool is_toplabel(std::string_view l) {
    if (l.empty() || !is_alnum(l.front()) || !is_alnum(l.back())) {
        return false;
    }
    bool letter_or_hyphen = false;
    for (const char c : l) {
        if (!is_alnum(c) && c != '-') {
            return false;
        }
        letter_or_hyphen = letter_or_hyphen || is_alpha(c) || c == '-';
    }
    return letter_or_hyphen;
}

std::string check_domain_spec(std::string_view s) {
    if (s.empty()) {
        return "an empty domain";
    }
    if (auto bad = check_macro_string(s); !bad.empty()) {
        return bad;
    }
    // c, r and t belong to explanation texts only (section 7.3).
    for (std::size_t i = 0; i + 2 < s.size(); ++i) {
        if (s[i] == '%' && s[i + 1] == '%') {
            ++i;
        } else if (s[i] == '%' && s[i + 1] == '{' &&
                   std::string_view("crtCRT").find(s[i + 2]) != std::string_view::npos) {
            return fmt::format("the macro %{{{}}} is only allowed in explanations", s[i + 2]);
        }
    }
    if (s.back() == '}') {
        return {}; // ends with a macro-expand
    }
    auto body = s;
    if (body.back() == '.') {
        body.remove_suffix(1);
    }
    const auto dot = body.rfind('.');
    if (dot == std::string_view::npos) {
        return "a domain without a dot";
    }
    if (!is_toplabel(body.substr(dot + 1))) {
        return fmt::format("\"{}\" is not a valid top label", body.substr(dot + 1));
    }
    return {};
}

bool valid_explain_string(std::string_view s) {
    while (!s.empty()) {
        const auto sp = s.find(' ');
        if (!check_macro_string(s.substr(0, sp)).empty()) {
            return false;
        }
        s.remove_prefix(sp == std::string_view::npos ? s.size() : sp + 1);
    }
    return true;
}

/// "/N" with no leading zero and N <= max; `s` is the digits after '/'.
bool parse_cidr(std::string_view s, int max, int& out) {
    if (s.empty() || s.size() > 3 || !std::all_of(s.begin(), s.end(), is_digit) ||
        (s.size() > 1 && s[0] == '0')) {
        return false;
    }
    int v = 0;
    for (const char c : s) {
        v = v * 10 + (c - '0');
    }
    if (v > max) {
        return false;
    }
    out = v;
    return true;
}

} // namespace spf_detail

using namespace spf_detail;

namespace {

/// Splits a trailing dual-cidr-length ("/24", "//64", "/24//64") off `value`.
std::string take_dual_cidr(std::string_view& value, SpfTerm& t) {
    const auto dd = value.find("//");
    if (dd != std::string_view::npos) {
        if (!parse_cidr(value.substr(dd + 2), 128, t.cidr6)) {
            return "a bad IPv6 prefix length";
        }
        value = value.substr(0, dd);
    }
    const auto slash = value.rfind('/');
    if (slash != std::string_view::npos) {
        const auto digits = value.substr(slash + 1);
        // Only digits make a prefix length: a domain-spec may hold '/' itself
        // ("a:foo:bar/baz.example.com", or a macro delimiter in "%{d/}").
        if (!digits.empty() && std::all_of(digits.begin(), digits.end(), is_digit)) {
            if (!parse_cidr(digits, 32, t.cidr4)) {
                return "a bad IPv4 prefix length";
            }
            value = value.substr(0, slash);
        }
    }
    return {};
}

std::string parse_term(std::string_view tok, SpfRecord& rec) {
    SpfTerm t;
    std::string_view rest = tok;
    const bool qualified =
        !rest.empty() && std::string_view("+-~?").find(rest[0]) != std::string_view::npos;
    if (qualified) {
        t.qualifier = rest[0];
        rest.remove_prefix(1);
    }
    std::size_t n = 0;
    if (n < rest.size() && is_alpha(rest[n])) {
        ++n;
        while (n < rest.size() &&
               (is_alnum(rest[n]) || rest[n] == '-' || rest[n] == '_' || rest[n] == '.')) {
            ++n;
        }
    }
    if (n == 0) {
        return "it does not start with a mechanism or modifier name";
    }
    t.name = ascii_lower(rest.substr(0, n));
    rest.remove_prefix(n);
    if (!rest.empty() && rest[0] == '=') {
        if (qualified) {
            return "a modifier cannot have a qualifier";
        }
        t.modifier = true;
        t.value = std::string(rest.substr(1));
        if (t.name == "redirect" || t.name == "exp") {
            for (const auto& o : rec.terms) {
                if (o.modifier && o.name == t.name) {
                    return fmt::format("'{}' appears twice", t.name);
                }
            }
            if (auto bad = check_domain_spec(t.value); !bad.empty()) {
                return bad;
            }
        } else if (auto bad = check_macro_string(t.value); !bad.empty()) {
            return bad;
        }
        rec.terms.push_back(std::move(t));
        return {};
    }
    static constexpr std::array<std::string_view, 8> k_mechanisms{
        "all", "include", "a", "mx", "ptr", "ip4", "ip6", "exists"};
    if (std::find(k_mechanisms.begin(), k_mechanisms.end(), t.name) == k_mechanisms.end()) {
        return fmt::format("unknown mechanism '{}'", t.name);
    }
    const bool has_colon = !rest.empty() && rest[0] == ':';
    std::string_view value = has_colon ? rest.substr(1) : std::string_view{};
    if (!has_colon && !rest.empty() && rest[0] != '/') {
        return fmt::format("'{}' is followed by '{}'", t.name, rest);
    }
    if (t.name == "all") {
        if (!rest.empty()) {
            return "'all' takes no value";
        }
    } else if (t.name == "include" || t.name == "exists") {
        if (!has_colon) {
            return fmt::format("'{}' needs ':domain'", t.name);
        }
        if (auto bad = check_domain_spec(value); !bad.empty()) {
            return bad;
        }
        t.value = std::string(value);
    } else if (t.name == "a" || t.name == "mx") {
        std::string_view v = has_colon ? value : rest;
        if (auto bad = take_dual_cidr(v, t); !bad.empty()) {
            return bad;
        }
        if (has_colon) {
            if (auto bad = check_domain_spec(v); !bad.empty()) {
                return bad;
            }
            t.value = std::string(v);
        } else if (!v.empty()) {
            return "unexpected text";
        }
    } else if (t.name == "ptr") {
        if (!rest.empty() && !has_colon) {
            return "'ptr' takes only ':domain'";
        }
        if (has_colon) {
            if (auto bad = check_domain_spec(value); !bad.empty()) {
                return bad;
            }
            t.value = std::string(value);
        }
    } else { // ip4, ip6
        if (!has_colon) {
            return fmt::format("'{}' needs an address", t.name);
        }
        const bool v4 = t.name == "ip4";
        auto addr = value;
        if (const auto slash = value.find('/'); slash != std::string_view::npos) {
            addr = value.substr(0, slash);
            if (!parse_cidr(value.substr(slash + 1), v4 ? 32 : 128, v4 ? t.cidr4 : t.cidr6)) {
                return "a bad prefix length";
            }
        }
        const auto ip = IpAddress::parse_exact(addr);
        if (!ip || ip->is_v4() != v4) {
            return fmt::format("\"{}\" is not an {} address", addr, v4 ? "IPv4" : "IPv6");
        }
        t.value = std::string(addr);
    }
    rec.terms.push_back(std::move(t));
    return {};
}

} // namespace

Result<SpfRecord> parse_spf_record(std::string_view text) {
    if (text.size() < 6 || ascii_lower(text.substr(0, 6)) != "v=spf1" ||
        (text.size() > 6 && text[6] != ' ')) {
        return Error{"not an SPF record (it must start with \"v=spf1\")", ""};
    }
    SpfRecord rec;
    std::string_view rest = text.substr(6);
    while (!rest.empty()) {
        const auto sp = rest.find(' ');
        const auto tok = rest.substr(0, sp);
        rest.remove_prefix(sp == std::string_view::npos ? rest.size() : sp + 1);
        if (tok.empty()) {
            continue;
        }
        if (auto bad = parse_term(tok, rec); !bad.empty()) {
            return Error{sanitize_text(bad, 300), sanitize_text(tok, 100)};
        }
    }
    return rec;
}

std::string_view to_string(SpfResult r) noexcept {
    switch (r) {
    case SpfResult::none:
        return "none";
    case SpfResult::neutral:
        return "neutral";
    case SpfResult::pass:
        return "pass";
    case SpfResult::fail:
        return "fail";
    case SpfResult::softfail:
        return "softfail";
    case SpfResult::temperror:
        return "temperror";
    case SpfResult::permerror:
        return "permerror";
    }
    return "?";
}

std::string_view to_string(DnsType t) noexcept {
    switch (t) {
    case DnsType::a:
        return "A";
    case DnsType::aaaa:
        return "AAAA";
    case DnsType::mx:
        return "MX";
    case DnsType::txt:
        return "TXT";
    case DnsType::ptr:
        return "PTR";
    }
    return "?";
}

} // namespace rblscope
