// vet_dns(): PTR, FCrDNS, HELO and SPF for every address, DMARC and DKIM for the domain,
// all asked at once through one DnsLookups in one event loop; grade() merges blocklists.

#include "rblscope/vet.hpp"

#include "core/catalog_document.hpp"
#include "core/domain.hpp"
#include "core/files.hpp"
#include "core/sanitize.hpp"
#include "core/text.hpp"
#include "core/toml_reader.hpp"
#include "vet/spf_runner.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <re2/re2.h>
#include <re2/set.h>

namespace rblscope {

namespace {

constexpr std::size_t k_max_ptr_names = 10;

/// Lowercase, without a trailing dot: names as DnsLookups keys them.
std::string dns_name(std::string_view s) {
    auto out = ascii_lower(s);
    while (!out.empty() && out.back() == '.') {
        out.pop_back();
    }
    return out;
}

std::string reverse_name(const IpAddress& ip) {
    return ip.reversed() + (ip.is_v4() ? ".in-addr.arpa" : ".ip6.arpa");
}

/// True when an A/AAAA answer holds `ip`.
bool holds(const DnsAnswer& a, const IpAddress& ip) {
    return std::any_of(a.data.begin(), a.data.end(), [&](const auto& t) {
        const auto x = IpAddress::parse(t);
        return x && *x == ip;
    });
}

/// True when the name spells the address's octets (192-0-2-5, 5.2.0.192, 192000002005).
bool has_octets(const std::string& name, const IpAddress& ip) {
    if (!ip.is_v4()) {
        return false;
    }
    const auto& b = ip.bytes();
    std::vector<std::string> tokens;
    std::string cur;
    for (const char c : name) {
        if (std::isdigit(static_cast<unsigned char>(c)) != 0) {
            cur += c;
        } else if (!cur.empty()) {
            tokens.push_back(cur);
            cur.clear();
        }
    }
    if (!cur.empty()) {
        tokens.push_back(cur);
    }
    const auto num = [](const std::string& t) { return t.size() <= 3 ? std::stoi(t) : -1; };
    for (std::size_t i = 0; i + 4 <= tokens.size(); ++i) {
        bool fwd = true;
        bool rev = true;
        for (std::size_t k = 0; k < 4; ++k) {
            fwd = fwd && num(tokens[i + k]) == b[k];
            rev = rev && num(tokens[i + k]) == b[3 - k];
        }
        if (fwd || rev) {
            return true;
        }
    }
    const auto padded = fmt::format("{:03}{:03}{:03}{:03}", b[0], b[1], b[2], b[3]);
    return std::find(tokens.begin(), tokens.end(), padded) != tokens.end();
}

std::string spf_fix(const SpfOutcome& o, const IpAddress& ip, const std::string& domain) {
    const auto mech = fmt::format("{}:{}", ip.is_v4() ? "ip4" : "ip6", ip.to_string());
    switch (o.result) {
    case SpfResult::pass:
        return {};
    case SpfResult::none:
        return fmt::format("publish an SPF record for {}, e.g. \"v=spf1 {} ~all\"", domain, mech);
    case SpfResult::permerror:
        return fmt::format("fix the SPF record of {}: {}", domain, o.problem);
    case SpfResult::temperror:
        return fmt::format("DNS failed ({}); check again", o.problem);
    default:
        return fmt::format("add {} to the SPF record of {} (before its all term)",
                           mech,
                           o.domain.empty() ? domain : o.domain);
    }
}

struct Run {
    DnsLookups& dns;
    const VetOptions& opt;
    std::vector<AddressVet>& out;
    DomainVet& domain;
    const RE2::Set* generic;

    void start_ptr(std::size_t i) {
        const auto ip = out[i].ip;
        dns.ask({reverse_name(ip), DnsType::ptr}, [this, i, ip] {
            const auto* a = dns.find(reverse_name(ip), DnsType::ptr);
            auto& p = out[i].ptr;
            p.status = a->status;
            for (const auto& n : a->data) {
                if (p.names.size() < k_max_ptr_names) {
                    p.names.push_back(sanitize_text(dns_name(n), 255));
                }
            }
            for (const auto& n : p.names) {
                check_forward(i, n);
            }
            judge_generic(i);
        });
    }

    void check_forward(std::size_t i, const std::string& name) {
        const auto ip = out[i].ip;
        const auto type = ip.is_v4() ? DnsType::a : DnsType::aaaa;
        dns.ask({name, type}, [this, i, ip, name, type] {
            const auto* a = dns.find(name, type);
            auto& p = out[i].ptr;
            const bool back = holds(*a, ip);
            p.forward_error = p.forward_error || a->status == DnsAnswer::Status::error;
            // The first confirmed name in PTR order, whatever order the answers came in.
            if (back && (p.confirmed.empty() ||
                         std::find(p.names.begin(), p.names.end(), name) <
                             std::find(p.names.begin(), p.names.end(), p.confirmed))) {
                p.confirmed = name;
            }
        });
    }

    void judge_generic(std::size_t i) {
        auto& p = out[i].ptr;
        for (const auto& n : p.names) {
            if (has_octets(n, out[i].ip)) {
                p.generic = true;
                p.generic_why = "the address's octets are in the name";
                return;
            }
            std::vector<int> hits;
            if (generic != nullptr && generic->Match(n, &hits) && !hits.empty()) {
                p.generic = true;
                p.generic_why = "looks like a pool name (pattern '" +
                                opt.generic_ptr[static_cast<std::size_t>(
                                    *std::min_element(hits.begin(), hits.end()))] +
                                "')";
                return;
            }
        }
    }

    void start_helo(std::size_t i) {
        const auto ip = out[i].ip;
        const auto name = dns_name(opt.helo);
        const auto type = ip.is_v4() ? DnsType::a : DnsType::aaaa;
        out[i].ptr.helo = opt.helo;
        dns.ask({name, type}, [this, i, ip, name, type] {
            const auto* a = dns.find(name, type);
            auto& p = out[i].ptr;
            p.helo_status = a->status;
            p.helo_resolves = holds(*a, ip);
        });
    }

    void start_dmarc(const std::string& name, bool org_fallback) {
        const auto q = "_dmarc." + name;
        dns.ask({q, DnsType::txt}, [this, q, name, org_fallback] {
            const auto* a = dns.find(q, DnsType::txt);
            std::vector<std::string> records;
            for (const auto& r : a->data) {
                if (r.rfind("v=DMARC1", 0) == 0) {
                    records.push_back(r);
                }
            }
            const auto org = registered_domain(name);
            if (records.empty() && a->status != DnsAnswer::Status::error && org_fallback &&
                org != name) {
                start_dmarc(org, false); // RFC 7489 6.6.3: the organisational domain's policy
                return;
            }
            DmarcCheck d = records.size() == 1 ? parse_dmarc(records[0]) : DmarcCheck{};
            d.status = a->status;
            d.queried = q;
            if (a->status == DnsAnswer::Status::error) {
                d.problem = "DNS error";
            } else if (records.size() > 1) {
                d.problem =
                    fmt::format("{} DMARC records (receivers ignore them all)", records.size());
            }
            domain.dmarc = std::move(d);
        });
    }

    void start_recipient(std::size_t i) {
        const auto name = domain.recipients[i].domain;
        dns.ask({name, DnsType::mx}, [this, i, name] {
            const auto* a = dns.find(name, DnsType::mx);
            auto& r = domain.recipients[i];
            r.status = a->status;
            for (const auto& mx : a->data) {
                r.mx.push_back(sanitize_text(dns_name(mx), 255));
            }
        });
    }

    void start_dkim() {
        const auto q = dns_name(opt.dkim_selector) + "._domainkey." + dns_name(opt.domain);
        dns.ask({q, DnsType::txt}, [this, q] {
            const auto* a = dns.find(q, DnsType::txt);
            DkimCheck k;
            for (const auto& r : a->data) {
                if (r.find("p=") != std::string::npos) {
                    k = parse_dkim(r);
                    break;
                }
            }
            k.status = a->status;
            k.selector = sanitize_text(opt.dkim_selector, 64);
            k.queried = q;
            if (a->status == DnsAnswer::Status::error) {
                k.problem = "DNS error";
            }
            domain.dkim = std::move(k);
        });
    }
};

} // namespace

std::string_view to_string(Readiness r) noexcept {
    switch (r) {
    case Readiness::ready:
        return "ready";
    case Readiness::caution:
        return "caution";
    case Readiness::burned:
        return "burned";
    case Readiness::unknown:
        break;
    }
    return "unknown";
}

Result<std::vector<std::string>> load_generic_ptr_patterns(const std::string& path) {
    Catalog only_file;
    only_file.source = path;
    return load_generic_ptr_patterns(only_file);
}

Result<std::vector<std::string>> load_generic_ptr_patterns(const Catalog& catalog) {
    auto parsed = catalog_document_of(catalog);
    if (!parsed) {
        return parsed.error();
    }
    toml_read::Reader r(catalog.source);
    std::vector<std::string> out;
    if (const auto* vet = parsed.value()->root.get_as<toml::table>("vet")) {
        r.only_keys(*vet, {"generic_ptr"}, "[vet]");
        out = r.strings(*vet, "generic_ptr", "[vet]");
        for (std::size_t i = 0; i < out.size() && !r.failed(); ++i) {
            RE2 re(out[i]);
            if (!re.ok()) {
                r.fail(*vet->get("generic_ptr")->as_array()->get(i),
                       fmt::format("[vet]: generic_ptr pattern '{}' is not a valid RE2 "
                                   "expression: {}",
                                   out[i],
                                   re.error()));
            }
        }
    }
    if (r.failed()) {
        return r.error();
    }
    return out;
}

Result<std::vector<AddressVet>>
vet_dns(const std::vector<IpAddress>& addresses, const VetOptions& options, DomainVet& domain) {
    RE2::Options ro;
    ro.set_case_sensitive(false);
    ro.set_log_errors(false);
    RE2::Set generic(ro, RE2::UNANCHORED);
    for (const auto& p : options.generic_ptr) {
        if (generic.Add(p, nullptr) < 0) {
            return Error{fmt::format("generic PTR pattern '{}' is not valid", p), "[vet]"};
        }
    }
    const bool have_generic = !options.generic_ptr.empty();
    if (have_generic && !generic.Compile()) {
        return Error{"the generic PTR patterns need more memory than RE2 allows", "[vet]"};
    }
    auto session = DnsSession::open(options.dns);
    if (!session) {
        return session.error();
    }
    auto& dns = (*session)->lookups();
    SpfRunner spf(dns);
    std::vector<AddressVet> out(addresses.size());
    domain = DomainVet{};
    domain.domain = dns_name(options.domain);
    Run run{dns, options, out, domain, have_generic ? &generic : nullptr};
    for (std::size_t i = 0; i < addresses.size(); ++i) {
        out[i].ip = addresses[i];
        run.start_ptr(i);
        if (!options.helo.empty()) {
            run.start_helo(i);
        }
        if (!options.domain.empty()) {
            SpfQuery q;
            q.ip = addresses[i];
            q.sender = "postmaster@" + domain.domain;
            q.helo = options.helo.empty() ? domain.domain : options.helo;
            spf.add(i, std::move(q), [&out, &domain](std::size_t index, SpfOutcome&& o) {
                SpfCheck c;
                c.fix = spf_fix(o, out[index].ip, domain.domain);
                c.outcome = std::move(o);
                out[index].spf = std::move(c);
            });
        }
    }
    for (const auto& r : options.recipient_domains) {
        RecipientCheck check;
        check.domain = dns_name(r);
        domain.recipients.push_back(std::move(check));
    }
    for (std::size_t i = 0; i < domain.recipients.size(); ++i) {
        run.start_recipient(i);
    }
    if (!options.domain.empty()) {
        run.start_dmarc(domain.domain, true);
        if (!options.dkim_selector.empty()) {
            run.start_dkim();
        }
    }
    (*session)->run_while([&] { return dns.busy() || spf.busy(); });
    for (auto& a : out) {
        a.ptr.helo_matches = !a.ptr.helo.empty() && dns_name(a.ptr.helo) == a.ptr.confirmed;
    }
    return out;
}

Result<std::vector<ResolvedHost>> resolve_hosts(const std::vector<std::string>& names,
                                                const SpfDnsOptions& options) {
    auto session = DnsSession::open(options);
    if (!session) {
        return session.error();
    }
    auto& dns = (*session)->lookups();
    for (const auto& n : names) {
        for (const auto type : {DnsType::a, DnsType::aaaa}) {
            dns.ask({dns_name(n), type}, [] {});
        }
    }
    (*session)->run_while([&] { return dns.busy(); });
    std::vector<ResolvedHost> out;
    for (const auto& n : names) {
        ResolvedHost h{n, {}, {}};
        bool error = false;
        for (const auto type : {DnsType::a, DnsType::aaaa}) {
            const auto* a = dns.find(dns_name(n), type);
            error = error || a->status == DnsAnswer::Status::error;
            for (const auto& t : a->data) {
                if (const auto ip = IpAddress::parse(t)) {
                    h.addresses.push_back(*ip);
                }
            }
        }
        if (h.addresses.empty()) {
            h.problem = error ? "DNS error resolving the name" : "the name has no A or AAAA record";
        }
        out.push_back(std::move(h));
    }
    return out;
}

} // namespace rblscope
