// vet's phases around the DNS checks: targets to addresses, and the blocklists.

#include "rblscope/vet_run.hpp"

#include "core/sanitize.hpp"
#include "rblscope/config.hpp"
#include "rblscope/target.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <map>

namespace rblscope {

namespace {

/// Keeps every address's report (a vetted block is small: one per address) and passes
/// everything on to the caller's observer.
class CollectingSink final : public ResultSink {
  public:
    explicit CollectingSink(ResultSink& observer) : m_observer(observer) {}
    std::map<std::string, TargetReport> reports;
    void on_target(const TargetReport& rep) override {
        reports[rep.target.text] = rep;
        m_observer.on_target(rep);
    }
    void on_input_error(const Error& e) override { m_observer.on_input_error(e); }
    void on_warning(const std::string& m) override { m_observer.on_warning(m); }

  private:
    ResultSink& m_observer;
};

} // namespace

std::optional<Error> check_vet_options(const VetOptions& options) {
    for (const auto& r : options.recipient_domains) {
        if (!is_valid_hostname(r)) {
            return Error{fmt::format("--recipient-domain \"{}\" is not a domain name", r), ""};
        }
    }
    if (!options.dkim_selector.empty() && options.domain.empty()) {
        return Error{"--dkim-selector needs --domain", ""};
    }
    if (!options.domain.empty() && !is_valid_hostname(options.domain)) {
        return Error{fmt::format("--domain \"{}\" is not a domain name", options.domain), ""};
    }
    return std::nullopt;
}

SpfDnsOptions vet_dns_options(const EngineOptions& engine) {
    SpfDnsOptions dns;
    dns.resolvers = engine.resolvers;
    dns.timeout = engine.timeout;
    dns.retries = engine.retries;
    dns.concurrency = engine.concurrency;
    dns.stop_fd = engine.stop_fd;
    return dns;
}

Result<VetAddresses> expand_vet_targets(const std::vector<std::string>& targets,
                                        std::uint64_t max_addresses,
                                        const SpfDnsOptions& dns) {
    VetAddresses out;
    std::vector<std::string> hostnames;
    for (const auto& text : targets) {
        auto t = parse_target(text);
        if (!t) {
            out.refused.push_back(t.error());
            continue;
        }
        switch (t->kind) {
        case Target::Kind::email:
            out.refused.push_back(
                {"vet takes addresses, host names or blocks, not email addresses", text});
            break;
        case Target::Kind::ip:
            if (!t->note.empty()) {
                out.notes.push_back(fmt::format(
                    "{}: checked as {}: {}", sanitize_text(text, 80), t->ip.to_string(), t->note));
            }
            out.addresses.push_back(t->ip);
            out.origins.push_back(t->text);
            break;
        case Target::Kind::cidr:
            if (t->cidr->size() > max_addresses) {
                out.refused.push_back({fmt::format("{} addresses, more than --max-addresses {}",
                                                   t->cidr->size(),
                                                   max_addresses),
                                       text});
                break;
            }
            for (std::uint64_t i = 0; i < t->cidr->size(); ++i) {
                out.addresses.push_back(t->cidr->at(i));
                out.origins.push_back(t->text);
            }
            break;
        case Target::Kind::hostname:
            hostnames.push_back(t->hostname);
            break;
        }
    }
    if (hostnames.empty()) {
        return out;
    }
    auto hosts = resolve_hosts(hostnames, dns);
    if (!hosts) {
        return hosts.error();
    }
    for (const auto& h : hosts.value()) {
        if (h.addresses.empty()) {
            out.refused.push_back({h.problem, h.name});
        }
        for (const auto& ip : h.addresses) {
            out.addresses.push_back(ip);
            out.origins.push_back(h.name);
        }
    }
    return out;
}

Result<RunSummary> vet_blocklists(VetReport& report,
                                  const std::vector<const Zone*>& zones,
                                  const Catalog& catalog,
                                  const EngineOptions& options,
                                  ResultSink& observer) {
    std::vector<std::string> ip_texts;
    ip_texts.reserve(report.addresses.size());
    for (const auto& a : report.addresses) {
        ip_texts.push_back(a.ip.to_string());
    }
    VectorTargetSource source(ip_texts);
    CollectingSink sink(observer);
    auto summary = run_check(zones, catalog, source, sink, options);
    if (summary) {
        report.context.resolver = fmt::format("{}{}",
                                              fmt::join(summary->resolvers, ", "),
                                              options.resolvers.empty() ? " (the system's)" : "");
    }
    report.context.lists.clear();
    for (const auto* z : zones) {
        report.context.lists.push_back(z->zone);
    }
    for (auto& a : report.addresses) {
        if (auto it = sink.reports.find(a.ip.to_string()); it != sink.reports.end()) {
            a.blocklists = it->second;
        }
    }
    return summary;
}

void vet_provider_views(VetReport& report,
                        const BounceKnowledge& knowledge,
                        const Catalog& catalog,
                        const EngineOptions& options,
                        ResultSink& observer) {
    find_recipient_providers(report.domain, knowledge);
    std::vector<const MailProvider*> providers;
    for (const auto& r : report.domain.recipients) {
        if (r.provider && !r.provider->sources.empty() &&
            std::none_of(providers.begin(), providers.end(), [&](const MailProvider* p) {
                return p->id == r.provider->id;
            })) {
            providers.push_back(knowledge.provider(r.provider->id));
        }
    }
    std::vector<const Zone*> zones;
    std::map<const Zone*, std::string> zone_provider;
    for (const auto* p : providers) {
        if (p == nullptr) {
            continue;
        }
        std::vector<std::string> unset;
        std::size_t keyed = 0;
        for (const auto& id : p->sources) {
            const Zone* z = catalog.find(id);
            if (z == nullptr) {
                continue;
            }
            if (!z->key_env.empty() && key_value(z->key_env, options.keys).empty()) {
                if (std::find(unset.begin(), unset.end(), z->key_env) == unset.end()) {
                    unset.push_back(z->key_env);
                }
                continue;
            }
            ++keyed;
            zones.push_back(z);
            zone_provider[z] = p->id;
        }
        if (report.domain.domain.empty()) {
            report.view_notes[p->id] =
                fmt::format("give --domain to read {}'s own view of it", p->name);
            std::erase_if(zones, [&](const Zone* z) { return zone_provider[z] == p->id; });
        } else if (keyed == 0) {
            report.view_notes[p->id] =
                unset.empty() ? fmt::format("{}'s own view is not in the catalog", p->name)
                              : fmt::format("set {} to read {}'s own view (see the README)",
                                            fmt::join(unset, ", "),
                                            p->name);
        }
    }
    if (zones.empty()) {
        return;
    }
    VectorTargetSource source({report.domain.domain});
    CollectingSink sink(observer);
    auto summary = run_check(zones, catalog, source, sink, options);
    if (!summary || sink.reports.empty()) {
        for (const auto& [zone, provider] : zone_provider) {
            report.view_notes[provider] =
                summary ? "no answer" : "not asked: " + summary.error().to_string();
        }
        return;
    }
    const TargetReport& seen = sink.reports.begin()->second;
    for (const auto& r : seen.results) {
        const auto& provider = zone_provider[r.zone];
        auto& view = report.provider_views[provider];
        view.target = seen.target;
        view.results.push_back(r);
    }
    // Sources that answered without figures (no data, no access) say why in the checklist.
    for (const auto& [provider, view] : report.provider_views) {
        const bool figures = std::any_of(view.results.begin(),
                                         view.results.end(),
                                         [](const ZoneResult& r) { return !r.facts.empty(); });
        if (!figures) {
            for (const auto& r : view.results) {
                if (!r.error.empty()) {
                    report.view_notes[provider] = fmt::format("{}: {}", r.zone->name, r.error);
                    break;
                }
            }
        }
    }
}

} // namespace rblscope
