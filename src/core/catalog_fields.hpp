#pragma once
// The pieces of a catalog entry that several tables share (ids, codes, URLs, the names of
// kinds, roles, statuses, severities and access), and the readers of the [[operator]] and
// [[zone]] tables. Internal to the catalog's loader (catalog.cpp).

#include "core/toml_reader.hpp"
#include "rblscope/catalog.hpp"

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <toml++/toml.h>
#include <unordered_map>
#include <utility>
#include <vector>

namespace rblscope::catalog_detail {

using toml_read::Reader;

inline constexpr std::array<std::pair<std::string_view, ZoneKind>, 6> k_kinds{{
    {"ip4", ZoneKind::ip4},
    {"ip6", ZoneKind::ip6},
    {"both", ZoneKind::both},
    {"domain", ZoneKind::domain},
    {"hash", ZoneKind::hash},
    {"http", ZoneKind::http},
}};
inline constexpr std::array<std::pair<std::string_view, ZoneRole>, 4> k_roles{{
    {"block", ZoneRole::block},
    {"allow", ZoneRole::allow},
    {"reputation", ZoneRole::reputation},
    {"info", ZoneRole::info},
}};
inline constexpr std::array<std::pair<std::string_view, ZoneStatus>, 5> k_statuses{{
    {"active", ZoneStatus::active},
    {"unverified", ZoneStatus::unverified},
    {"key-required", ZoneStatus::key_required},
    {"defunct", ZoneStatus::defunct},
    {"lists-everything", ZoneStatus::lists_everything},
}};
inline constexpr std::array<std::pair<std::string_view, Severity>, 5> k_severities{{
    {"critical", Severity::critical},
    {"warning", Severity::warning},
    {"info", Severity::info},
    {"allow", Severity::allow},
    {"error", Severity::error},
}};
inline constexpr std::array<std::pair<std::string_view, Access>, 5> k_access{{
    {"free", Access::free},
    {"blocks-public-resolvers", Access::blocks_public_resolvers},
    {"registered-resolver", Access::registered_resolver},
    {"key", Access::key},
    {"subscription", Access::subscription},
}};

/// Fields a zone can inherit from its [[operator]] block.
struct OperatorDefaults {
    std::string name;
    std::string delist_url;
    std::string refusal_hint;
    std::string next_step;
    std::optional<Access> access;
    std::optional<bool> txt;
    std::vector<CodeRule> codes;
    std::vector<std::string> tags;
};
using Operators = std::unordered_map<std::string, OperatorDefaults>;

/// Ids are typed on command lines (-z) and written into every output format.
bool valid_id(std::string_view id);
/// "WHAT: id "X" must be ..." for an id valid_id() refuses.
std::string bad_id(std::string_view what, std::string_view id);
/// A zone name, "{key}" standing for a key.
bool valid_zone_name(std::string_view zone);
/// An http(s) URL without spaces, quotes or angle brackets (it is written into reports).
bool valid_url_template(std::string_view url);
/// The 'codes' array of a zone or an operator; codes without a severity get `default_severity`.
std::vector<CodeRule> read_codes(Reader& r,
                                 const toml::table& t,
                                 std::string_view what,
                                 Severity default_severity = Severity::critical);
/// A test point `key` of zone `z` (or `dflt`), checked against the zone's kind.
std::optional<TestPoint> test_point(Reader& r,
                                    const toml::table& t,
                                    std::string_view key,
                                    std::string_view what,
                                    const Zone& z,
                                    std::string_view dflt);

/// The [[operator]] tables: the defaults their zones inherit, by id.
Operators read_operators(Reader& r, const toml::table& root);
/// One [[zone]] table `t` (the array element `el`), its operator's defaults applied; nullopt
/// after a failure reported to `r` that leaves nothing to check further.
std::optional<Zone>
read_zone(Reader& r, const toml::table& t, const toml::node& el, const Operators& operators);

} // namespace rblscope::catalog_detail
