// The JSON report of `rblscope vet` (schema in the README): the run's context, the
// recipient domains, the sending domain, the SPF changes, every address, the summary.

#include "rblscope/vet.hpp"
#include "report/json_writer.hpp"
#include "report/time_text.hpp"

#include <fmt/format.h>

namespace rblscope {

namespace {

std::string_view dns_status(DnsAnswer::Status s) {
    return s == DnsAnswer::Status::ok         ? "ok"
           : s == DnsAnswer::Status::nxdomain ? "nxdomain"
                                              : "error";
}

void write_context(JsonWriter& w, const VetContext& c) {
    w.key("context");
    w.begin_object();
    w.key("targets");
    w.strings(c.targets);
    w.key("started");
    w.value(utc_text(static_cast<std::int64_t>(c.started_unix), true));
    w.key("resolver");
    w.string_or_null(c.resolver);
    w.key("lists");
    w.strings(c.lists);
    w.end_object();
}

void write_spf_changes(JsonWriter& w, const std::vector<SpfChange>& changes) {
    w.key("spf_changes");
    w.begin_array();
    for (const auto& c : changes) {
        w.begin_object();
        w.key("record");
        w.value(c.record);
        w.key("action");
        w.value(c.publish ? "publish" : "add");
        w.key("terms");
        w.strings(c.terms);
        w.key("addresses");
        w.value(static_cast<std::uint64_t>(c.addresses));
        w.key("why");
        w.value(c.why);
        w.end_object();
    }
    w.end_array();
}

} // namespace

std::string vet_json(const VetReport& report) {
    const auto& all = report.addresses;
    const auto& domain = report.domain;
    const auto& dominant = report.listings_by_zone;
    fmt::memory_buffer b;
    JsonWriter w(b);
    w.begin_object();
    w.key("version");
    w.value(RBLSCOPE_VERSION);
    write_context(w, report.context);
    w.key("recipients");
    w.begin_array();
    for (const auto& r : domain.recipients) {
        w.begin_object();
        w.key("domain");
        w.value(r.domain);
        w.key("status");
        w.value(dns_status(r.status));
        w.key("mx");
        w.strings(r.mx);
        w.key("provider");
        if (r.provider) {
            const auto* p = &*r.provider;
            w.begin_object();
            w.key("id");
            w.value(p->id);
            w.key("name");
            w.value(p->name);
            w.key("via");
            w.value(r.provider_via);
            w.key("checks");
            w.string_or_null(p->checks);
            w.key("before_sending");
            w.strings(p->before_sending);
            w.end_object();
        } else {
            w.null();
        }
        w.end_object();
    }
    w.end_array();
    w.key("checklists");
    w.begin_array();
    for (const auto& c : report.checklists) {
        w.begin_object();
        w.key("provider");
        w.value(c.provider);
        w.key("name");
        w.value(c.provider_name);
        w.key("recipient_domains");
        w.strings(c.domains);
        w.key("view_note");
        w.string_or_null(c.view_note);
        w.key("requirements");
        w.begin_array();
        for (const auto& item : c.items) {
            w.begin_object();
            w.key("id");
            w.value(item.requirement.id);
            w.key("rule");
            w.value(item.requirement.rule);
            w.key("applies");
            w.value(item.requirement.applies);
            w.key("state");
            w.value(to_string(item.state));
            w.key("detail");
            w.string_or_null(item.detail);
            w.key("url");
            w.string_or_null(item.requirement.url);
            w.end_object();
        }
        w.end_array();
        w.end_object();
    }
    w.end_array();
    w.key("domain");
    if (domain.domain.empty()) {
        w.null();
    } else {
        w.begin_object();
        w.key("name");
        w.value(domain.domain);
        w.key("dmarc");
        if (domain.dmarc) {
            const auto& d = *domain.dmarc;
            w.begin_object();
            w.key("queried");
            w.value(d.queried);
            w.key("status");
            w.value(dns_status(d.status));
            w.key("record");
            w.string_or_null(d.record);
            w.key("policy");
            w.string_or_null(d.policy);
            w.key("subdomain_policy");
            w.string_or_null(d.subdomain_policy);
            w.key("pct");
            w.value(d.pct);
            w.key("rua");
            w.string_or_null(d.rua);
            w.key("problem");
            w.string_or_null(d.problem);
            w.end_object();
        } else {
            w.null();
        }
        w.key("dkim");
        if (domain.dkim) {
            const auto& k = *domain.dkim;
            w.begin_object();
            w.key("selector");
            w.value(k.selector);
            w.key("queried");
            w.value(k.queried);
            w.key("status");
            w.value(dns_status(k.status));
            w.key("present");
            w.value(k.present);
            w.key("revoked");
            w.value(k.revoked);
            w.key("algorithm");
            w.string_or_null(k.algorithm);
            w.key("bits");
            w.value(k.bits);
            w.key("problem");
            w.string_or_null(k.problem);
            w.end_object();
        } else {
            w.null();
        }
        w.end_object();
    }
    write_spf_changes(w, report.spf_changes);
    w.key("addresses");
    w.begin_array();
    for (const auto& a : all) {
        w.begin_object();
        w.key("ip");
        w.value(a.ip.to_string());
        w.key("target");
        w.value(a.target);
        w.key("grade");
        w.value(to_string(a.grade));
        w.key("reasons");
        w.strings(a.reasons);
        w.key("ptr");
        w.begin_object();
        w.key("status");
        w.value(dns_status(a.ptr.status));
        w.key("names");
        w.strings(a.ptr.names);
        w.key("confirmed");
        w.string_or_null(a.ptr.confirmed);
        w.key("forward_error");
        w.value(a.ptr.forward_error);
        w.key("generic");
        w.value(a.ptr.generic);
        w.key("generic_why");
        w.string_or_null(a.ptr.generic_why);
        w.end_object();
        w.key("helo");
        if (a.ptr.helo.empty() || !a.ptr.helo_judged) {
            w.null();
        } else {
            w.begin_object();
            w.key("name");
            w.value(a.ptr.helo);
            w.key("matches_ptr");
            w.value(a.ptr.helo_matches);
            w.key("resolves_to_ip");
            w.value(a.ptr.helo_resolves);
            w.end_object();
        }
        w.key("spf");
        if (a.spf) {
            const auto& o = a.spf->outcome;
            w.begin_object();
            w.key("result");
            w.value(to_string(o.result));
            w.key("domain");
            w.value(o.domain);
            w.key("record");
            w.string_or_null(o.record);
            w.key("mechanism");
            w.string_or_null(o.mechanism);
            w.key("problem");
            w.string_or_null(o.problem);
            w.key("fix");
            w.string_or_null(a.spf->fix);
            w.key("dns_lookups");
            w.value(o.dns_lookups);
            w.key("void_lookups");
            w.value(o.void_lookups);
            w.end_object();
        } else {
            w.null();
        }
        w.key("blocklists");
        if (a.blocklists) {
            const auto& rep = *a.blocklists;
            w.begin_object();
            w.key("verdict");
            w.value(to_string(rep.verdict));
            w.key("score");
            w.value(rep.score);
            w.key("listed");
            w.begin_array();
            for (const auto& r : rep.results) {
                if (r.status != Status::listed) {
                    continue;
                }
                w.begin_object();
                w.key("zone");
                w.value(r.zone->zone);
                w.key("id");
                w.value(r.zone->id);
                w.key("role");
                w.value(to_string(r.zone->role));
                w.key("severity");
                w.value(to_string(r.severity));
                w.key("codes");
                w.strings(r.codes);
                w.key("meaning");
                w.string_or_null(r.meaning);
                w.key("delist_url");
                w.string_or_null(r.delist_url);
                w.end_object();
            }
            w.end_array();
            w.key("clean");
            w.value(rep.clean);
            w.key("errors");
            w.value(rep.errors + rep.timeouts);
            w.end_object();
        } else {
            w.null();
        }
        w.end_object();
    }
    w.end_array();
    w.key("summary");
    w.begin_object();
    w.key("addresses");
    w.value(static_cast<std::uint64_t>(all.size()));
    w.key("interrupted");
    w.value(report.interrupted);
    for (const auto r :
         {Readiness::ready, Readiness::caution, Readiness::burned, Readiness::unknown}) {
        w.key(to_string(r));
        const auto it = report.grades.find(r);
        w.value(it == report.grades.end() ? 0 : it->second);
    }
    w.key("listings_by_zone");
    w.begin_object();
    for (const auto& [zone, n] : dominant) {
        w.key(zone);
        w.value(n);
    }
    w.end_object();
    w.key("helo_note");
    w.string_or_null(report.helo_note);
    w.key("exit_code");
    w.value(report.exit_code);
    w.end_object();
    w.end_object();
    b.push_back('\n');
    return fmt::to_string(b);
}

} // namespace rblscope
