// check_host() (RFC 7208 sections 4-8) over a DnsView. Every function that may need DNS
// returns an optional: nullopt means "stopped: ctx.need names the missing answer".

#include "core/sanitize.hpp"
#include "core/text.hpp"
#include "rblscope/spf.hpp"
#include "vet/spf_context.hpp"
#include "vet/spf_internal.hpp"

#include <algorithm>
#include <ctime>
#include <fmt/format.h>

namespace rblscope {

using namespace spf_detail;

namespace {

constexpr int k_max_dns_terms = 10;   // section 4.6.4
constexpr int k_max_void_lookups = 2; // section 4.6.4

bool prefix_match(const IpAddress& a, const IpAddress& b, int bits) {
    if (a.family() != b.family()) {
        return false;
    }
    const auto& x = a.bytes();
    const auto& y = b.bytes();
    int i = 0;
    for (; bits >= 8; bits -= 8, ++i) {
        if (x[static_cast<std::size_t>(i)] != y[static_cast<std::size_t>(i)]) {
            return false;
        }
    }
    if (bits == 0) {
        return true;
    }
    const auto mask = static_cast<std::uint8_t>(0xff << (8 - bits));
    return (x[static_cast<std::size_t>(i)] & mask) == (y[static_cast<std::size_t>(i)] & mask);
}

enum class Match : std::uint8_t { yes, no, temperror, permerror };

/// One void lookup more; past the limit the evaluation is a permerror.
Match count_void(Ctx& ctx) {
    if (++ctx.voids > k_max_void_lookups) {
        ctx.problem = fmt::format("more than {} DNS lookups found nothing", k_max_void_lookups);
        return Match::permerror;
    }
    return Match::no;
}

std::optional<SpfOutcome> check_host(Ctx& ctx, const std::string& domain, int depth);

/// Addresses of `name` (A or AAAA by the client's family) against the client with CIDRs.
std::optional<Match>
match_addresses(Ctx& ctx, const std::string& name, const SpfTerm& t, bool count_voids) {
    if (!valid_dns_name(name)) {
        return count_voids ? count_void(ctx) : Match::no;
    }
    const bool v4 = ctx.q.ip.is_v4();
    const auto* a = ask(ctx, name, v4 ? DnsType::a : DnsType::aaaa);
    if (a == nullptr) {
        return std::nullopt;
    }
    if (a->status == DnsAnswer::Status::error) {
        ctx.problem = fmt::format("DNS error looking up {} of {}", v4 ? "A" : "AAAA", name);
        return Match::temperror;
    }
    if (a->status == DnsAnswer::Status::nxdomain || a->data.empty()) {
        return count_voids ? count_void(ctx) : Match::no;
    }
    const int bits = v4 ? (t.cidr4 < 0 ? 32 : t.cidr4) : (t.cidr6 < 0 ? 128 : t.cidr6);
    for (const auto& text : a->data) {
        if (const auto ip = IpAddress::parse(text); ip && prefix_match(*ip, ctx.q.ip, bits)) {
            return Match::yes;
        }
    }
    return Match::no;
}

std::optional<Match> evaluate(Ctx& ctx, const SpfTerm& t, const std::string& domain, int depth) {
    if (t.name == "all") {
        return Match::yes;
    }
    if (t.name == "ip4" || t.name == "ip6") {
        const auto net = IpAddress::parse(t.value);
        const bool v4 = t.name == "ip4";
        if (!net || net->is_v4() != ctx.q.ip.is_v4()) {
            return Match::no;
        }
        const int bits = v4 ? (t.cidr4 < 0 ? 32 : t.cidr4) : (t.cidr6 < 0 ? 128 : t.cidr6);
        return prefix_match(*net, ctx.q.ip, bits) ? Match::yes : Match::no;
    }
    // Everything else costs a DNS-querying term.
    if (++ctx.lookups > k_max_dns_terms) {
        ctx.problem = fmt::format("more than {} DNS-querying terms", k_max_dns_terms);
        return Match::permerror;
    }
    auto target = target_name(ctx, t.value, domain);
    if (!target) {
        return std::nullopt;
    }
    if (target->error) {
        ctx.problem = fmt::format("a macro not allowed in '{}'", t.name);
        return Match::permerror;
    }
    const auto& name = target->text;
    if (t.name == "a") {
        return match_addresses(ctx, normalize_name(name), t, true);
    }
    if (t.name == "mx") {
        if (!valid_dns_name(normalize_name(name))) {
            return count_void(ctx);
        }
        const auto* mx = ask(ctx, name, DnsType::mx);
        if (mx == nullptr) {
            return std::nullopt;
        }
        if (mx->status == DnsAnswer::Status::error) {
            ctx.problem = fmt::format("DNS error looking up MX of {}", name);
            return Match::temperror;
        }
        if (mx->status == DnsAnswer::Status::nxdomain || mx->data.empty()) {
            return count_void(ctx);
        }
        if (mx->data.size() > k_max_names) {
            ctx.problem = fmt::format("{} has more than {} MX records", name, k_max_names);
            return Match::permerror;
        }
        for (const auto& exchange : mx->data) {
            auto m = match_addresses(ctx, normalize_name(exchange), t, false);
            if (!m || *m != Match::no) {
                return m;
            }
        }
        return Match::no;
    }
    if (t.name == "ptr") {
        const auto* ptr = ask(ctx, reverse_name(ctx.q.ip), DnsType::ptr);
        if (ptr == nullptr) {
            return std::nullopt;
        }
        if (ptr->status != DnsAnswer::Status::ok) {
            return ptr->status == DnsAnswer::Status::nxdomain ? count_void(ctx) : Match::no;
        }
        const auto target_lc = normalize_name(name);
        for (std::size_t i = 0; i < ptr->data.size() && i < k_max_names; ++i) {
            const auto n = normalize_name(ptr->data[i]);
            if (!valid_dns_name(n) || (n != target_lc && !n.ends_with("." + target_lc))) {
                continue;
            }
            const auto* addrs = ask(ctx, n, ctx.q.ip.is_v4() ? DnsType::a : DnsType::aaaa);
            if (addrs == nullptr) {
                return std::nullopt;
            }
            for (const auto& text : addrs->data) {
                if (const auto ip = IpAddress::parse(text); ip && *ip == ctx.q.ip) {
                    return Match::yes;
                }
            }
        }
        return Match::no;
    }
    if (t.name == "exists") {
        if (!valid_dns_name(normalize_name(name))) {
            return count_void(ctx);
        }
        const auto* a = ask(ctx, name, DnsType::a); // always A, whatever the client's family
        if (a == nullptr) {
            return std::nullopt;
        }
        if (a->status == DnsAnswer::Status::error) {
            ctx.problem = fmt::format("DNS error looking up {}", name);
            return Match::temperror;
        }
        if (a->status == DnsAnswer::Status::nxdomain || a->data.empty()) {
            return count_void(ctx);
        }
        return Match::yes;
    }
    // include
    auto inner = check_host(ctx, normalize_name(name), depth + 1);
    if (!inner) {
        return std::nullopt;
    }
    switch (inner->result) {
    case SpfResult::pass:
        ctx.include_record = inner->record;
        return Match::yes;
    case SpfResult::fail:
    case SpfResult::softfail:
    case SpfResult::neutral:
        return Match::no;
    case SpfResult::temperror:
        return Match::temperror;
    case SpfResult::none:
        ctx.problem = fmt::format("include:{} has no SPF record", name);
        return Match::permerror;
    case SpfResult::permerror:
        return Match::permerror;
    }
    return Match::permerror;
}

SpfResult result_of(char qualifier) {
    switch (qualifier) {
    case '-':
        return SpfResult::fail;
    case '~':
        return SpfResult::softfail;
    case '?':
        return SpfResult::neutral;
    default:
        return SpfResult::pass;
    }
}

std::string term_text(const SpfTerm& t) {
    std::string s;
    if (t.qualifier != '+') {
        s += t.qualifier;
    }
    s += t.name;
    if (!t.value.empty()) {
        s += (t.modifier ? "=" : ":") + t.value;
    }
    if (t.cidr4 >= 0) {
        s += fmt::format("/{}", t.cidr4);
    }
    if (t.cidr6 >= 0) {
        s += t.name == "ip6" ? fmt::format("/{}", t.cidr6) : fmt::format("//{}", t.cidr6);
    }
    return s;
}

/// The exp= text for a fail, or "" when there is none (errors give none, section 6.2).
std::optional<std::string>
explanation(Ctx& ctx, const std::string& spec, const std::string& domain) {
    auto target = target_name(ctx, spec, domain);
    if (!target) {
        return std::nullopt;
    }
    if (target->error || !valid_dns_name(normalize_name(target->text))) {
        return std::string();
    }
    const auto* txt = ask(ctx, target->text, DnsType::txt);
    if (txt == nullptr) {
        return std::nullopt;
    }
    if (txt->status != DnsAnswer::Status::ok || txt->data.size() != 1 ||
        !valid_explain_string(txt->data[0])) {
        return std::string();
    }
    auto text = expand(ctx, txt->data[0], domain, true);
    if (!text) {
        return std::nullopt;
    }
    return text->error ? std::string() : text->text;
}

std::optional<SpfOutcome> check_host(Ctx& ctx, const std::string& domain, int depth) {
    SpfOutcome out;
    out.domain = domain;
    out.record = domain;
    if (depth > 20) { // a loop of includes or redirects; the lookup limit ends it sooner
        out.result = SpfResult::permerror;
        out.problem = "includes nested too deep";
        return out;
    }
    if (!valid_dns_name(domain) || domain.find('.') == std::string::npos) {
        out.result = SpfResult::none;
        out.problem = fmt::format("\"{}\" is not a valid domain name", domain);
        return out;
    }
    const auto* txt = ask(ctx, domain, DnsType::txt);
    if (txt == nullptr) {
        return std::nullopt;
    }
    if (txt->status == DnsAnswer::Status::error) {
        out.result = SpfResult::temperror;
        out.problem = fmt::format("DNS error looking up TXT of {}", domain);
        return out;
    }
    std::vector<const std::string*> records;
    for (const auto& r : txt->data) {
        if (r.size() >= 6 && ascii_lower(r.substr(0, 6)) == "v=spf1" &&
            (r.size() == 6 || r[6] == ' ')) {
            records.push_back(&r);
        }
    }
    if (records.empty()) {
        out.result = SpfResult::none;
        out.problem = fmt::format("{} has no SPF record", domain);
        return out;
    }
    if (records.size() > 1) {
        out.result = SpfResult::permerror;
        out.problem = fmt::format("{} has {} SPF records", domain, records.size());
        return out;
    }
    auto rec = parse_spf_record(*records[0]);
    if (!rec) {
        out.result = SpfResult::permerror;
        out.problem = fmt::format("the SPF record of {} is invalid at \"{}\": {}",
                                  domain,
                                  rec.error().where,
                                  rec.error().message);
        return out;
    }
    const SpfTerm* redirect = nullptr;
    const SpfTerm* exp = nullptr;
    for (const auto& t : rec->terms) {
        if (t.modifier && t.name == "redirect") {
            redirect = &t;
        } else if (t.modifier && t.name == "exp") {
            exp = &t;
        }
    }
    for (const auto& t : rec->terms) {
        if (t.modifier) {
            continue;
        }
        auto m = evaluate(ctx, t, domain, depth);
        if (!m) {
            return std::nullopt;
        }
        if (*m == Match::no) {
            continue;
        }
        if (*m == Match::temperror || *m == Match::permerror) {
            out.result = *m == Match::temperror ? SpfResult::temperror : SpfResult::permerror;
            out.mechanism = term_text(t);
            out.problem = ctx.problem;
            return out;
        }
        out.result = result_of(t.qualifier);
        out.mechanism = term_text(t);
        if (t.name == "include") {
            out.record = ctx.include_record;
        }
        if (out.result == SpfResult::fail && exp != nullptr) {
            auto text = explanation(ctx, exp->value, domain);
            if (!text) {
                return std::nullopt;
            }
            out.explanation = *text;
        }
        return out;
    }
    if (redirect != nullptr) {
        if (++ctx.lookups > k_max_dns_terms) {
            out.result = SpfResult::permerror;
            out.problem = fmt::format("more than {} DNS-querying terms", k_max_dns_terms);
            return out;
        }
        auto target = target_name(ctx, redirect->value, domain);
        if (!target) {
            return std::nullopt;
        }
        if (target->error) {
            out.result = SpfResult::permerror;
            out.problem = "a macro not allowed in redirect=";
            return out;
        }
        auto inner = check_host(ctx, normalize_name(target->text), depth + 1);
        if (!inner) {
            return std::nullopt;
        }
        if (inner->result == SpfResult::none) {
            inner->result = SpfResult::permerror;
            inner->problem = fmt::format("redirect={} has no SPF record", target->text);
        }
        return inner;
    }
    out.result = SpfResult::neutral;
    out.mechanism = "(no match: default)";
    return out;
}

} // namespace

SpfOutcome spf_check(const SpfQuery& query, const DnsView& dns) {
    Ctx ctx{query, dns, {}, {}, {}, 0, 0, std::nullopt, {}, {}, {}};
    ctx.sender = query.sender.empty() ? "postmaster@" + query.helo : query.sender;
    const auto at = ctx.sender.rfind('@');
    if (at == std::string::npos) {
        ctx.local_part = "postmaster";
        ctx.sender_domain = ctx.sender;
        ctx.sender = "postmaster@" + ctx.sender;
    } else {
        ctx.local_part = at == 0 ? "postmaster" : ctx.sender.substr(0, at);
        ctx.sender_domain = ctx.sender.substr(at + 1);
    }
    auto out = check_host(ctx, normalize_name(ctx.sender_domain), 0);
    if (!out) {
        SpfOutcome pending;
        pending.need = ctx.need;
        pending.dns_lookups = ctx.lookups;
        pending.void_lookups = ctx.voids;
        return pending;
    }
    out->dns_lookups = ctx.lookups;
    out->void_lookups = ctx.voids;
    if (out->problem.empty() &&
        (out->result == SpfResult::permerror || out->result == SpfResult::temperror)) {
        out->problem = ctx.problem;
    }
    // Names and terms come from DNS and the sender: shown to people, so made printable.
    for (auto* text : {&out->domain, &out->mechanism, &out->explanation, &out->problem}) {
        *text = sanitize_text(*text, 512);
    }
    return *out;
}

} // namespace rblscope
