#include "rblscope/catalog.hpp"

#include "core/catalog_document.hpp"
#include "core/files.hpp"
#include "core/sanitize.hpp"
#include "core/toml_reader.hpp"
#include "rblscope/target.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <fstream>
#include <set>
#include <sstream>
#include <toml++/toml.h>
#include <unordered_map>

namespace rblscope {

namespace {

// Ids are typed on command lines (-z) and written into every output format.
bool valid_id(std::string_view id) {
    if (id.empty() || id.size() > 64 || !std::isalnum(static_cast<unsigned char>(id[0]))) {
        return false;
    }
    return std::all_of(id.begin(), id.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
    });
}

std::string bad_id(std::string_view what, std::string_view id) {
    return fmt::format("{}: id \"{}\" must be lowercase letters, digits, '-', '.' or '_' "
                       "(at most 64)",
                       what,
                       sanitize_text(id, 80));
}

constexpr std::array<std::pair<std::string_view, ZoneKind>, 6> k_kinds{{
    {"ip4", ZoneKind::ip4},
    {"ip6", ZoneKind::ip6},
    {"both", ZoneKind::both},
    {"domain", ZoneKind::domain},
    {"hash", ZoneKind::hash},
    {"http", ZoneKind::http},
}};
constexpr std::array<std::pair<std::string_view, ZoneRole>, 4> k_roles{{
    {"block", ZoneRole::block},
    {"allow", ZoneRole::allow},
    {"reputation", ZoneRole::reputation},
    {"info", ZoneRole::info},
}};
constexpr std::array<std::pair<std::string_view, ZoneStatus>, 5> k_statuses{{
    {"active", ZoneStatus::active},
    {"unverified", ZoneStatus::unverified},
    {"key-required", ZoneStatus::key_required},
    {"defunct", ZoneStatus::defunct},
    {"lists-everything", ZoneStatus::lists_everything},
}};
constexpr std::array<std::pair<std::string_view, Severity>, 5> k_severities{{
    {"critical", Severity::critical},
    {"warning", Severity::warning},
    {"info", Severity::info},
    {"allow", Severity::allow},
    {"error", Severity::error},
}};
constexpr std::array<std::pair<std::string_view, Access>, 5> k_access{{
    {"free", Access::free},
    {"blocks-public-resolvers", Access::blocks_public_resolvers},
    {"registered-resolver", Access::registered_resolver},
    {"key", Access::key},
    {"subscription", Access::subscription},
}};

using toml_read::from_name;
using toml_read::names_of;
using toml_read::Reader;
using toml_read::to_name;

/// "127.0.*.255" -> (value, mask of the fixed octets); none unless it is four octets, each
/// a number 0..255 or "*".
std::optional<std::pair<std::uint32_t, std::uint32_t>> parse_code_pattern(std::string_view text) {
    std::uint32_t value = 0;
    std::uint32_t mask = 0;
    int octets = 0;
    std::size_t start = 0;
    while (start <= text.size()) {
        const auto dot = std::min(text.find('.', start), text.size());
        const auto part = text.substr(start, dot - start);
        if (++octets > 4 || part.empty()) {
            return std::nullopt;
        }
        value <<= 8;
        mask <<= 8;
        if (part != "*") {
            unsigned n = 0;
            for (const char c : part) {
                if (c < '0' || c > '9' || part.size() > 3) {
                    return std::nullopt;
                }
                n = n * 10 + static_cast<unsigned>(c - '0');
            }
            if (n > 255) {
                return std::nullopt;
            }
            value |= n;
            mask |= 0xffu;
        }
        start = dot + 1;
    }
    if (octets != 4) {
        return std::nullopt;
    }
    return std::pair{value, mask};
}

std::vector<CodeRule> read_codes(Reader& r,
                                 const toml::table& t,
                                 std::string_view what,
                                 Severity default_severity = Severity::critical) {
    std::vector<CodeRule> out;
    const auto* node = t.get("codes");
    if (node == nullptr) {
        return out;
    }
    const auto* arr = node->as_array();
    if (arr == nullptr) {
        r.fail(*node, fmt::format("{}: 'codes' must be an array of tables", what));
        return out;
    }
    for (const auto& el : *arr) {
        const auto* ct = el.as_table();
        if (ct == nullptr) {
            r.fail(el,
                   fmt::format("{}: each code must be a table like {{ code = \"127.0.0.2\", "
                               "meaning = \"...\" }}",
                               what));
            continue;
        }
        r.only_keys(*ct, {"code", "bit", "meaning", "severity"}, what);
        CodeRule rule;
        rule.meaning = r.string(*ct, "meaning", what).value_or("");
        rule.severity = r.choice(*ct, "severity", what, k_severities).value_or(default_severity);
        const auto code = r.string(*ct, "code", what);
        const auto* bit = ct->get("bit");
        if (code.has_value() == (bit != nullptr)) {
            r.fail(el,
                   fmt::format("{}: a code needs exactly one of 'code' (address or CIDR) "
                               "or 'bit' (bitmask on the last octet)",
                               what));
            continue;
        }
        if (bit != nullptr) {
            const auto v = bit->value<std::int64_t>();
            if (!v || *v <= 0 || *v > 255) {
                r.fail(*bit, fmt::format("{}: 'bit' must be an integer 1..255", what));
                continue;
            }
            rule.match = CodeRule::Match::bitmask;
            rule.value = static_cast<std::uint32_t>(*v);
        } else if (code->find('*') != std::string::npos) {
            const auto pattern = parse_code_pattern(*code);
            if (!pattern) {
                r.fail(*ct->get("code"),
                       fmt::format("{}: code \"{}\" is not a pattern of four octets, each a "
                                   "number or * (like \"127.0.*.255\")",
                                   what,
                                   *code));
                continue;
            }
            rule.match = CodeRule::Match::pattern;
            rule.value = pattern->first;
            rule.mask = pattern->second;
        } else if (code->find('/') != std::string::npos) {
            auto c = Cidr::parse(*code);
            if (!c || !c->network().is_v4()) {
                r.fail(*ct->get("code"),
                       fmt::format(
                           "{}: code \"{}\" is not an IPv4 address or CIDR block", what, *code));
                continue;
            }
            rule.match = CodeRule::Match::cidr;
            rule.value = c->network().v4_value();
            rule.prefix = c->prefix();
        } else {
            auto ip = IpAddress::parse(*code);
            if (!ip || !ip->is_v4()) {
                r.fail(*ct->get("code"),
                       fmt::format("{}: code \"{}\" is not an IPv4 address", what, *code));
                continue;
            }
            rule.match = CodeRule::Match::exact;
            rule.value = ip->v4_value();
        }
        out.push_back(std::move(rule));
    }
    return out;
}

/// Fields a zone can inherit from its [[operator]] block.
struct OperatorDefaults {
    std::string name;
    std::string delist_url;
    std::string refusal_hint;
    std::optional<Access> access;
    std::optional<bool> txt;
    std::vector<CodeRule> codes;
    std::vector<std::string> tags;
};

bool valid_zone_name(std::string_view zone) {
    std::string probe(zone);
    if (const auto k = probe.find("{key}"); k != std::string::npos) {
        probe.replace(k, 5, "key");
    }
    return is_valid_hostname(probe);
}

bool valid_url_template(std::string_view url) {
    if (!(url.starts_with("https://") || url.starts_with("http://"))) {
        return false;
    }
    return std::none_of(url.begin(), url.end(), [](char c) {
        return static_cast<unsigned char>(c) <= 0x20 || c == '"' || c == '<' || c == '>' ||
               c == '\\';
    });
}

std::optional<TestPoint> test_point(Reader& r,
                                    const toml::table& t,
                                    std::string_view key,
                                    std::string_view what,
                                    const Zone& z,
                                    std::string_view dflt) {
    const auto s = r.string(t, key, what);
    const std::string v = s.value_or(std::string(dflt));
    if (v.empty()) {
        return std::nullopt;
    }
    if (z.takes_ip() && !IpAddress::parse(v)) {
        r.fail(*t.get(key), fmt::format("{}: {} \"{}\" is not an IP address", what, key, v));
    } else if (z.kind == ZoneKind::domain && !is_valid_hostname(v + ".test")) {
        r.fail(*t.get(key), fmt::format("{}: {} \"{}\" is not a domain name", what, key, v));
    }
    return TestPoint{v};
}

} // namespace

bool CodeRule::matches(std::uint32_t answer) const noexcept {
    switch (match) {
    case Match::exact:
        return answer == value;
    case Match::cidr: {
        const std::uint32_t net = prefix == 0 ? 0 : ~std::uint32_t{0} << (32 - prefix);
        return (answer & net) == (value & net);
    }
    case Match::pattern:
        return (answer & mask) == (value & mask);
    case Match::bitmask:
        return (answer & 0xffu & value) != 0;
    }
    return false;
}

bool Zone::takes(IpAddress::Family family) const noexcept {
    if (kind == ZoneKind::both || kind == ZoneKind::http) {
        return true;
    }
    return (family == IpAddress::Family::v4 && kind == ZoneKind::ip4) ||
           (family == IpAddress::Family::v6 && kind == ZoneKind::ip6);
}

const Zone* Catalog::find(std::string_view id_or_zone) const noexcept {
    for (const auto& z : zones) {
        if (z.id == id_or_zone || z.zone == id_or_zone) {
            return &z;
        }
    }
    return nullptr;
}

std::string_view to_string(ZoneKind v) noexcept {
    return to_name(k_kinds, v);
}
std::string_view to_string(ZoneRole v) noexcept {
    return to_name(k_roles, v);
}
std::string_view to_string(ZoneStatus v) noexcept {
    return to_name(k_statuses, v);
}
std::string_view to_string(Severity v) noexcept {
    return to_name(k_severities, v);
}
std::string_view to_string(Access v) noexcept {
    return to_name(k_access, v);
}

Zone make_bare_zone(std::string_view zone_name) {
    Zone z;
    z.id = std::string(zone_name);
    z.name = std::string(zone_name);
    z.zone = std::string(zone_name);
    // IPv4 and IPv6: the zone's IPv6 test points decide in each run whether IPv6 addresses
    // are asked (RFC 5782 section 5); 127.255.255.0/24 answers are errors on every zone.
    z.kind = ZoneKind::both;
    z.bare = true;
    z.status = ZoneStatus::unverified;
    z.enabled_by_default = true;
    z.txt = true;
    z.test_listed = TestPoint{"127.0.0.2"};
    z.test_unlisted = TestPoint{"127.0.0.1"};
    z.test_listed6 = TestPoint{"::ffff:7f00:2"};
    z.test_unlisted6 = TestPoint{"::ffff:7f00:1"};
    z.where = "--zones";
    return z;
}

Result<Catalog> parse_catalog(std::string_view text, const std::string& source_name) {
    auto parsed = toml_read::parse(text, source_name);
    if (!parsed) {
        return parsed.error();
    }
    auto cat = parse_catalog_document(parsed.value(), source_name);
    if (cat) {
        cat->document =
            std::make_shared<CatalogDocument>(CatalogDocument{std::move(parsed.value())});
    }
    return cat;
}

Result<Catalog> parse_catalog_document(const toml::table& root, const std::string& source_name) {
    Reader r(source_name);
    Catalog cat;
    cat.source = source_name;
    r.only_keys(
        root, {"meta", "resolvers", "operator", "zone", "provider", "rejection", "vet"}, "catalog");

    if (const auto* res = root.get_as<toml::table>("resolvers")) {
        r.only_keys(*res, {"public"}, "[resolvers]");
        cat.public_resolvers = r.strings(*res, "public", "[resolvers]");
        for (const auto& a : cat.public_resolvers) {
            if (!IpAddress::parse(a)) {
                r.fail(*res->get("public"),
                       fmt::format("[resolvers]: \"{}\" is not an IP address", a));
            }
        }
    }

    std::unordered_map<std::string, OperatorDefaults> operators;
    if (const auto* ops = root.get("operator")) {
        const auto* arr = ops->as_array();
        if (arr == nullptr) {
            r.fail(*ops, "'operator' must be an array of tables ([[operator]])");
        } else {
            for (const auto& el : *arr) {
                const auto* t = el.as_table();
                if (t == nullptr) {
                    r.fail(el, "each [[operator]] must be a table");
                    continue;
                }
                const auto id = r.string(*t, "id", "operator");
                if (!id) {
                    r.fail(el, "operator: missing 'id'");
                    continue;
                }
                if (!valid_id(*id)) {
                    r.fail(el, bad_id("operator", *id));
                    continue;
                }
                const auto what = fmt::format("operator \"{}\"", *id);
                r.only_keys(
                    *t,
                    {"id", "name", "delist", "access", "txt", "codes", "refusal_hint", "tags"},
                    what);
                OperatorDefaults d;
                d.name = r.string(*t, "name", what).value_or(*id);
                d.delist_url = r.string(*t, "delist", what).value_or("");
                if (!d.delist_url.empty() && !valid_url_template(d.delist_url)) {
                    r.fail(*t->get("delist"),
                           fmt::format("{}: delist URL must be http(s) without "
                                       "spaces or quotes",
                                       what));
                }
                d.refusal_hint = r.string(*t, "refusal_hint", what).value_or("");
                d.access = r.choice(*t, "access", what, k_access);
                d.txt = r.boolean(*t, "txt", what);
                d.codes = read_codes(r, *t, what);
                d.tags = r.strings(*t, "tags", what);
                if (!operators.emplace(*id, std::move(d)).second) {
                    r.fail(el, fmt::format("{}: defined twice", what));
                }
            }
        }
    }

    std::set<std::string> ids;
    std::set<std::string> names;
    if (const auto* zs = root.get("zone")) {
        const auto* arr = zs->as_array();
        if (arr == nullptr) {
            r.fail(*zs, "'zone' must be an array of tables ([[zone]])");
        } else {
            for (const auto& el : *arr) {
                if (r.failed()) {
                    break;
                }
                const auto* t = el.as_table();
                if (t == nullptr) {
                    r.fail(el, "each [[zone]] must be a table");
                    continue;
                }
                Zone z;
                z.where = r.line_of(el);
                for (const auto& [key, value] : *t) {
                    z.origins.emplace_back(std::string(key.str()), r.line_of(value));
                }
                const auto id = r.string(*t, "id", "zone");
                if (!id || id->empty()) {
                    r.fail(el, "zone: missing 'id'");
                    continue;
                }
                if (!valid_id(*id)) {
                    r.fail(el, bad_id("zone", *id));
                    continue;
                }
                z.id = *id;
                const auto what = fmt::format("zone \"{}\"", z.id);
                r.only_keys(*t,
                            {"id",
                             "name",
                             "zone",
                             "operator",
                             "kind",
                             "role",
                             "status",
                             "default",
                             "access",
                             "txt",
                             "delist",
                             "tags",
                             "note",
                             "codes",
                             "unknown_code",
                             "test_listed",
                             "test_unlisted",
                             "key_env",
                             "domain_query",
                             "hash",
                             "server",
                             "weight",
                             "refusal_hint",
                             "test_listed6",
                             "test_unlisted6",
                             "adapter",
                             "url",
                             "rate",
                             "replaces",
                             "aux_url"},
                            what);
                const OperatorDefaults* op = nullptr;
                if (auto op_id = r.string(*t, "operator", what)) {
                    const auto it = operators.find(*op_id);
                    if (it == operators.end()) {
                        r.fail(*t->get("operator"),
                               fmt::format("{}: unknown operator \"{}\"", what, *op_id));
                        continue;
                    }
                    op = &it->second;
                    z.operator_id = *op_id;
                }
                const auto zone_name = r.string(*t, "zone", what);
                if (!zone_name) {
                    r.fail(el, fmt::format("{}: missing 'zone'", what));
                    continue;
                }
                z.zone = *zone_name;
                if (!valid_zone_name(z.zone)) {
                    r.fail(*t->get("zone"),
                           fmt::format("{}: \"{}\" is not a valid DNS zone name", what, z.zone));
                    continue;
                }
                z.name = r.string(*t, "name", what)
                             .value_or(op != nullptr ? op->name + " " + z.zone : z.zone);
                const auto kind = r.choice(*t, "kind", what, k_kinds);
                if (!kind && !r.failed()) {
                    r.fail(el, fmt::format("{}: missing 'kind' ({})", what, names_of(k_kinds)));
                    continue;
                }
                z.kind = kind.value_or(ZoneKind::ip4);
                z.role = r.choice(*t, "role", what, k_roles).value_or(ZoneRole::block);
                z.status =
                    r.choice(*t, "status", what, k_statuses).value_or(ZoneStatus::unverified);
                z.access = r.choice(*t, "access", what, k_access)
                               .value_or(op != nullptr && op->access ? *op->access : Access::free);
                z.txt = r.boolean(*t, "txt", what)
                            .value_or(op != nullptr && op->txt ? *op->txt : false);
                z.delist_url =
                    r.string(*t, "delist", what).value_or(op != nullptr ? op->delist_url : "");
                if (!z.delist_url.empty() && !valid_url_template(z.delist_url)) {
                    r.fail(*t->get("delist"),
                           fmt::format("{}: delist URL must be http(s) without "
                                       "spaces or quotes",
                                       what));
                }
                z.refusal_hint = r.string(*t, "refusal_hint", what)
                                     .value_or(op != nullptr ? op->refusal_hint : "");
                z.note = r.string(*t, "note", what).value_or("");
                z.tags = r.strings(*t, "tags", what);
                if (op != nullptr) {
                    z.tags.insert(z.tags.begin(), op->tags.begin(), op->tags.end());
                }
                z.key_env = r.string(*t, "key_env", what).value_or("");
                // HTTP sources send their key in a header, DNS zones in the query name.
                if (z.kind == ZoneKind::http) {
                    z.adapter = r.string(*t, "adapter", what).value_or("");
                    z.url = r.string(*t, "url", what).value_or("");
                    z.rate = r.number(*t, "rate", what).value_or(5.0);
                    z.aux_url = r.string(*t, "aux_url", what).value_or("");
                    if (!z.aux_url.empty() && !valid_url_template(z.aux_url)) {
                        r.fail(*t->get("aux_url"),
                               fmt::format("{}: 'aux_url' must be an http(s) URL", what));
                    }
                    if (z.adapter == "spamhaus-asndrop" && z.aux_url.empty()) {
                        r.fail(el,
                               fmt::format("{}: adapter spamhaus-asndrop needs 'aux_url' (the "
                                           "RIPEstat base URL, for the origin AS)",
                                           what));
                    }
                    if (!(z.rate >= 0.001 && z.rate <= 1000)) {
                        r.fail(*t->get("rate"),
                               fmt::format("{}: 'rate' must be 0.001 to 1000 requests a second",
                                           what));
                    }
                    const auto& known = http_adapter_names();
                    if (std::find(known.begin(), known.end(), z.adapter) == known.end()) {
                        r.fail(t->contains("adapter") ? *t->get("adapter") : el,
                               fmt::format("{}: unknown adapter \"{}\" (expected one of: {})",
                                           what,
                                           z.adapter,
                                           fmt::join(known, ", ")));
                    }
                    if (!valid_url_template(z.url) || z.url.find('{') != std::string::npos) {
                        r.fail(t->contains("url") ? *t->get("url") : el,
                               fmt::format("{}: 'url' must be an http(s) URL without spaces, "
                                           "quotes or placeholders",
                                           what));
                    }
                } else if (t->contains("adapter") || t->contains("url") || t->contains("rate") ||
                           t->contains("aux_url")) {
                    r.fail(
                        el,
                        fmt::format("{}: 'adapter', 'url' and 'rate' apply only to kind \"http\"",
                                    what));
                } else if ((z.zone.find("{key}") != std::string::npos) != !z.key_env.empty()) {
                    r.fail(el,
                           fmt::format("{}: a zone with {{key}} needs 'key_env' and the other way "
                                       "round",
                                       what));
                }
                z.server = r.string(*t, "server", what).value_or("");
                z.replaces = r.string(*t, "replaces", what).value_or("");
                if (!z.replaces.empty() && z.key_env.empty()) {
                    r.fail(*t->get("replaces"),
                           fmt::format("{}: 'replaces' needs a key_env (it applies when the key "
                                       "is set)",
                                       what));
                }
                z.weight = r.number(*t, "weight", what).value_or(1.0);
                if (!t->contains("weight") &&
                    (z.role == ZoneRole::allow || z.role == ZoneRole::info)) {
                    z.weight =
                        0.0; // allowlist and info hits add nothing unless the catalog says so
                }
                if (z.role == ZoneRole::allow && z.weight > 0) {
                    r.fail(*t->get("weight"),
                           fmt::format("{}: an allowlist's weight must be zero or negative", what));
                }
                z.domain_query = r.string(*t, "domain_query", what).value_or("both");
                if (z.domain_query != "both" && z.domain_query != "hostname" &&
                    z.domain_query != "registered") {
                    r.fail(
                        *t->get("domain_query"),
                        fmt::format("{}: domain_query must be hostname, registered or both", what));
                }
                z.hash =
                    r.string(*t, "hash", what).value_or(z.kind == ZoneKind::hash ? "sha1-hex" : "");
                if (z.kind == ZoneKind::hash && z.hash != "sha1-hex" && z.hash != "md5-hex" &&
                    z.hash != "sha256-base32") {
                    r.fail(
                        el,
                        fmt::format("{}: hash must be sha1-hex, md5-hex or sha256-base32", what));
                }
                // Codes default to the zone role's severity unless they say otherwise.
                const Severity dflt_sev = z.role == ZoneRole::allow  ? Severity::allow
                                          : z.role == ZoneRole::info ? Severity::info
                                                                     : Severity::critical;
                z.codes = read_codes(r, *t, what, dflt_sev);
                if (op != nullptr) {
                    z.codes.insert(z.codes.end(), op->codes.begin(), op->codes.end());
                }
                z.unknown_code_severity =
                    r.choice(*t, "unknown_code", what, k_severities).value_or(dflt_sev);
                const bool active = z.status == ZoneStatus::active ||
                                    z.status == ZoneStatus::unverified ||
                                    z.status == ZoneStatus::key_required;
                z.enabled_by_default = r.boolean(*t, "default", what).value_or(false);
                if (z.enabled_by_default && !active && t->contains("status") &&
                    r.file_of(*t->get("status")) != r.file_of(*t->get("default"))) {
                    // An override file that retires a shipped zone switches its default off.
                    z.enabled_by_default = false;
                }
                if (z.enabled_by_default && !active) {
                    r.fail(*t->get("default"),
                           fmt::format(
                               "{}: a {} zone cannot be on by default", what, to_string(z.status)));
                }
                std::string_view pos_default, neg_default;
                switch (z.kind) {
                case ZoneKind::ip4:
                case ZoneKind::both:
                    pos_default = "127.0.0.2";
                    neg_default = "127.0.0.1";
                    break;
                case ZoneKind::ip6:
                    pos_default = "::ffff:7f00:2";
                    neg_default = "::ffff:7f00:1";
                    break;
                case ZoneKind::domain:
                    pos_default = "test";
                    neg_default = "invalid";
                    break;
                case ZoneKind::hash:
                case ZoneKind::http:
                    break;
                }
                z.test_listed = test_point(r, *t, "test_listed", what, z, pos_default);
                z.test_unlisted = test_point(r, *t, "test_unlisted", what, z, neg_default);
                if (z.kind == ZoneKind::both) {
                    // A list without a test entry for IPv4 has none for IPv6 either, unless
                    // the catalog says so.
                    z.test_listed6 = test_point(
                        r, *t, "test_listed6", what, z, z.test_listed ? "::ffff:7f00:2" : "");
                    z.test_unlisted6 = test_point(
                        r, *t, "test_unlisted6", what, z, z.test_unlisted ? "::ffff:7f00:1" : "");
                    for (const auto& [key, p6] : {std::pair{"test_listed6", &z.test_listed6},
                                                  std::pair{"test_unlisted6", &z.test_unlisted6}}) {
                        const auto ip = *p6 ? IpAddress::parse_exact((*p6)->subject) : std::nullopt;
                        if (ip && !ip->is_v4()) {
                            continue;
                        }
                        if (ip) {
                            r.fail(t->contains(key) ? *t->get(key) : el,
                                   fmt::format("{}: {} \"{}\" is not an IPv6 address",
                                               what,
                                               key,
                                               (*p6)->subject));
                        }
                    }
                } else {
                    for (const char* k : {"test_listed6", "test_unlisted6"}) {
                        if (t->contains(k)) {
                            r.fail(*t->get(k),
                                   fmt::format(
                                       "{}: {} applies only to zones of kind \"both\"", what, k));
                        }
                    }
                }
                if (!ids.insert(z.id).second) {
                    r.fail(el, fmt::format("{}: id used twice", what));
                }
                if (!names.insert(z.zone).second) {
                    r.fail(*t->get("zone"),
                           fmt::format("{}: zone {} already in the catalog", what, z.zone));
                }
                cat.zones.push_back(std::move(z));
            }
        }
    }
    if (r.failed()) {
        return r.error();
    }
    for (const auto& z : cat.zones) {
        if (!z.replaces.empty() && cat.find(z.replaces) == nullptr) {
            return Error{fmt::format("zone \"{}\": 'replaces' names no zone of the catalog "
                                     "(\"{}\")",
                                     z.id,
                                     sanitize_text(z.replaces, 80)),
                         z.where};
        }
    }
    if (cat.zones.empty()) {
        return Error{"the catalog has no [[zone]] entries", source_name};
    }
    return cat;
}

Result<Catalog> load_catalog(const std::string& path) {
    return load_catalog(path, {});
}

Result<Catalog> load_catalog(const std::string& path, const std::vector<std::string>& overrides) {
    std::vector<std::string> files{path};
    files.insert(files.end(), overrides.begin(), overrides.end());
    auto doc = read_catalog_document(files);
    if (!doc) {
        return doc.error();
    }
    auto cat = parse_catalog_document(doc.value(), path);
    if (cat) {
        cat->files = std::move(files);
        // Kept for the other tables' readers: the files are read and merged once.
        cat->document = std::make_shared<CatalogDocument>(CatalogDocument{std::move(doc.value())});
    }
    return cat;
}

std::vector<std::string> catalog_override_files(const std::string& system_dir) {
    std::vector<std::string> dirs;
    if (const char* env = std::getenv("RBLSCOPE_LISTS_D"); env != nullptr) {
        std::string_view rest = env;
        while (!rest.empty()) {
            const auto colon = rest.find(':');
            if (colon != 0) {
                dirs.emplace_back(rest.substr(0, colon));
            }
            rest.remove_prefix(colon == std::string_view::npos ? rest.size() : colon + 1);
        }
    } else {
        dirs.push_back(system_dir);
        if (const char* xdg = std::getenv("XDG_CONFIG_HOME"); xdg != nullptr && *xdg == '/') {
            dirs.push_back(std::string(xdg) + "/rblscope/lists.d");
        } else if (const char* home = std::getenv("HOME"); home != nullptr && *home == '/') {
            dirs.push_back(std::string(home) + "/.config/rblscope/lists.d");
        }
    }
    std::vector<std::string> files;
    for (const auto& dir : dirs) {
        std::error_code ec;
        std::vector<std::string> here;
        for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
            const auto name = entry.path().filename().string();
            if (!name.starts_with('.') && name.ends_with(".toml") && entry.is_regular_file(ec)) {
                here.push_back(entry.path().string());
            }
        }
        std::sort(here.begin(), here.end());
        files.insert(files.end(), here.begin(), here.end());
    }
    return files;
}

} // namespace rblscope
