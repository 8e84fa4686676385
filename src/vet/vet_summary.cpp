// finish_vet(): from each address's findings to the report: which addresses --helo is
// judged for, grades, listings by list, the SPF changes for the whole run, who filters each
// recipient domain's mail, and the exit status.

#include "core/text.hpp"
#include "rblscope/verdict.hpp"
#include "rblscope/vet.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <set>

namespace rblscope {

namespace {

std::string bare_name(std::string_view s) {
    auto out = ascii_lower(s);
    while (!out.empty() && out.back() == '.') {
        out.pop_back();
    }
    return out;
}

/// A single --helo names some hosts, not every address vetted with it: it is judged for the
/// addresses it resolves to, whose PTR it is, or that came from that host name. When it
/// names none of them it is judged for all (it is then wrong for every one).
std::string limit_helo(std::vector<AddressVet>& all) {
    if (all.empty() || all.front().ptr.helo.empty()) {
        return {};
    }
    const auto helo = bare_name(all.front().ptr.helo);
    std::vector<std::string> users;
    for (const auto& a : all) {
        const auto ip = a.ip.to_string(); // an address vetted twice (host and block) counts once
        if ((a.ptr.helo_resolves || a.ptr.helo_matches || bare_name(a.target) == helo) &&
            std::find(users.begin(), users.end(), ip) == users.end()) {
            users.push_back(ip);
        }
    }
    std::set<IpAddress> distinct;
    for (const auto& a : all) {
        distinct.insert(a.ip);
    }
    if (users.empty() || users.size() == distinct.size()) {
        return {};
    }
    for (auto& a : all) {
        a.ptr.helo_judged =
            a.ptr.helo_resolves || a.ptr.helo_matches || bare_name(a.target) == helo;
    }
    constexpr std::size_t k_named = 8;
    const auto more = users.size() > k_named ? users.size() - k_named : 0;
    users.resize(std::min(users.size(), k_named));
    return fmt::format("HELO {} is judged for the {} address{} it names ({}{}), not for the "
                       "others",
                       helo,
                       users.size() + more,
                       users.size() + more == 1 ? "" : "es",
                       fmt::join(users, ", "),
                       more > 0 ? fmt::format(" and {} more", more) : "");
}

ExitCode exit_of(Readiness r) {
    switch (r) {
    case Readiness::ready:
        return ExitCode::ok;
    case Readiness::caution:
        return ExitCode::warning;
    case Readiness::burned:
        return ExitCode::critical;
    case Readiness::unknown:
        break;
    }
    return ExitCode::unknown;
}

/// Each failing address's fix names the one change that covers it.
void point_fixes_at(std::vector<AddressVet>& all, const std::vector<SpfChange>& changes) {
    for (auto& a : all) {
        if (!a.spf || !spf_needs_term(a.spf->outcome.result)) {
            continue; // a passing address of a covered block needs no fix of its own
        }
        for (const auto& c : changes) {
            const auto term = std::find_if(c.terms.begin(), c.terms.end(), [&](const auto& t) {
                const auto at = t.find(':');
                const auto cidr =
                    Cidr::parse(t.find('/') == std::string::npos
                                    ? t.substr(at + 1) + (a.ip.is_v4() ? "/32" : "/128")
                                    : t.substr(at + 1));
                return cidr && cidr->contains(a.ip);
            });
            if (term == c.terms.end()) {
                continue;
            }
            const auto shared = c.addresses > 1
                                    ? fmt::format(" (one change for {} addresses)", c.addresses)
                                    : std::string();
            a.spf->fix = c.publish ? fmt::format("publish an SPF record for {}, e.g. \"v=spf1 {} "
                                                 "~all\"{}",
                                                 c.record,
                                                 fmt::join(c.terms, " "),
                                                 shared)
                                   : fmt::format("add {} to the SPF record of {} (before its all "
                                                 "term){}",
                                                 *term,
                                                 c.record,
                                                 shared);
            break;
        }
    }
}

} // namespace

std::string grade_summary(const VetReport& report) {
    const auto count = [&](Readiness r) {
        const auto it = report.grades.find(r);
        return it == report.grades.end() ? 0 : it->second;
    };
    const auto n = report.addresses.size();
    return fmt::format("{} address{}: {} ready, {} caution, {} burned{}",
                       n,
                       n == 1 ? "" : "es",
                       count(Readiness::ready),
                       count(Readiness::caution),
                       count(Readiness::burned),
                       count(Readiness::unknown) > 0
                           ? fmt::format(", {} unknown", count(Readiness::unknown))
                           : "");
}

void grade(AddressVet& a, const DomainVet& domain) {
    std::vector<std::string> burned;
    std::vector<std::string> caution;
    if (a.blocklists) {
        const auto& b = *a.blocklists;
        std::vector<std::string> critical;
        std::vector<std::string> policy;
        for (const auto& r : b.results) {
            if (r.status != Status::listed || r.zone->role == ZoneRole::allow ||
                r.zone->role == ZoneRole::info) {
                continue;
            }
            const auto what = fmt::format(
                "{} ({})",
                r.zone->zone,
                r.meaning.empty() ? fmt::format("{}", fmt::join(r.codes, ", ")) : r.meaning);
            (r.severity == Severity::critical ? critical : policy).push_back(what);
        }
        if (!critical.empty()) {
            burned.push_back(fmt::format("listed on {}: {}",
                                         critical.size() == 1
                                             ? "a blocklist"
                                             : fmt::format("{} blocklists", critical.size()),
                                         fmt::join(critical, "; ")));
        }
        if (!policy.empty()) {
            caution.push_back(fmt::format("policy listing: {}", fmt::join(policy, "; ")));
        }
        if (b.errors + b.timeouts > 0) {
            const int n = b.errors + b.timeouts;
            caution.push_back(
                fmt::format("{} blocklist{} could not be asked", n, n == 1 ? "" : "s"));
        }
    }
    const auto& p = a.ptr;
    if (p.status == DnsAnswer::Status::error) {
        caution.push_back("the PTR lookup failed (DNS error)");
    } else if (p.names.empty()) {
        caution.push_back("no PTR record: most receivers refuse or throttle such senders");
    } else if (p.confirmed.empty() && p.forward_error) {
        caution.push_back(fmt::format("the PTR name {} could not be looked up (DNS error): "
                                      "forward confirmation unknown",
                                      p.names.front()));
    } else if (p.confirmed.empty()) {
        caution.push_back(fmt::format("the PTR name {} does not resolve back to {} (no FCrDNS)",
                                      p.names.front(),
                                      a.ip.to_string()));
    }
    if (p.generic) {
        caution.push_back(fmt::format("the PTR name looks generic: {}", p.generic_why));
    }
    if (!p.helo.empty() && p.helo_judged) {
        if (p.helo_status == DnsAnswer::Status::error) {
            caution.push_back(
                fmt::format("the HELO name {} could not be looked up (DNS error)", p.helo));
        } else if (!p.helo_resolves) {
            caution.push_back(
                fmt::format("the HELO name {} does not resolve to {}", p.helo, a.ip.to_string()));
        }
        if (!p.confirmed.empty() && !p.helo_matches) {
            caution.push_back(
                fmt::format("the HELO name {} differs from the PTR name {}", p.helo, p.confirmed));
        }
    }
    if (a.spf && a.spf->outcome.result != SpfResult::pass) {
        caution.push_back(fmt::format("SPF {}: {}", to_string(a.spf->outcome.result), a.spf->fix));
    }
    if (domain.dmarc) {
        const auto& d = *domain.dmarc;
        if (d.policy.empty()) {
            caution.push_back(d.problem.empty() ? fmt::format("no DMARC record at {}", d.queried)
                                                : fmt::format("DMARC: {}", d.problem));
        }
    }
    if (domain.dkim) {
        const auto& k = *domain.dkim;
        if (k.status == DnsAnswer::Status::error) {
            caution.push_back(
                fmt::format("the DKIM key at {} could not be looked up (DNS error)", k.queried));
        } else if (!k.present) {
            caution.push_back(fmt::format("no DKIM key at {}", k.queried));
        } else if (k.revoked) {
            caution.push_back(fmt::format("the DKIM key at {} is revoked (empty p=)", k.queried));
        } else if (!k.problem.empty()) {
            caution.push_back(fmt::format("DKIM key at {}: {}", k.queried, k.problem));
        } else if (k.algorithm == "rsa" && k.bits < 2048) {
            caution.push_back(fmt::format("the DKIM key is RSA {} bits: weak (use 2048)", k.bits));
        }
    }
    a.reasons = burned;
    a.reasons.insert(a.reasons.end(), caution.begin(), caution.end());
    if (!burned.empty()) {
        a.grade = Readiness::burned;
    } else if (!caution.empty()) {
        a.grade = Readiness::caution;
    } else {
        a.grade = a.blocklists ? Readiness::ready : Readiness::unknown;
    }
    if (a.grade == Readiness::unknown) {
        a.reasons.push_back("the blocklists were not checked");
    }
}

void finish_vet(VetReport& report, const BounceKnowledge& knowledge, int worst_input) {
    auto& all = report.addresses;
    report.helo_note = limit_helo(all);
    report.spf_changes = spf_changes(all, report.domain.domain);
    point_fixes_at(all, report.spf_changes);
    report.listings_by_zone.clear();
    auto exit_code = static_cast<ExitCode>(worst_input);
    for (auto& a : all) {
        if (a.blocklists) {
            for (const auto& r : a.blocklists->results) {
                if (r.status == Status::listed && r.zone->role != ZoneRole::allow &&
                    r.zone->role != ZoneRole::info) {
                    ++report.listings_by_zone[r.zone->zone];
                }
            }
        }
        grade(a, report.domain);
        ++report.grades[a.grade];
        exit_code = worst_of(exit_code, exit_of(a.grade)); // Nagios order
    }
    find_recipient_providers(report.domain, knowledge);
    report.checklists = sender_checklists(report, knowledge);
    // What was found is shown, but an interrupted vetting is incomplete.
    report.exit_code = static_cast<int>(report.interrupted ? ExitCode::unknown : exit_code);
}

} // namespace rblscope
