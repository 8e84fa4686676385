// Providers' sender requirements (Gmail's 2024 rules: `[[provider.requirement]]` in
// lists.toml), filled in for `vet --recipient-domain`: each requirement judged by what vet
// checked itself (PTR, SPF, DKIM, DMARC of --domain) and by the provider's own view of the
// domain when it was fetched (Postmaster Tools: the spam rate and the compliance status,
// as the facts of its sources' results). The provider's verdict outranks a pass of vet's:
// it sees the real traffic.

#include "core/text.hpp"
#include "rblscope/vet.hpp"

#include <algorithm>
#include <fmt/format.h>

namespace rblscope {

namespace {

struct Judgement {
    RequirementState state = RequirementState::unknown;
    std::string detail;
};

Judgement pass(std::string detail) {
    return {RequirementState::pass, std::move(detail)};
}
Judgement fail(std::string detail) {
    return {RequirementState::fail, std::move(detail)};
}
Judgement unknown(std::string detail) {
    return {RequirementState::unknown, std::move(detail)};
}

/// "192.0.2.1, 192.0.2.2 and 3 more".
std::string some_of(const std::vector<std::string>& items) {
    std::string out;
    for (std::size_t i = 0; i < items.size() && i < 3; ++i) {
        out += (i == 0 ? "" : ", ") + items[i];
    }
    if (items.size() > 3) {
        out += fmt::format(" and {} more", items.size() - 3);
    }
    return out;
}

Judgement judge_ptr(const VetReport& report) {
    if (report.addresses.empty()) {
        return unknown("no addresses were vetted");
    }
    std::vector<std::string> missing, unsure;
    for (const auto& a : report.addresses) {
        if (!a.ptr.confirmed.empty()) {
            continue;
        }
        const bool error = a.ptr.status == DnsAnswer::Status::error || a.ptr.forward_error;
        (error ? unsure : missing).push_back(a.ip.to_string());
    }
    if (!missing.empty()) {
        return fail(fmt::format("no PTR that resolves back for {} of {} addresses: {}",
                                missing.size(),
                                report.addresses.size(),
                                some_of(missing)));
    }
    if (!unsure.empty()) {
        return unknown("DNS errors for " + some_of(unsure));
    }
    return pass(fmt::format("every vetted address ({}) has a PTR that resolves back",
                            report.addresses.size()));
}

Judgement judge_spf(const VetReport& report) {
    if (report.domain.domain.empty()) {
        return unknown("give --domain to check SPF");
    }
    std::vector<std::string> failing, unsure;
    for (const auto& a : report.addresses) {
        if (!a.spf) {
            continue;
        }
        const auto r = a.spf->outcome.result;
        if (r == SpfResult::temperror) {
            unsure.push_back(a.ip.to_string());
        } else if (r != SpfResult::pass) {
            failing.push_back(fmt::format("{} ({})", a.ip.to_string(), to_string(r)));
        }
    }
    if (report.addresses.empty()) {
        return unknown("no addresses were vetted");
    }
    if (!failing.empty()) {
        return fail(
            fmt::format("SPF of {} does not pass for {}", report.domain.domain, some_of(failing)));
    }
    if (!unsure.empty()) {
        return unknown("SPF could not be evaluated (DNS errors) for " + some_of(unsure));
    }
    return pass(fmt::format("SPF of {} passes for every vetted address", report.domain.domain));
}

bool dkim_good(const DkimCheck& d) {
    return d.present && !d.revoked && d.problem.empty() &&
           (d.algorithm == "ed25519" || d.bits >= 1024);
}

Judgement judge_dkim(const VetReport& report) {
    const auto& d = report.domain.dkim;
    if (!d) {
        return unknown(report.domain.domain.empty()
                           ? "give --domain and --dkim-selector to check the DKIM key"
                           : "give --dkim-selector to check the DKIM key");
    }
    if (d->status == DnsAnswer::Status::error) {
        return unknown(fmt::format("DNS error for {}", d->queried));
    }
    if (!d->present) {
        return fail(fmt::format("no DKIM key at {}", d->queried));
    }
    if (!dkim_good(*d)) {
        return fail(fmt::format("the key at {} is {}",
                                d->queried,
                                d->revoked            ? std::string("revoked (p= empty)")
                                : !d->problem.empty() ? d->problem
                                                      : fmt::format("{} bits", d->bits)));
    }
    return pass(fmt::format("{} key of {} bits at {}", d->algorithm, d->bits, d->queried));
}

Judgement judge_dmarc(const VetReport& report) {
    const auto& d = report.domain.dmarc;
    if (report.domain.domain.empty() || !d) {
        return unknown("give --domain to check DMARC");
    }
    if (d->status == DnsAnswer::Status::error) {
        return unknown(fmt::format("DNS error for {}", d->queried));
    }
    if (d->record.empty() || d->policy.empty()) {
        return fail(d->problem.empty() ? fmt::format("no DMARC record at {}", d->queried)
                                       : d->problem);
    }
    return pass(fmt::format("p={} at {}", d->policy, d->queried));
}

// vet checks SPF and DKIM for --domain itself, so with --domain as the From: domain an SPF
// or DKIM pass is an aligned one.
Judgement judge_alignment(const VetReport& report) {
    if (report.domain.domain.empty()) {
        return unknown("give --domain (the From: domain) to check alignment");
    }
    const auto spf = judge_spf(report);
    const bool dkim = report.domain.dkim && dkim_good(*report.domain.dkim);
    if (spf.state == RequirementState::pass || dkim) {
        return pass(fmt::format("{} passes for {} itself: aligned when it is the From: domain",
                                dkim ? "DKIM" : "SPF",
                                report.domain.domain));
    }
    if (spf.state == RequirementState::fail && report.domain.dkim) {
        return fail(fmt::format("neither SPF nor DKIM passes for {}", report.domain.domain));
    }
    return unknown("needs an SPF or DKIM pass for --domain (give --dkim-selector)");
}

/// The provider's view: the fact `name` of any of its sources' results, with that result.
const ZoneResult* result_with_fact(const TargetReport* view, std::string_view name) {
    if (view == nullptr) {
        return nullptr;
    }
    for (const auto& r : view->results) {
        for (const auto& [n, value] : r.facts) {
            if (n == name) {
                return &r;
            }
        }
    }
    return nullptr;
}

std::string fact_of(const ZoneResult& r, std::string_view name) {
    for (const auto& [n, value] : r.facts) {
        if (n == name) {
            return value;
        }
    }
    return {};
}

Judgement judge_spam_rate(const TargetReport* view, const std::string& view_note) {
    const auto* r = result_with_fact(view, "spam_rate");
    if (r == nullptr) {
        return unknown(view_note);
    }
    const double rate = std::strtod(fact_of(*r, "spam_rate").c_str(), nullptr);
    const double warning = r->zone->param("spam_rate_warning").value_or(1);
    const auto detail = fmt::format("{} on {}", percent_text(rate), fact_of(*r, "date"));
    return rate >= warning ? fail(detail) : pass(detail);
}

Judgement judge_tls(const TargetReport* view, const std::string& view_note) {
    const auto* r = result_with_fact(view, "tls");
    if (r == nullptr) {
        return unknown("vet does not test TLS; " + view_note);
    }
    return unknown(fmt::format("{} of the mail Gmail received on {} came over TLS",
                               percent_text(std::strtod(fact_of(*r, "tls").c_str(), nullptr)),
                               fact_of(*r, "date")));
}

Judgement judge(const SenderRequirement& q,
                const VetReport& report,
                const TargetReport* view,
                const std::string& view_note) {
    if (q.check == "ptr") {
        return judge_ptr(report);
    }
    if (q.check == "spf") {
        return judge_spf(report);
    }
    if (q.check == "dkim") {
        return judge_dkim(report);
    }
    if (q.check == "dmarc") {
        return judge_dmarc(report);
    }
    if (q.check == "alignment") {
        return judge_alignment(report);
    }
    if (q.check == "spam-rate") {
        return judge_spam_rate(view, view_note);
    }
    if (q.check == "tls") {
        return judge_tls(view, view_note);
    }
    return unknown(view_note);
}

} // namespace

std::string_view to_string(RequirementState s) noexcept {
    switch (s) {
    case RequirementState::pass:
        return "pass";
    case RequirementState::fail:
        return "fail";
    case RequirementState::unknown:
        return "unknown";
    }
    return "?";
}

void find_recipient_providers(DomainVet& domain, const BounceKnowledge& knowledge) {
    for (auto& r : domain.recipients) {
        for (const auto& mx : r.mx) {
            if (const auto* p = provider_for_host(knowledge, mx)) {
                r.provider = *p;
                r.provider_via = mx;
                break;
            }
        }
    }
}

std::vector<SenderChecklist> sender_checklists(const VetReport& report,
                                               const BounceKnowledge& /*knowledge*/) {
    std::vector<SenderChecklist> out;
    for (const auto& recipient : report.domain.recipients) {
        if (!recipient.provider || recipient.provider->requirements.empty()) {
            continue;
        }
        const auto& p = *recipient.provider;
        const auto it = std::find_if(
            out.begin(), out.end(), [&](const SenderChecklist& c) { return c.provider == p.id; });
        if (it != out.end()) {
            it->domains.push_back(recipient.domain);
            continue;
        }
        SenderChecklist list;
        list.provider = p.id;
        list.provider_name = p.name;
        list.domains.push_back(recipient.domain);
        const auto view = report.provider_views.find(p.id);
        const TargetReport* seen = view == report.provider_views.end() ? nullptr : &view->second;
        const auto note = report.view_notes.find(p.id);
        list.view_note = note == report.view_notes.end() ? std::string() : note->second;
        const std::string unseen = list.view_note.empty() ? "nothing tells this" : list.view_note;
        for (const auto& q : p.requirements) {
            RequirementCheck c;
            c.requirement = q;
            auto own = judge(q, report, seen, unseen);
            c.state = own.state;
            c.detail = std::move(own.detail);
            const bool own_known = c.state != RequirementState::unknown;
            const auto* holder =
                q.compliance.empty() ? nullptr : result_with_fact(seen, q.compliance);
            if (holder != nullptr) {
                const auto state = fact_of(*holder, q.compliance);
                const bool compliant = state == "COMPLIANT";
                const auto reason = fact_of(*holder, q.compliance + "_REASON");
                const auto said = fmt::format(
                    "Postmaster Tools: {}{}", state, reason.empty() ? "" : " (" + reason + ")");
                // The provider's verdict counts; vet's own finding stays in the detail.
                if (!compliant || !own_known) {
                    c.state = compliant ? RequirementState::pass : RequirementState::fail;
                }
                c.detail = c.detail.empty() || c.detail == unseen ? said : said + "; " + c.detail;
            }
            list.items.push_back(std::move(c));
        }
        out.push_back(std::move(list));
    }
    return out;
}

} // namespace rblscope
