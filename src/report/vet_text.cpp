// The text report of `rblscope vet`: one section per address (one line each past 16), the
// domain, the SPF changes, the summary and the recipient domains.

#include "rblscope/vet.hpp"
#include "report/vet_words.hpp"

#include <algorithm>
#include <cctype>
#include <fmt/format.h>
#include <fmt/ranges.h>

namespace rblscope {

namespace {

constexpr std::size_t k_detail_limit = 16; // more addresses than this get one line each

std::string ptr_line(const PtrCheck& p) {
    if (p.status == DnsAnswer::Status::error) {
        return "DNS error";
    }
    if (p.names.empty()) {
        return "none";
    }
    std::string s = fmt::format("{}", fmt::join(p.names, ", "));
    s += p.confirmed.empty() ? ", not forward-confirmed" : ", forward-confirmed";
    if (p.generic) {
        s += ", generic (" + p.generic_why + ")";
    }
    return s;
}

std::string blocklist_line(const TargetReport& b) {
    std::vector<std::string> listed;
    for (const auto& r : b.results) {
        if (r.status == Status::listed && r.zone->role != ZoneRole::allow) {
            listed.push_back(fmt::format("{} ({})", r.zone->zone, fmt::join(r.codes, ", ")));
        }
    }
    std::string s = listed.empty()
                        ? fmt::format("clean on {} lists", b.clean)
                        : fmt::format("listed on {}: {}", listed.size(), fmt::join(listed, "; "));
    if (b.errors + b.timeouts > 0) {
        s += fmt::format(" ({} could not be asked)", b.errors + b.timeouts);
    }
    return s;
}

void print_recipients(std::FILE* out, const DomainVet& domain) {
    for (const auto& r : domain.recipients) {
        fmt::print(out, "\nRecipient domain {}\n", r.domain);
        fmt::print(out, "  MX     {}\n", mx_text(r));
        if (r.mx.empty()) {
            continue;
        }
        if (!r.provider) {
            fmt::print(out, "  filter {}\n", k_unknown_filter);
            continue;
        }
        const auto* p = &*r.provider;
        fmt::print(out, "  filter {} (by {})\n", p->name, r.provider_via);
        if (!p->checks.empty()) {
            fmt::print(out, "  checks {}\n", p->checks);
        }
        for (std::size_t i = 0; i < p->before_sending.size(); ++i) {
            fmt::print(
                out, "  {}  {}. {}\n", i == 0 ? "before" : "      ", i + 1, p->before_sending[i]);
        }
    }
}

// A provider's sender requirements, one line each: PASS / FAIL / ???? , the rule, and what
// told (or what would).
void print_checklists(std::FILE* out, const VetReport& report) {
    for (const auto& c : report.checklists) {
        fmt::print(out,
                   "\n{} sender requirements (for {})\n",
                   c.provider_name,
                   fmt::join(c.domains, ", "));
        for (const auto& item : c.items) {
            const auto state = item.state == RequirementState::pass   ? "pass"
                               : item.state == RequirementState::fail ? "FAIL"
                                                                      : "?   ";
            fmt::print(out,
                       "  {}  {}{}\n",
                       state,
                       item.requirement.rule,
                       item.requirement.applies == "bulk" ? " [bulk senders]" : "");
            if (!item.detail.empty()) {
                fmt::print(out, "        {}\n", item.detail);
            }
        }
        if (!c.items.empty()) {
            fmt::print(out, "  rules: {}\n", c.items.front().requirement.url);
        }
    }
}

void print_spf_changes(std::FILE* out, const VetReport& report) {
    if (report.spf_changes.empty()) {
        return;
    }
    fmt::print(out, "\nSPF changes\n");
    for (const auto& c : report.spf_changes) {
        const auto covers = fmt::format("{} address{}", c.addresses, c.addresses == 1 ? "" : "es");
        if (c.publish) {
            fmt::print(out,
                       "  publish at {}: \"v=spf1 {} ~all\" ({}; {})\n",
                       c.record,
                       fmt::join(c.terms, " "),
                       covers,
                       c.why);
        } else {
            fmt::print(out,
                       "  add to the record of {}: {} ({}; {})\n",
                       c.record,
                       fmt::join(c.terms, " "),
                       covers,
                       c.why);
        }
    }
}

void print_addresses(std::FILE* out, const VetReport& report) {
    const auto& all = report.addresses;
    const auto& domain = report.domain;
    const auto& dominant = report.listings_by_zone;
    const bool brief = all.size() > k_detail_limit;
    for (const auto& a : all) {
        const auto grade = std::string(to_string(a.grade));
        std::string upper = grade;
        std::transform(upper.begin(), upper.end(), upper.begin(), [](unsigned char c) {
            return static_cast<char>(std::toupper(c));
        });
        const std::string from = a.target != a.ip.to_string() ? " (" + a.target + ")" : "";
        if (brief) {
            fmt::print(out,
                       "{:<40} {:<8} {}\n",
                       a.ip.to_string() + from,
                       upper,
                       a.reasons.empty() ? std::string() : a.reasons.front());
            continue;
        }
        fmt::print(out, "{}{}  {}\n", a.ip.to_string(), from, upper);
        if (a.blocklists) {
            fmt::print(out, "  blocklists  {}\n", blocklist_line(*a.blocklists));
        }
        fmt::print(out, "  PTR         {}\n", ptr_line(a.ptr));
        if (!a.ptr.helo.empty() && a.ptr.helo_judged) {
            fmt::print(out,
                       "  HELO        {}: {}, {}\n",
                       a.ptr.helo,
                       a.ptr.helo_matches ? "matches the PTR" : "differs from the PTR",
                       a.ptr.helo_resolves ? "resolves to this address"
                                           : "does not resolve to this address");
        }
        if (a.spf) {
            const auto& o = a.spf->outcome;
            fmt::print(out,
                       "  SPF         {}: {}{}\n",
                       o.domain.empty() ? domain.domain : o.domain,
                       to_string(o.result),
                       o.mechanism.empty() ? "" : " (" + o.mechanism + ")");
            if (!a.spf->fix.empty()) {
                fmt::print(out, "              fix: {}\n", a.spf->fix);
            }
        }
        for (const auto& r : a.reasons) {
            fmt::print(out, "  - {}\n", r);
        }
        fmt::print(out, "\n");
    }
    if (!domain.domain.empty()) {
        fmt::print(out, "{}{}\n", brief ? "\n" : "", "Domain " + domain.domain);
        if (domain.dmarc) {
            const auto& d = *domain.dmarc;
            fmt::print(
                out,
                "  DMARC  {}{}\n",
                d.policy.empty()
                    ? "none"
                    : "p=" + d.policy + (d.pct != 100 ? fmt::format(" pct={}", d.pct) : ""),
                fmt::format(" ({}{})", d.queried, d.problem.empty() ? "" : ": " + d.problem));
        }
        if (domain.dkim) {
            const auto& k = *domain.dkim;
            fmt::print(out,
                       "  DKIM   {}: {}\n",
                       k.queried,
                       !k.present  ? std::string("no key")
                       : k.revoked ? std::string("revoked (empty p=)")
                       : !k.problem.empty()
                           ? k.problem
                           : fmt::format("{} {} bits{}",
                                         k.algorithm,
                                         k.bits,
                                         k.algorithm == "rsa" && k.bits < 2048 ? " (weak)" : ""));
        }
    }
    print_spf_changes(out, report);
    if (!report.helo_note.empty()) {
        fmt::print(out, "\n{}\n", report.helo_note);
    }
    fmt::print(out, "\nSummary: {}\n", grade_summary(report));
    if (!dominant.empty()) {
        std::vector<std::pair<std::string, int>> lists(dominant.begin(), dominant.end());
        std::stable_sort(lists.begin(), lists.end(), [](const auto& x, const auto& y) {
            return x.second > y.second;
        });
        std::vector<std::string> parts;
        for (std::size_t i = 0; i < lists.size() && i < 8; ++i) {
            parts.push_back(fmt::format("{} ({})", lists[i].first, lists[i].second));
        }
        fmt::print(out, "Listings by list: {}\n", fmt::join(parts, ", "));
    }
}

} // namespace

void write_vet_text(std::FILE* out, const VetReport& report) {
    if (!report.addresses.empty()) {
        print_addresses(out, report);
        const auto& c = report.context;
        if (!c.lists.empty() || !c.resolver.empty()) {
            fmt::print(out,
                       "Asked {} list{} through {}\n",
                       c.lists.size(),
                       c.lists.size() == 1 ? "" : "s",
                       c.resolver.empty() ? std::string("the system's resolver") : c.resolver);
        }
    }
    print_recipients(out, report.domain);
    print_checklists(out, report);
}

} // namespace rblscope
