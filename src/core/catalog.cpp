#include "rblscope/catalog.hpp"

#include "core/catalog_document.hpp"
#include "core/catalog_fields.hpp"
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

using namespace catalog_detail;
using toml_read::names_of;
using toml_read::to_name;

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
    if (kind == ZoneKind::both || (kind == ZoneKind::http && !http_domains)) {
        return true;
    }
    return (family == IpAddress::Family::v4 && kind == ZoneKind::ip4) ||
           (family == IpAddress::Family::v6 && kind == ZoneKind::ip6);
}

std::optional<double> Zone::param(std::string_view key) const noexcept {
    for (const auto& [n, value] : params) {
        if (n == key) {
            return value;
        }
    }
    return std::nullopt;
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

    const auto operators = read_operators(r, root);
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
                auto read = read_zone(r, *t, el, operators);
                if (!read) {
                    continue;
                }
                Zone& z = *read;
                const auto what = fmt::format("zone \"{}\"", z.id);
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

Result<std::string> find_catalog_file(const std::string& option, const CatalogPlaces& places) {
    if (!option.empty()) {
        return option;
    }
    if (const char* env = std::getenv("RBLSCOPE_CATALOG"); env != nullptr && *env != '\0') {
        return std::string(env);
    }
    namespace fs = std::filesystem;
    std::error_code ec;
    const auto exe = fs::read_symlink("/proc/self/exe", ec);
    std::vector<fs::path> candidates;
    if (!ec && !places.build_dir.empty() && exe.parent_path() == fs::path(places.build_dir)) {
        candidates.emplace_back(places.source_catalog);
    }
    if (!places.installed_catalog.empty()) {
        candidates.emplace_back(places.installed_catalog);
    }
    if (!ec) {
        candidates.push_back(exe.parent_path() / "../share/rblscope/lists.toml");
    }
    for (const auto& c : candidates) {
        if (fs::exists(c, ec)) {
            return c.lexically_normal().string();
        }
    }
    return Error{"cannot find the zone catalog lists.toml (use --catalog FILE or "
                 "RBLSCOPE_CATALOG)",
                 ""};
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
