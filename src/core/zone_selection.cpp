// Zone selection for check, explain --check, vet, zones --health and serve: one reading of
// --zones and --sources for every subcommand.

#include "rblscope/zone_selection.hpp"

#include "core/sanitize.hpp"
#include "rblscope/config.hpp"
#include "rblscope/target.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <set>
#include <string_view>
#include <utility>

namespace rblscope {

namespace {

/// "a, b,,c" -> {"a", "b", "c"} (spaces dropped, empty items skipped).
std::vector<std::string> comma_list(const std::string& text) {
    std::vector<std::string> items;
    std::string cur;
    for (const char c : text + ",") {
        if (c == ',') {
            if (!cur.empty()) {
                items.push_back(cur);
            }
            cur.clear();
        } else if (c != ' ') {
            cur += c;
        }
    }
    return items;
}

/// The catalog zone whose "{key}.SUFFIX" template `name` fills in, or null.
const Zone* keyed_zone_named(const Catalog& catalog, std::string_view name) {
    for (const auto& z : catalog.zones) {
        if (!z.zone.starts_with("{key}.")) {
            continue;
        }
        const std::string_view suffix = std::string_view(z.zone).substr(5); // ".zen.dq..."
        if (name.size() > suffix.size() && name.ends_with(suffix) &&
            name.substr(0, name.size() - suffix.size()).find('.') == std::string_view::npos) {
            return &z;
        }
    }
    return nullptr;
}

bool usable(const Zone& z) {
    return z.status != ZoneStatus::defunct && z.status != ZoneStatus::lists_everything;
}

/// Exactly what --zones names, in order, each zone once.
Result<bool> select_named(const Catalog& catalog,
                          const ZoneRequest& request,
                          std::map<std::string, std::string>& keys,
                          ZoneSelection& out) {
    std::set<const Zone*> seen;
    const auto add = [&](const Zone* z) {
        if (seen.insert(z).second) {
            out.zones.push_back(z);
        }
    };
    for (const auto& n : comma_list(request.zones)) {
        if (n == "default" || n == "all" || n.starts_with("tag:")) {
            const std::string tag = n.starts_with("tag:") ? n.substr(4) : "";
            std::size_t matched = 0;
            for (const auto& z : catalog.zones) {
                const bool hit =
                    n == "default" ? z.enabled_by_default
                    : n == "all"
                        ? usable(z)
                        : usable(z) && std::find(z.tags.begin(), z.tags.end(), tag) != z.tags.end();
                if (hit) {
                    add(&z);
                    ++matched;
                }
            }
            if (matched == 0) {
                return Error{
                    fmt::format("no usable zone has the tag \"{}\"", sanitize_text(tag, 300)),
                    "--zones"};
            }
            continue;
        }
        if (const Zone* z = catalog.find(n)) {
            if (!usable(*z) && !request.quiet_status) {
                out.warnings.push_back(fmt::format("zone {} is {} in the catalog ({})",
                                                   z->zone,
                                                   to_string(z->status),
                                                   z->note.empty() ? z->where : z->note));
            }
            add(z);
            continue;
        }
        if (!is_valid_hostname(n)) {
            return Error{fmt::format("\"{}\" is neither a catalog id, a zone name, default, all "
                                     "nor tag:NAME",
                                     sanitize_text(n, 300)),
                         "--zones"};
        }
        if (const auto* keyed = keyed_zone_named(catalog, n)) {
            // "KEY.zen.dq.spamhaus.net": the key is on the command line, where every user of
            // the machine can read it (ps, /proc). It works, with a warning that does not
            // repeat the key.
            out.warnings.push_back(fmt::format(
                "--zones holds the key of {} ({}), and other users can read command lines; set "
                "{} in the environment or the config file instead and select the zone as {}",
                keyed->name,
                keyed->id,
                keyed->key_env,
                keyed->id));
            if (key_value(keyed->key_env, keys).empty()) {
                keys[keyed->key_env] = n.substr(0, n.find('.'));
            }
            add(keyed);
            continue;
        }
        out.bare_zones.push_back(make_bare_zone(n));
        out.zones.push_back(&out.bare_zones.back());
    }
    return true;
}

/// A zone whose key is set stands in for the one it replaces (Spamhaus DQS for the public
/// mirrors), wherever that one was selected.
void apply_replacements(const Catalog& catalog,
                        const std::map<std::string, std::string>& keys,
                        std::vector<const Zone*>& zones) {
    for (const auto& z : catalog.zones) {
        if (z.replaces.empty() || key_value(z.key_env, keys).empty()) {
            continue;
        }
        const auto it = std::find_if(
            zones.begin(), zones.end(), [&](const Zone* s) { return s->id == z.replaces; });
        if (it == zones.end()) {
            continue;
        }
        if (std::find(zones.begin(), zones.end(), &z) == zones.end()) {
            *it = &z;
        } else {
            zones.erase(it);
        }
    }
}

/// --sources keeps the zones of the kinds it names; with the catalog's defaults it also
/// turns on the HTTP sources it names (they are off by default).
Result<bool>
apply_sources(const Catalog& catalog, const ZoneRequest& request, std::vector<const Zone*>& zones) {
    std::set<std::string> wanted;
    const auto& adapters = http_adapter_names();
    for (const auto& s : comma_list(request.sources)) {
        if (s != "dns" && s != "http" &&
            std::find(adapters.begin(), adapters.end(), s) == adapters.end()) {
            return Error{fmt::format("\"{}\" is not dns, http or an HTTP adapter ({})",
                                     sanitize_text(s, 300),
                                     fmt::join(adapters, ", ")),
                         "--sources"};
        }
        wanted.insert(s);
    }
    const auto wanted_zone = [&](const Zone& z) {
        return z.kind == ZoneKind::http ? wanted.contains("http") || wanted.contains(z.adapter)
                                        : wanted.contains("dns");
    };
    if (request.zones.empty()) {
        for (const auto& z : catalog.zones) {
            if (z.kind == ZoneKind::http && z.status != ZoneStatus::defunct && wanted_zone(z) &&
                std::find(zones.begin(), zones.end(), &z) == zones.end()) {
                zones.push_back(&z);
            }
        }
    }
    std::erase_if(zones, [&](const Zone* z) { return !wanted_zone(*z); });
    return true;
}

} // namespace

Result<ZoneSelection> select_zones(const Catalog& catalog,
                                   const ZoneRequest& request,
                                   std::map<std::string, std::string>& keys) {
    ZoneSelection out;
    if (request.zones.empty()) {
        for (const auto& z : catalog.zones) {
            if (z.enabled_by_default) {
                out.zones.push_back(&z);
            }
        }
    } else if (auto named = select_named(catalog, request, keys, out); !named) {
        return named.error();
    }
    apply_replacements(catalog, keys, out.zones);
    if (!request.sources.empty()) {
        if (auto sourced = apply_sources(catalog, request, out.zones); !sourced) {
            return sourced.error();
        }
    }
    if (out.zones.empty()) {
        return Error{"no zones selected", ""};
    }
    return {std::move(out)};
}

std::vector<const Zone*> filter_zones(const Catalog& catalog, const ZoneFilter& filter) {
    std::vector<const Zone*> out;
    for (const auto& z : catalog.zones) {
        if ((filter.kind.empty() || to_string(z.kind) == filter.kind) &&
            (filter.status.empty() || to_string(z.status) == filter.status) &&
            (filter.tag.empty() ||
             std::find(z.tags.begin(), z.tags.end(), filter.tag) != z.tags.end()) &&
            (!filter.defaults_only || z.enabled_by_default)) {
            out.push_back(&z);
        }
    }
    return out;
}

} // namespace rblscope
