#pragma once
/// \file catalog.hpp
/// \brief The zone catalog (`lists.toml`): which lists exist, how to ask them and how to
/// read their answers.
///
/// Every fact about a list lives in the catalog, not in code: return codes and what they
/// mean, error codes, test points, delisting URLs, access policy and health status.

#include "rblscope/error.hpp"
#include "rblscope/ip.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rblscope {

/// What a zone is queried with.
enum class ZoneKind : std::uint8_t {
    ip4,    ///< reversed IPv4 octets only
    ip6,    ///< reversed IPv6 nibbles only
    both,   ///< IPv4 and IPv6
    domain, ///< domain names (RHSBL / URIBL / DBL)
    hash,   ///< a hash of a normalised email address
    http,   ///< an HTTP reputation source (IPv4 and IPv6), asked through an adapter
};

/// What a positive answer means for the admin.
enum class ZoneRole : std::uint8_t {
    block,      ///< a blocklist: a listing hurts delivery
    allow,      ///< an allowlist: a listing helps (never makes a target "listed")
    reputation, ///< a scale with good and bad codes
    info,       ///< informational (e.g. Tor node lists, country lists)
};

/// Health of a list as last known to the catalog maintainers.
enum class ZoneStatus : std::uint8_t {
    active,           ///< confirmed working
    unverified,       ///< in maintained tools' lists, not otherwise confirmed
    key_required,     ///< works only with a key or a registered resolver
    defunct,          ///< closed, empty or not answering
    lists_everything, ///< answers "listed" for every query (dead domain, wildcard)
};

/// How bad a code is. Ordered from worst to least bad for a sender.
enum class Severity : std::uint8_t {
    critical, ///< a real blocklisting: mail is rejected by filters that use the list
    warning,  ///< policy listings (e.g. Spamhaus PBL), aggressive or scoring-only lists
    info,     ///< informational, no effect on delivery by itself
    allow,    ///< positive: an allowlist entry
    error,    ///< not an answer about the target: a refusal, a quota, a misuse code
};

/// Who may query a list and how.
enum class Access : std::uint8_t {
    free,                    ///< free for ordinary volumes
    blocks_public_resolvers, ///< free, but refuses shared public resolvers
    registered_resolver,     ///< the querying resolver's address must be registered
    key,                     ///< a key inside the query name
    subscription,            ///< paid data feed only
};

/// One row of a zone's return-code table. An answer is read by the first exact code, else
/// the first pattern in table order ("127.0.*.255"), else the longest CIDR, else every bit.
struct CodeRule {
    enum class Match : std::uint8_t { exact, pattern, cidr, bitmask };
    Match match = Match::exact;
    std::uint32_t value = 0; ///< exact: the address; cidr: the network; bitmask: the bits
    int prefix = 32;         ///< cidr only
    std::string meaning;     ///< e.g. "SBL: spam source"
    Severity severity = Severity::critical;
    std::uint32_t mask = 0; ///< pattern only: the octets that are not "*"

    [[nodiscard]] bool matches(std::uint32_t answer) const noexcept;
};

/// A query the zone must (or must not) list, checked in every run (RFC 5782 section 5).
/// For IP zones the subject is an address, for domain zones a name such as "test".
struct TestPoint {
    std::string subject;
};

/// One DNS list.
struct Zone {
    std::string id;          ///< stable catalog id, e.g. "spamhaus-zen"
    std::string name;        ///< human name, e.g. "Spamhaus ZEN"
    std::string zone;        ///< DNS suffix; may contain "{key}"
    std::string key_env;     ///< environment variable holding the key, if zone has {key}
    std::string operator_id; ///< operator block this zone inherited from
    ZoneKind kind = ZoneKind::ip4;
    ZoneRole role = ZoneRole::block;
    ZoneStatus status = ZoneStatus::active;
    Access access = Access::free;
    bool enabled_by_default = false;
    bool txt = false;                  ///< the list publishes TXT reasons
    bool bare = false;                 ///< not from the catalog: generic RFC 5782 rules apply
    std::string domain_query = "both"; ///< domain zones: "hostname", "registered" or "both"
    std::string hash;                  ///< hash zones: "sha1-hex" or "sha256-base32"
    std::string adapter;               ///< http sources: which adapter speaks its API
    std::string url;                   ///< http sources: base URL (overridable for mirrors, tests)
    std::string aux_url; ///< http sources: a second service the adapter needs (ASN-DROP: RIPEstat)
    double rate = 5.0;   ///< http sources: requests per second at most
    /// http sources: asked about domain names (`subject = "domain"`), not addresses.
    bool http_domains = false;
    /// http sources: the adapter's figures (`params = { spam_rate_warning = 0.001 }`).
    std::vector<std::pair<std::string, double>> params;
    std::string replaces;     ///< id of a zone this one stands in for when its key is set
    std::string delist_url;   ///< template with {ip}, {domain} or {subject}
    std::string refusal_hint; ///< what to do when the list refuses us
    std::string next_step;    ///< what to do about a listing (serve's notifications say it)
    std::string server;       ///< route queries for this zone to "IP[:PORT]"
    std::string note;
    std::vector<std::string> tags;
    std::vector<CodeRule> codes;
    Severity unknown_code_severity = Severity::critical; ///< for codes not in the table
    std::optional<TestPoint> test_listed;   ///< must be listed; none when the list has no entry
    std::optional<TestPoint> test_unlisted; ///< must not be listed
    /// Zones of kind "both" answer IPv6 queries from separate data, so IPv6 targets are
    /// judged by IPv6 test points (RFC 5782: ::ffff:7f00:2 listed, ::ffff:7f00:1 not).
    std::optional<TestPoint> test_listed6;
    std::optional<TestPoint> test_unlisted6;
    double weight = 1.0;
    std::string where; ///< "lists.toml:LINE" of the [[zone]] table
    /// Each key of its table and the "FILE:LINE" it was set at: the catalog's own file, or a
    /// local override file (`rblscope zones --show-origin`).
    std::vector<std::pair<std::string, std::string>> origins;

    /// True when an IP of this family can be asked.
    [[nodiscard]] bool takes(IpAddress::Family family) const noexcept;
    [[nodiscard]] bool takes_ip() const noexcept {
        return kind == ZoneKind::ip4 || kind == ZoneKind::ip6 || kind == ZoneKind::both ||
               (kind == ZoneKind::http && !http_domains);
    }
    /// True for zones asked about domain names: DNS domain zones and domain HTTP sources.
    [[nodiscard]] bool takes_domain() const noexcept {
        return kind == ZoneKind::domain || (kind == ZoneKind::http && http_domains);
    }
    /// The adapter figure called `key`, if the catalog gives it.
    [[nodiscard]] std::optional<double> param(std::string_view key) const noexcept;
};

/// Names of the HTTP adapters rblscope has (kind "http" entries must use one of them).
[[nodiscard]] const std::vector<std::string_view>& http_adapter_names();

/// The catalog's merged TOML document (core/catalog_document.hpp), kept so that the readers
/// of its other tables (bounce knowledge, vet patterns) do not read the files again.
struct CatalogDocument;

/// The whole catalog.
struct Catalog {
    std::vector<Zone> zones;
    std::vector<std::string> public_resolvers; ///< addresses of well-known public resolvers
    std::string source;                        ///< file the catalog was read from
    std::vector<std::string> files; ///< that file, then the override files merged into it
    std::shared_ptr<const CatalogDocument> document; ///< the tables as read, overrides merged

    [[nodiscard]] const Zone* find(std::string_view id_or_zone) const noexcept;
};

/// Reads and validates a catalog. Every error names "FILE:LINE:COL".
[[nodiscard]] Result<Catalog> load_catalog(const std::string& path);
/// The same with local override files merged in, in order: a [[zone]] (or [[operator]],
/// [[provider]], [[rejection]]) whose id is in the catalog changes the keys it names, a new
/// id adds an entry. Errors name the file the offending line is in.
[[nodiscard]] Result<Catalog> load_catalog(const std::string& path,
                                           const std::vector<std::string>& overrides);

/// Where a build looks for its shipped catalog (the front end fills it from its build's
/// settings).
struct CatalogPlaces {
    std::string build_dir;         ///< an executable in this directory is still in its build
                                   ///< tree, and uses...
    std::string source_catalog;    ///< ... the source tree's lists.toml
    std::string installed_catalog; ///< the install's data directory's
};

/// The catalog file: `option` (--catalog), else $RBLSCOPE_CATALOG, else the shipped one:
/// the source tree's for an executable still in its build tree, else the installed one,
/// else ../share/rblscope/lists.toml next to the executable (an install moved elsewhere).
/// An Error saying how to name one when none exists.
[[nodiscard]] Result<std::string> find_catalog_file(const std::string& option,
                                                    const CatalogPlaces& places);

/// The local override files: every *.toml (not hidden) of `system_dir` (e.g.
/// /etc/rblscope/lists.d), then of $XDG_CONFIG_HOME/rblscope/lists.d or
/// ~/.config/rblscope/lists.d, each directory in name order. $RBLSCOPE_LISTS_D, when set,
/// names the directories instead (colon-separated; empty: none).
[[nodiscard]] std::vector<std::string> catalog_override_files(const std::string& system_dir);
/// Same, from text (`source_name` appears in error locations).
[[nodiscard]] Result<Catalog> parse_catalog(std::string_view text, const std::string& source_name);

/// A zone not in the catalog, queried with generic RFC 5782 rules: 127.0.0.2 listed and
/// 127.0.0.1 not; IPv6 addresses too when the zone lists ::ffff:7f00:2 and not ::ffff:7f00:1
/// (the Run checks in each run); every code in 127/8 a listing except 127.255.255.0/24,
/// which is an error code on every zone.
[[nodiscard]] Zone make_bare_zone(std::string_view zone_name);

/// Names used in the catalog and in reports.
[[nodiscard]] std::string_view to_string(ZoneKind) noexcept;
[[nodiscard]] std::string_view to_string(ZoneRole) noexcept;
[[nodiscard]] std::string_view to_string(ZoneStatus) noexcept;
[[nodiscard]] std::string_view to_string(Severity) noexcept;
[[nodiscard]] std::string_view to_string(Access) noexcept;

} // namespace rblscope
