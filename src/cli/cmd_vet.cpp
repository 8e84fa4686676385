// `rblscope vet`: pre-migration vetting of addresses, hosts and blocks.

#include "cli/cli.hpp"
#include "cli/diagnostics.hpp"
#include "cli/progress.hpp"
#include "cli/signals.hpp"
#include "rblscope/rblscope.hpp"
#include "report/json_writer.hpp"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <map>

namespace rblscope::cli {

namespace {

constexpr std::size_t k_detail_limit = 16; // text: more addresses than this get one line each

/// Keeps every target's report (a vetted block is small: one per address).
class CollectingSink final : public ResultSink {
  public:
    explicit CollectingSink(Progress& progress) : m_progress(progress) {}
    std::map<std::string, TargetReport> reports;
    void on_target(const TargetReport& rep) override {
        reports[rep.target.text] = rep;
        m_progress.step();
    }
    void on_input_error(const Error& e) override { error("{}", e.to_string()); }
    void on_warning(const std::string& m) override { warning("{}", m); }

  private:
    Progress& m_progress;
};

int exit_of(Readiness r) {
    switch (r) {
    case Readiness::ready:
        return 0;
    case Readiness::caution:
        return 1;
    case Readiness::burned:
        return 2;
    case Readiness::unknown:
        break;
    }
    return 3;
}

/// Nagios order: CRITICAL > WARNING > UNKNOWN > OK.
int worse(int a, int b) {
    const auto rank = [](int e) { return e == 2 ? 3 : e == 1 ? 2 : e == 3 ? 1 : 0; };
    return rank(a) >= rank(b) ? a : b;
}

std::string_view dns_status(DnsAnswer::Status s) {
    return s == DnsAnswer::Status::ok         ? "ok"
           : s == DnsAnswer::Status::nxdomain ? "nxdomain"
                                              : "error";
}

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

/// The provider behind a recipient domain: the first MX host the catalog knows.
const MailProvider*
recipient_provider(const RecipientCheck& r, const BounceKnowledge& k, std::string* via) {
    for (const auto& mx : r.mx) {
        if (const auto* p = provider_for_host(k, mx)) {
            *via = mx;
            return p;
        }
    }
    return nullptr;
}

void print_recipients(const DomainVet& domain, const BounceKnowledge& k) {
    for (const auto& r : domain.recipients) {
        fmt::print("\nRecipient domain {}\n", r.domain);
        if (r.mx.empty()) {
            fmt::print("  MX     {}\n",
                       r.status == DnsAnswer::Status::error ? "DNS error"
                       : r.status == DnsAnswer::Status::nxdomain
                           ? "the domain does not exist"
                           : "none (mail goes to its A record)");
            continue;
        }
        fmt::print("  MX     {}\n", fmt::join(r.mx, ", "));
        std::string via;
        const auto* p = recipient_provider(r, k, &via);
        if (p == nullptr) {
            fmt::print("  filter not one the catalog knows (a self-run server or an unlisted "
                       "service)\n");
            continue;
        }
        fmt::print("  filter {} (by {})\n", p->name, via);
        if (!p->checks.empty()) {
            fmt::print("  checks {}\n", p->checks);
        }
        for (std::size_t i = 0; i < p->before_sending.size(); ++i) {
            fmt::print("  {}  {}. {}\n", i == 0 ? "before" : "      ", i + 1, p->before_sending[i]);
        }
    }
}

void print_text(const std::vector<AddressVet>& all,
                const DomainVet& domain,
                const std::map<std::string, int>& dominant) {
    const bool brief = all.size() > k_detail_limit;
    for (const auto& a : all) {
        const auto grade = std::string(to_string(a.grade));
        std::string upper = grade;
        std::transform(upper.begin(), upper.end(), upper.begin(), [](unsigned char c) {
            return static_cast<char>(std::toupper(c));
        });
        const std::string from = a.target != a.ip.to_string() ? " (" + a.target + ")" : "";
        if (brief) {
            fmt::print("{:<40} {:<8} {}\n",
                       a.ip.to_string() + from,
                       upper,
                       a.reasons.empty() ? std::string() : a.reasons.front());
            continue;
        }
        fmt::print("{}{}  {}\n", a.ip.to_string(), from, upper);
        if (a.blocklists) {
            fmt::print("  blocklists  {}\n", blocklist_line(*a.blocklists));
        }
        fmt::print("  PTR         {}\n", ptr_line(a.ptr));
        if (!a.ptr.helo.empty()) {
            fmt::print("  HELO        {}: {}, {}\n",
                       a.ptr.helo,
                       a.ptr.helo_matches ? "matches the PTR" : "differs from the PTR",
                       a.ptr.helo_resolves ? "resolves to this address"
                                           : "does not resolve to this address");
        }
        if (a.spf) {
            const auto& o = a.spf->outcome;
            fmt::print("  SPF         {}: {}{}\n",
                       o.domain.empty() ? domain.domain : o.domain,
                       to_string(o.result),
                       o.mechanism.empty() ? "" : " (" + o.mechanism + ")");
            if (!a.spf->fix.empty()) {
                fmt::print("              fix: {}\n", a.spf->fix);
            }
        }
        for (const auto& r : a.reasons) {
            fmt::print("  - {}\n", r);
        }
        fmt::print("\n");
    }
    if (!domain.domain.empty()) {
        fmt::print("{}{}\n", brief ? "\n" : "", "Domain " + domain.domain);
        if (domain.dmarc) {
            const auto& d = *domain.dmarc;
            fmt::print(
                "  DMARC  {}{}\n",
                d.policy.empty()
                    ? "none"
                    : "p=" + d.policy + (d.pct != 100 ? fmt::format(" pct={}", d.pct) : ""),
                fmt::format(" ({}{})", d.queried, d.problem.empty() ? "" : ": " + d.problem));
        }
        if (domain.dkim) {
            const auto& k = *domain.dkim;
            fmt::print("  DKIM   {}: {}\n",
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
    std::map<Readiness, int> counts;
    for (const auto& a : all) {
        ++counts[a.grade];
    }
    fmt::print("\nSummary: {} addresses: {} ready, {} caution, {} burned{}\n",
               all.size(),
               counts[Readiness::ready],
               counts[Readiness::caution],
               counts[Readiness::burned],
               counts[Readiness::unknown] > 0
                   ? fmt::format(", {} unknown", counts[Readiness::unknown])
                   : "");
    if (!dominant.empty()) {
        std::vector<std::pair<std::string, int>> lists(dominant.begin(), dominant.end());
        std::stable_sort(lists.begin(), lists.end(), [](const auto& x, const auto& y) {
            return x.second > y.second;
        });
        std::vector<std::string> parts;
        for (std::size_t i = 0; i < lists.size() && i < 8; ++i) {
            parts.push_back(fmt::format("{} ({})", lists[i].first, lists[i].second));
        }
        fmt::print("Listings by list: {}\n", fmt::join(parts, ", "));
    }
}

void write_json(fmt::memory_buffer& b,
                const std::vector<AddressVet>& all,
                const DomainVet& domain,
                const std::map<std::string, int>& dominant,
                int exit_code,
                const BounceKnowledge& knowledge) {
    JsonWriter w(b);
    w.begin_object();
    w.key("version");
    w.value(RBLSCOPE_VERSION);
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
        std::string via;
        const auto* p = recipient_provider(r, knowledge, &via);
        w.key("provider");
        if (p != nullptr) {
            w.begin_object();
            w.key("id");
            w.value(p->id);
            w.key("name");
            w.value(p->name);
            w.key("via");
            w.value(via);
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
        if (a.ptr.helo.empty()) {
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
    std::map<Readiness, std::uint64_t> counts;
    for (const auto& a : all) {
        ++counts[a.grade];
    }
    w.key("summary");
    w.begin_object();
    w.key("addresses");
    w.value(static_cast<std::uint64_t>(all.size()));
    w.key("interrupted");
    w.value(stop_signal() != 0);
    for (const auto r :
         {Readiness::ready, Readiness::caution, Readiness::burned, Readiness::unknown}) {
        w.key(to_string(r));
        w.value(counts[r]);
    }
    w.key("listings_by_zone");
    w.begin_object();
    for (const auto& [zone, n] : dominant) {
        w.key(zone);
        w.value(n);
    }
    w.end_object();
    w.key("exit_code");
    w.value(exit_code);
    w.end_object();
    w.end_object();
    b.push_back('\n');
}

} // namespace

void add_vet(CLI::App& app, VetCommandOptions& opt) {
    app.add_option("targets", opt.targets, "IP addresses, host names or CIDR blocks to vet");
    app.add_option("--domain", opt.domain, "Sending domain: its SPF for each address, and DMARC");
    app.add_option("--helo", opt.helo, "The HELO/EHLO name the server will use");
    app.add_option("--dkim-selector",
                   opt.dkim_selector,
                   "With --domain: fetch and measure the DKIM key SELECTOR._domainkey.DOMAIN");
    app.add_option("--recipient-domain",
                   opt.recipient_domains,
                   "A domain you must reach (repeatable): its MX, the provider behind it, what "
                   "that provider checks and what to do before sending")
        ->allow_extra_args(false);
    app.add_option("-f,--format", opt.format, "Output format")
        ->check(CLI::IsMember({"text", "json"}));
    app.add_option("--html",
                   opt.html_file,
                   "Also write a self-contained HTML report (a grid of the addresses coloured by "
                   "grade, linking to each one's details) to FILE");
    app.add_option("-z,--zones", opt.zones, "Blocklists to ask (as for `rblscope check`)");
    app.add_option("--sources",
                   opt.sources,
                   "Kinds of sources, as for `rblscope check`: dns, http or HTTP adapter names "
                   "(e.g. dns,spamhaus_drop,ripestat; keys from --config or the environment)");
    app.add_option("--ca-file",
                   opt.ca_file,
                   "CA bundle for HTTP sources behind a private CA (TLS is always verified)")
        ->check(CLI::ExistingFile);
    app.add_option("--http-timeout", opt.http_timeout_s, "Time limit of one HTTP request, seconds")
        ->check(CLI::Range(0.1, 300.0));
    app.add_option("-r,--resolver", opt.resolvers, "Resolver IP[:PORT] (repeatable)")
        ->allow_extra_args(false);
    app.add_option("--zone-server", opt.zone_servers, "ZONE=IP[:PORT] (repeatable)")
        ->allow_extra_args(false);
    app.add_option("--query-timeout", opt.query_timeout_s, "Seconds per DNS query")
        ->check(CLI::Range(0.05, 120.0));
    app.add_option("--max-addresses", opt.max_addresses, "Largest CIDR block to expand")
        ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{65536}));
    app.add_option("--concurrency", opt.concurrency, "Queries in flight at most")
        ->check(CLI::Range(1, 100000));
    app.add_option("--config", opt.config_file, "Configuration file with API keys");
    app.add_option("--catalog", opt.catalog.path, "Zone catalog (default: lists.toml)");
}

int run_vet_command(const VetCommandOptions& opt) {
    const auto unknown = static_cast<int>(ExitCode::unknown);
    auto catalog = load(opt.catalog);
    if (!catalog) {
        return unknown;
    }
    auto patterns = load_generic_ptr_patterns(*catalog);
    if (!patterns) {
        error("{}", patterns.error().to_string());
        return unknown;
    }
    auto knowledge = load_knowledge(*catalog);
    if (!knowledge) {
        return unknown;
    }
    for (const auto& r : opt.recipient_domains) {
        if (!is_valid_hostname(r)) {
            error("--recipient-domain \"{}\" is not a domain name", r);
            return unknown;
        }
    }
    VetOptions vo;
    vo.recipient_domains = opt.recipient_domains;
    vo.domain = opt.domain;
    vo.helo = opt.helo;
    vo.dkim_selector = opt.dkim_selector;
    vo.generic_ptr = std::move(patterns.value());
    vo.dns.resolvers = opt.resolvers;
    vo.dns.timeout =
        std::chrono::milliseconds(static_cast<long>(std::lround(opt.query_timeout_s * 1000)));
    vo.dns.concurrency = opt.concurrency;
    vo.dns.stop_fd = stop_fd();
    if (!opt.dkim_selector.empty() && opt.domain.empty()) {
        error("--dkim-selector needs --domain");
        return unknown;
    }
    if (!opt.domain.empty() && !is_valid_hostname(opt.domain)) {
        error("--domain \"{}\" is not a domain name", opt.domain);
        return unknown;
    }

    // The blocklist options are checked before any DNS is asked.
    CheckOptions co;
    co.zones = opt.zones;
    co.resolvers = opt.resolvers;
    co.zone_servers = opt.zone_servers;
    co.query_timeout_s = opt.query_timeout_s;
    co.concurrency = opt.concurrency;
    co.config_file = opt.config_file;
    co.max_addresses = opt.max_addresses;
    co.sources = opt.sources;
    co.ca_file = opt.ca_file;
    co.http_timeout_s = opt.http_timeout_s;
    PreparedCheck prepared;
    if (!prepare_check(co, *catalog, prepared)) {
        return unknown;
    }

    // Targets -> addresses (blocks expanded, host names resolved).
    std::vector<IpAddress> addresses;
    std::vector<std::string> origins;
    std::vector<std::string> hostnames;
    int bad = 0;
    for (const auto& text : opt.targets) {
        auto t = parse_target(text);
        if (!t || t->kind == Target::Kind::email) {
            error("{}",
                  t ? fmt::format("{}: vet takes addresses, host names or blocks, not email "
                                  "addresses",
                                  text)
                    : t.error().to_string());
            ++bad;
            continue;
        }
        if (t->kind == Target::Kind::ip) {
            addresses.push_back(t->ip);
            origins.push_back(t->text);
        } else if (t->kind == Target::Kind::cidr) {
            if (t->cidr->size() > opt.max_addresses) {
                error("{}: {} addresses, more than --max-addresses {}",
                      text,
                      t->cidr->size(),
                      opt.max_addresses);
                ++bad;
                continue;
            }
            for (std::uint64_t i = 0; i < t->cidr->size(); ++i) {
                addresses.push_back(t->cidr->at(i));
                origins.push_back(t->text);
            }
        } else {
            hostnames.push_back(t->hostname);
        }
    }
    if (!hostnames.empty()) {
        auto hosts = resolve_hosts(hostnames, vo.dns);
        if (!hosts) {
            error("{}", hosts.error().to_string());
            return unknown;
        }
        for (const auto& h : hosts.value()) {
            if (h.addresses.empty()) {
                error("{}: {}", h.name, h.problem);
                ++bad;
            }
            for (const auto& ip : h.addresses) {
                addresses.push_back(ip);
                origins.push_back(h.name);
            }
        }
    }
    if (addresses.empty() && opt.recipient_domains.empty()) {
        error("nothing to vet");
        return unknown;
    }

    DomainVet domain;
    auto vetted = vet_dns(addresses, vo, domain);
    if (!vetted) {
        error("{}", vetted.error().to_string());
        return unknown;
    }
    auto& all = vetted.value();

    // Blocklists: the engine's normal run over every address at once.
    std::vector<std::string> ip_texts;
    for (const auto& ip : addresses) {
        ip_texts.push_back(ip.to_string());
    }
    VectorTargetSource source(ip_texts);
    Progress progress(stderr, "blocklists", ip_texts.size());
    CollectingSink sink(progress);
    auto summary = run_check(prepared.zones, *catalog, source, sink, prepared.eo);
    progress.finish();
    if (!summary) {
        error("{}", summary.error().to_string());
    }
    std::map<std::string, int> dominant;
    int exit_code = 0;
    for (std::size_t i = 0; i < all.size(); ++i) {
        auto& a = all[i];
        a.target = origins[i];
        if (auto it = sink.reports.find(a.ip.to_string()); it != sink.reports.end()) {
            a.blocklists = it->second;
            for (const auto& r : it->second.results) {
                if (r.status == Status::listed && r.zone->role != ZoneRole::allow &&
                    r.zone->role != ZoneRole::info) {
                    ++dominant[r.zone->zone];
                }
            }
        }
        grade(a, domain);
        exit_code = worse(exit_code, exit_of(a.grade));
    }
    if (bad > 0) {
        exit_code = worse(exit_code, unknown);
    }
    const bool interrupted = stop_signal() != 0;
    if (interrupted) {
        exit_code = unknown; // what was found is shown, but the vetting is incomplete
    }
    if (!opt.html_file.empty()) {
        std::string title = "rblscope vet";
        for (const auto& t : opt.targets) {
            title += " " + t;
        }
        const auto page = vet_html(all, domain, title);
        std::FILE* f = std::fopen(opt.html_file.c_str(), "wb");
        const bool ok = f != nullptr && std::fwrite(page.data(), 1, page.size(), f) == page.size();
        if (f == nullptr || std::fclose(f) != 0 || !ok) {
            error("--html {}: cannot write the report", opt.html_file);
            exit_code = worse(exit_code, unknown);
        }
    }
    if (opt.format == "json") {
        fmt::memory_buffer b;
        write_json(b, all, domain, dominant, exit_code, knowledge.value());
        std::fwrite(b.data(), 1, b.size(), stdout);
    } else {
        if (!all.empty()) {
            print_text(all, domain, dominant);
        }
        print_recipients(domain, knowledge.value());
    }
    if (interrupted) {
        error("{}: stopped; lookups still open are shown as DNS errors or "
              "timeouts",
              signal_name(stop_signal()));
    }
    return exit_code;
}

} // namespace rblscope::cli
