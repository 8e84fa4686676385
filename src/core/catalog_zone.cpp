// The [[operator]] and [[zone]] tables of the catalog.

#include "core/catalog_fields.hpp"
#include "rblscope/target.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <fmt/ranges.h>

namespace rblscope::catalog_detail {

using toml_read::names_of;

namespace {

/// `subject` (what the source is asked about) and `params` (the adapter's figures, e.g.
/// thresholds): the adapters that need figures say which, so a missing one is a catalog
/// error here rather than a guess in code.
void read_adapter_params(Reader& r, const toml::table& t, const std::string& what, Zone& z) {
    const auto subject = r.string(t, "subject", what).value_or("ip");
    if (subject != "ip" && subject != "domain") {
        r.fail(*t.get("subject"), fmt::format("{}: 'subject' must be \"ip\" or \"domain\"", what));
    }
    z.http_domains = subject == "domain";
    if (const auto* node = t.get("params")) {
        const auto* params = node->as_table();
        if (params == nullptr) {
            r.fail(*node, fmt::format("{}: 'params' must be a table of numbers", what));
            return;
        }
        for (const auto& [name, value] : *params) {
            const auto number = value.is_number() ? value.value<double>() : std::nullopt;
            if (!number) {
                r.fail(value, fmt::format("{}: params.{} must be a number", what, name.str()));
                continue;
            }
            z.params.emplace_back(std::string(name.str()), *number);
        }
    }
    if (z.adapter == "google-postmaster-compliance" && (!z.http_domains || z.aux_url.empty())) {
        r.fail(*t.get("adapter"),
               fmt::format("{}: adapter google-postmaster-compliance needs subject = \"domain\" "
                           "and 'aux_url' (the OAuth token URL)",
                           what));
    }
    if (z.adapter == "google-postmaster") {
        for (const auto* needed : {"spam_rate_warning", "spam_rate_critical", "days"}) {
            if (!z.param(needed)) {
                r.fail(t.contains("params") ? *t.get("params") : *t.get("adapter"),
                       fmt::format("{}: adapter google-postmaster needs params.{}", what, needed));
            }
        }
        if (!z.http_domains || z.aux_url.empty()) {
            r.fail(*t.get("adapter"),
                   fmt::format("{}: adapter google-postmaster needs subject = \"domain\" and "
                               "'aux_url' (the OAuth token URL)",
                               what));
        }
        const auto warning = z.param("spam_rate_warning").value_or(0);
        const auto critical = z.param("spam_rate_critical").value_or(0);
        const auto days = z.param("days").value_or(1);
        if (!(warning > 0 && warning <= critical && critical <= 1) || !(days >= 1 && days <= 120)) {
            r.fail(t.contains("params") ? *t.get("params") : *t.get("adapter"),
                   fmt::format("{}: google-postmaster's params: 0 < spam_rate_warning <= "
                               "spam_rate_critical <= 1 (ratios: 0.001 is 0.1 %), days 1 to 120",
                               what));
        }
    }
}

/// HTTP sources send their key in a header and need an adapter and a URL; DNS zones carry a
/// key in the query name ("{key}").
void read_source_fields(
    Reader& r, const toml::table& table, const toml::node& el, const std::string& what, Zone& z) {
    const auto* t = &table;
    if (z.kind == ZoneKind::http) {
        z.adapter = r.string(*t, "adapter", what).value_or("");
        z.url = r.string(*t, "url", what).value_or("");
        z.rate = r.number(*t, "rate", what).value_or(5.0);
        z.aux_url = r.string(*t, "aux_url", what).value_or("");
        if (!z.aux_url.empty() && !valid_url_template(z.aux_url)) {
            r.fail(*t->get("aux_url"), fmt::format("{}: 'aux_url' must be an http(s) URL", what));
        }
        read_adapter_params(r, *t, what, z);
        if (z.adapter == "spamhaus-asndrop" && z.aux_url.empty()) {
            r.fail(el,
                   fmt::format("{}: adapter spamhaus-asndrop needs 'aux_url' (the "
                               "RIPEstat base URL, for the origin AS)",
                               what));
        }
        if (!(z.rate >= 0.001 && z.rate <= 1000)) {
            r.fail(*t->get("rate"),
                   fmt::format("{}: 'rate' must be 0.001 to 1000 requests a second", what));
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
               t->contains("aux_url") || t->contains("subject") || t->contains("params")) {
        r.fail(el,
               fmt::format("{}: 'adapter', 'url', 'rate', 'subject' and 'params' apply only to "
                           "kind \"http\"",
                           what));
    } else if ((z.zone.find("{key}") != std::string::npos) != !z.key_env.empty()) {
        r.fail(el,
               fmt::format("{}: a zone with {{key}} needs 'key_env' and the other way "
                           "round",
                           what));
    }
}

/// The test points (RFC 5782 section 5): the catalog's, or the defaults of the zone's kind.
void read_test_points(
    Reader& r, const toml::table& table, const toml::node& el, const std::string& what, Zone& z) {
    const auto* t = &table;
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
        z.test_listed6 =
            test_point(r, *t, "test_listed6", what, z, z.test_listed ? "::ffff:7f00:2" : "");
        z.test_unlisted6 =
            test_point(r, *t, "test_unlisted6", what, z, z.test_unlisted ? "::ffff:7f00:1" : "");
        for (const auto& [key, p6] : {std::pair{"test_listed6", &z.test_listed6},
                                      std::pair{"test_unlisted6", &z.test_unlisted6}}) {
            const auto ip = *p6 ? IpAddress::parse_exact((*p6)->subject) : std::nullopt;
            if (ip && !ip->is_v4()) {
                continue;
            }
            if (ip) {
                r.fail(
                    t->contains(key) ? *t->get(key) : el,
                    fmt::format("{}: {} \"{}\" is not an IPv6 address", what, key, (*p6)->subject));
            }
        }
    } else {
        for (const char* k : {"test_listed6", "test_unlisted6"}) {
            if (t->contains(k)) {
                r.fail(*t->get(k),
                       fmt::format("{}: {} applies only to zones of kind \"both\"", what, k));
            }
        }
    }
}

} // namespace

Operators read_operators(Reader& r, const toml::table& root) {
    Operators operators;
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
                r.only_keys(*t,
                            {"id",
                             "name",
                             "delist",
                             "access",
                             "txt",
                             "codes",
                             "refusal_hint",
                             "next_step",
                             "tags"},
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
                d.next_step = r.string(*t, "next_step", what).value_or("");
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
    return operators;
}

std::optional<Zone>
read_zone(Reader& r, const toml::table& table, const toml::node& el, const Operators& operators) {
    const auto* t = &table;
    Zone z;
    z.where = r.line_of(el);
    for (const auto& [key, value] : *t) {
        z.origins.emplace_back(std::string(key.str()), r.line_of(value));
    }
    const auto id = r.string(*t, "id", "zone");
    if (!id || id->empty()) {
        r.fail(el, "zone: missing 'id'");
        return std::nullopt;
    }
    if (!valid_id(*id)) {
        r.fail(el, bad_id("zone", *id));
        return std::nullopt;
    }
    z.id = *id;
    const auto what = fmt::format("zone \"{}\"", z.id);
    r.only_keys(*t,
                {"id",          "name",          "zone",         "operator",     "kind",
                 "role",        "status",        "default",      "access",       "txt",
                 "delist",      "tags",          "note",         "codes",        "unknown_code",
                 "test_listed", "test_unlisted", "key_env",      "domain_query", "hash",
                 "server",      "weight",        "refusal_hint", "test_listed6", "test_unlisted6",
                 "adapter",     "url",           "rate",         "replaces",     "aux_url",
                 "next_step",   "subject",       "params"},
                what);
    const OperatorDefaults* op = nullptr;
    if (auto op_id = r.string(*t, "operator", what)) {
        const auto it = operators.find(*op_id);
        if (it == operators.end()) {
            r.fail(*t->get("operator"), fmt::format("{}: unknown operator \"{}\"", what, *op_id));
            return std::nullopt;
        }
        op = &it->second;
        z.operator_id = *op_id;
    }
    const auto zone_name = r.string(*t, "zone", what);
    if (!zone_name) {
        r.fail(el, fmt::format("{}: missing 'zone'", what));
        return std::nullopt;
    }
    z.zone = *zone_name;
    if (!valid_zone_name(z.zone)) {
        r.fail(*t->get("zone"),
               fmt::format("{}: \"{}\" is not a valid DNS zone name", what, z.zone));
        return std::nullopt;
    }
    z.name = r.string(*t, "name", what).value_or(op != nullptr ? op->name + " " + z.zone : z.zone);
    const auto kind = r.choice(*t, "kind", what, k_kinds);
    if (!kind && !r.failed()) {
        r.fail(el, fmt::format("{}: missing 'kind' ({})", what, names_of(k_kinds)));
        return std::nullopt;
    }
    z.kind = kind.value_or(ZoneKind::ip4);
    z.role = r.choice(*t, "role", what, k_roles).value_or(ZoneRole::block);
    z.status = r.choice(*t, "status", what, k_statuses).value_or(ZoneStatus::unverified);
    z.access = r.choice(*t, "access", what, k_access)
                   .value_or(op != nullptr && op->access ? *op->access : Access::free);
    z.txt = r.boolean(*t, "txt", what).value_or(op != nullptr && op->txt ? *op->txt : false);
    z.delist_url = r.string(*t, "delist", what).value_or(op != nullptr ? op->delist_url : "");
    if (!z.delist_url.empty() && !valid_url_template(z.delist_url)) {
        r.fail(*t->get("delist"),
               fmt::format("{}: delist URL must be http(s) without "
                           "spaces or quotes",
                           what));
    }
    z.refusal_hint =
        r.string(*t, "refusal_hint", what).value_or(op != nullptr ? op->refusal_hint : "");
    z.next_step = r.string(*t, "next_step", what).value_or(op != nullptr ? op->next_step : "");
    z.note = r.string(*t, "note", what).value_or("");
    z.tags = r.strings(*t, "tags", what);
    if (op != nullptr) {
        z.tags.insert(z.tags.begin(), op->tags.begin(), op->tags.end());
    }
    z.key_env = r.string(*t, "key_env", what).value_or("");
    read_source_fields(r, *t, el, what, z);
    z.server = r.string(*t, "server", what).value_or("");
    z.replaces = r.string(*t, "replaces", what).value_or("");
    if (!z.replaces.empty() && z.key_env.empty()) {
        r.fail(*t->get("replaces"),
               fmt::format("{}: 'replaces' needs a key_env (it applies when the key "
                           "is set)",
                           what));
    }
    z.weight = r.number(*t, "weight", what).value_or(1.0);
    if (!t->contains("weight") && (z.role == ZoneRole::allow || z.role == ZoneRole::info)) {
        z.weight = 0.0; // allowlist and info hits add nothing unless the catalog says so
    }
    if (z.role == ZoneRole::allow && z.weight > 0) {
        r.fail(*t->get("weight"),
               fmt::format("{}: an allowlist's weight must be zero or negative", what));
    }
    z.domain_query = r.string(*t, "domain_query", what).value_or("both");
    if (z.domain_query != "both" && z.domain_query != "hostname" &&
        z.domain_query != "registered") {
        r.fail(*t->get("domain_query"),
               fmt::format("{}: domain_query must be hostname, registered or both", what));
    }
    z.hash = r.string(*t, "hash", what).value_or(z.kind == ZoneKind::hash ? "sha1-hex" : "");
    if (z.kind == ZoneKind::hash && z.hash != "sha1-hex" && z.hash != "md5-hex" &&
        z.hash != "sha256-base32") {
        r.fail(el, fmt::format("{}: hash must be sha1-hex, md5-hex or sha256-base32", what));
    }
    // Codes default to the zone role's severity unless they say otherwise.
    const Severity dflt_sev = z.role == ZoneRole::allow  ? Severity::allow
                              : z.role == ZoneRole::info ? Severity::info
                                                         : Severity::critical;
    z.codes = read_codes(r, *t, what, dflt_sev);
    if (op != nullptr) {
        z.codes.insert(z.codes.end(), op->codes.begin(), op->codes.end());
    }
    z.unknown_code_severity = r.choice(*t, "unknown_code", what, k_severities).value_or(dflt_sev);
    const bool active = z.status == ZoneStatus::active || z.status == ZoneStatus::unverified ||
                        z.status == ZoneStatus::key_required;
    z.enabled_by_default = r.boolean(*t, "default", what).value_or(false);
    if (z.enabled_by_default && !active && t->contains("status") &&
        r.file_of(*t->get("status")) != r.file_of(*t->get("default"))) {
        // An override file that retires a shipped zone switches its default off.
        z.enabled_by_default = false;
    }
    if (z.enabled_by_default && !active) {
        r.fail(*t->get("default"),
               fmt::format("{}: a {} zone cannot be on by default", what, to_string(z.status)));
    }
    read_test_points(r, *t, el, what, z);
    return z;
}

} // namespace rblscope::catalog_detail
