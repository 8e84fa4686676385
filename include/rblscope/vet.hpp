#pragma once
/// \file vet.hpp
/// \brief `rblscope vet`: is an address ready to send mail? PTR and forward confirmation,
/// HELO, SPF, DMARC and DKIM, graded together with the blocklist check.

#include "rblscope/error.hpp"
#include "rblscope/explain.hpp"
#include "rblscope/ip.hpp"
#include "rblscope/result.hpp"
#include "rblscope/spf.hpp"

#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace rblscope {

/// Reverse DNS of one address (FCrDNS: the PTR name resolves back to the address).
struct PtrCheck {
    DnsAnswer::Status status = DnsAnswer::Status::ok; ///< of the PTR lookup
    std::vector<std::string> names;                   ///< PTR names (sanitised)
    std::string confirmed;      ///< the first name whose A/AAAA holds the address, or ""
    bool forward_error = false; ///< a PTR name's A/AAAA lookup failed (DNS error)
    bool generic = false;       ///< the name looks like an ISP's pool name (dsl, dyn, octets)
    std::string generic_why;    ///< the pattern or "the address's octets are in the name"
    std::string helo;           ///< --helo as given
    bool helo_judged = true;    ///< false: another address uses that name (see finish_vet)
    bool helo_matches = false;  ///< HELO equals the confirmed PTR name
    bool helo_resolves = false; ///< HELO's A/AAAA holds the address
    DnsAnswer::Status helo_status = DnsAnswer::Status::ok;
};

/// SPF of the domain for this address, with the smallest fix when it does not pass.
struct SpfCheck {
    SpfOutcome outcome;
    std::string fix; ///< e.g. "add ip6:2001:db8::25 to the SPF record of example.com"
};

/// The domain's DMARC policy (RFC 7489).
struct DmarcCheck {
    DnsAnswer::Status status = DnsAnswer::Status::ok;
    std::string queried; ///< _dmarc.DOMAIN (or of the organisational domain)
    std::string record;  ///< sanitised; "" when there is none
    std::string policy;  ///< none | quarantine | reject | "" (no record)
    std::string subdomain_policy;
    int pct = 100;
    std::string rua;
    std::string problem; ///< several records, a bad p=, a DNS error
};

/// One DKIM key (RFC 6376 section 3.6.1), measured with OpenSSL.
struct DkimCheck {
    DnsAnswer::Status status = DnsAnswer::Status::ok;
    std::string selector;
    std::string queried; ///< SELECTOR._domainkey.DOMAIN
    bool present = false;
    bool revoked = false;  ///< p= empty
    std::string algorithm; ///< rsa | ed25519
    int bits = 0;          ///< key size
    std::string problem;   ///< unparsable key, unknown k=, DNS error
};

enum class Readiness : std::uint8_t { ready, caution, burned, unknown };
[[nodiscard]] std::string_view to_string(Readiness r) noexcept;

/// Everything vet found for one address.
struct AddressVet {
    IpAddress ip;
    std::string target; ///< the input it came from (IP, hostname or CIDR)
    PtrCheck ptr;
    std::optional<SpfCheck> spf; ///< with --domain
    std::optional<TargetReport> blocklists;
    Readiness grade = Readiness::unknown;
    std::vector<std::string> reasons; ///< why the grade, worst first
};

/// A domain you must reach (a customer): its MX hosts, to tell who filters its mail.
struct RecipientCheck {
    std::string domain;
    DnsAnswer::Status status = DnsAnswer::Status::ok;
    std::vector<std::string> mx;          ///< exchange names, sanitised, in answer order
    std::optional<MailProvider> provider; ///< who filters its mail (finish_vet), if known
    std::string provider_via;             ///< the MX host that told
};

/// Domain-wide findings (once per run).
struct DomainVet {
    std::string domain;
    std::optional<DmarcCheck> dmarc;
    std::optional<DkimCheck> dkim;
    std::vector<RecipientCheck> recipients;
};

struct VetOptions {
    std::string domain;        ///< SPF and DMARC are checked for it
    std::string helo;          ///< compared with the PTR and resolved
    std::string dkim_selector; ///< with domain: the DKIM key is fetched and measured
    std::vector<std::string> recipient_domains; ///< their MX hosts are looked up
    SpfDnsOptions dns;                          ///< resolvers, timeout, retries, concurrency
    /// RE2 patterns of generic (pool) PTR names, from lists.toml `[vet] generic_ptr`.
    std::vector<std::string> generic_ptr;
};

/// Runs the DNS checks (PTR, FCrDNS, HELO, SPF per address; DMARC and DKIM once) for every
/// address at once in one event loop. Blocklists are checked separately (the engine's
/// run_check) and merged by grade().
[[nodiscard]] Result<std::vector<AddressVet>>
vet_dns(const std::vector<IpAddress>& addresses, const VetOptions& options, DomainVet& domain);

/// The smallest SPF edit that makes a group of failing addresses pass: the fewest
/// ip4:/ip6: terms that cover them and no address outside the vetted ones, in the record
/// where the same host's (or block's) passing addresses already stand.
struct SpfChange {
    std::string record;             ///< the domain whose TXT record to edit
    std::vector<std::string> terms; ///< "ip4:192.0.2.96/28", "ip6:2001:db8::25"
    std::size_t addresses = 0;      ///< failing addresses the terms cover
    bool publish = false;           ///< the domain has no SPF record: publish one
    std::string why;                ///< why that record ("where 192.0.2.25 passes", ...)
};

/// Whether an SPF result is one an added term would turn into a pass (fail, softfail,
/// neutral, none; errors want a fixed record, not a term).
[[nodiscard]] bool spf_needs_term(SpfResult result);

/// The smallest changes for every address whose SPF result is fail, softfail, neutral or
/// none (spf_advice.cpp; exposed for tests).
[[nodiscard]] std::vector<SpfChange> spf_changes(const std::vector<AddressVet>& addresses,
                                                 const std::string& domain);

/// One sender requirement of a provider, judged: pass, fail, or unknown (nothing told).
enum class RequirementState : std::uint8_t { pass, fail, unknown };
[[nodiscard]] std::string_view to_string(RequirementState s) noexcept;

struct RequirementCheck {
    SenderRequirement requirement;
    RequirementState state = RequirementState::unknown;
    std::string detail; ///< what it was judged by, or what would tell
};

/// A provider's sender requirements (`[[provider.requirement]]`) for the recipient domains
/// it serves, filled in from vet's own checks and the provider's view of --domain.
struct SenderChecklist {
    std::string provider;             ///< provider id
    std::string provider_name;        ///< e.g. "Gmail / Google Workspace"
    std::vector<std::string> domains; ///< the recipient domains it filters
    std::vector<RequirementCheck> items;
    /// The provider's own view of --domain (MailProvider::sources): how it was had, or why
    /// not ("set RBLSCOPE_GOOGLE_SA_FILE ...", "give --domain").
    std::string view_note;
};

/// When and how the vetting was done, for the reports.
struct VetContext {
    std::vector<std::string> targets; ///< as given
    double started_unix = 0;
    std::string resolver;           ///< "127.0.0.53:53 (the system's)", "192.0.2.53:53"
    std::vector<std::string> lists; ///< the blocklists asked (zone names)
};

/// A whole vetting: what the writers (text, JSON, HTML) show.
struct VetReport {
    VetContext context;
    std::vector<AddressVet> addresses;
    DomainVet domain;
    std::map<std::string, int> listings_by_zone; ///< blocklist listings (no allow/info lists)
    std::map<Readiness, int> grades;             ///< addresses per grade
    std::vector<SpfChange> spf_changes;
    /// Providers' own view of --domain (vet_provider_views), by provider id: the results of
    /// its sources for the domain, or why there are none (`view_notes`).
    std::map<std::string, TargetReport> provider_views;
    std::map<std::string, std::string> view_notes;
    std::vector<SenderChecklist> checklists; ///< one per provider with requirements
    std::string helo_note; ///< the addresses --helo was judged for, when not every one
    int exit_code = 0;     ///< Monitoring Plugins state (ready 0, caution 1, burned 2)
    bool interrupted = false;
};

/// Settles a report whose addresses carry their DNS checks and blocklist reports: which
/// addresses --helo applies to, grades, listings by list, SPF changes, recipient providers
/// and the exit code (`worst_input`: 3 when some input could not be used, else 0).
void finish_vet(VetReport& report, const BounceKnowledge& knowledge, int worst_input);

/// Which provider filters each recipient domain's mail, from its MX hosts.
void find_recipient_providers(DomainVet& domain, const BounceKnowledge& knowledge);

/// The checklists of the recipients' providers (sender_checklist.cpp; finish_vet calls it).
[[nodiscard]] std::vector<SenderChecklist> sender_checklists(const VetReport& report,
                                                             const BounceKnowledge& knowledge);

/// "256 addresses: 1 ready, 252 caution, 3 burned" (", 2 unknown" when there are any).
[[nodiscard]] std::string grade_summary(const VetReport& report);

/// Sets grade and reasons from what was found: burned (a critical blocklisting), caution
/// (policy listings, no or unconfirmed PTR, generic PTR, SPF not pass, weak or missing DKIM,
/// no DMARC, lists that could not be asked), ready otherwise.
void grade(AddressVet& address, const DomainVet& domain);

/// The writers (src/report/vet_*.cpp). Text: one section per address (one line each past 16
/// addresses), the domain, the SPF changes, the summary and the recipient domains.
void write_vet_text(std::FILE* out, const VetReport& report);
/// One JSON document (the schema is in the README).
[[nodiscard]] std::string vet_json(const VetReport& report);
/// A self-contained HTML page (inline CSS, no script, nothing fetched when viewed): the
/// addresses as a grid coloured by grade, each cell linking to its details, with everything
/// the text report says.
[[nodiscard]] std::string vet_html(const VetReport& report);

/// A and AAAA of each host name, all asked at once; an entry with no addresses carries the
/// reason in `problem`.
struct ResolvedHost {
    std::string name;
    std::vector<IpAddress> addresses;
    std::string problem;
};
[[nodiscard]] Result<std::vector<ResolvedHost>> resolve_hosts(const std::vector<std::string>& names,
                                                              const SpfDnsOptions& dns);

/// Reads DMARC / DKIM records (exposed for tests and fuzzing).
[[nodiscard]] DmarcCheck parse_dmarc(std::string_view record);
[[nodiscard]] DkimCheck parse_dkim(std::string_view record);

/// `[vet] generic_ptr` from a catalog file (empty when the table is absent).
[[nodiscard]] Result<std::vector<std::string>> load_generic_ptr_patterns(const std::string& path);
/// The same from a loaded catalog, its local override files included.
[[nodiscard]] Result<std::vector<std::string>> load_generic_ptr_patterns(const Catalog& catalog);

} // namespace rblscope
