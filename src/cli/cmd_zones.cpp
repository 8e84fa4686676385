#include "cli/cli.hpp"
#include "rblscope/verdict.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace rblscope::cli {

void add_zones(CLI::App& app, ZonesOptions& opt) {
    app.add_option("--kind", opt.kind, "Only zones of this kind (ip4, ip6, both, domain, hash)");
    app.add_option("--status",
                   opt.status,
                   "Only zones with this status (active, unverified, key-required, defunct, "
                   "lists-everything)");
    app.add_option("--tag", opt.tag, "Only zones with this tag");
    app.add_flag("--default", opt.defaults_only, "Only zones checked by default");
    app.add_option("-f,--format", opt.format, "Output format")
        ->check(CLI::IsMember({"text", "json"}));
    app.add_option("--catalog", opt.catalog.path, "Zone catalog");
}

int run_zones_command(const ZonesOptions& opt) {
    auto catalog = load(opt.catalog);
    if (!catalog) {
        return static_cast<int>(ExitCode::unknown);
    }
    std::vector<const Zone*> rows;
    for (const auto& z : catalog->zones) {
        if ((!opt.kind.empty() && to_string(z.kind) != opt.kind) ||
            (!opt.status.empty() && to_string(z.status) != opt.status) ||
            (!opt.tag.empty() &&
             std::find(z.tags.begin(), z.tags.end(), opt.tag) == z.tags.end()) ||
            (opt.defaults_only && !z.enabled_by_default)) {
            continue;
        }
        rows.push_back(&z);
    }
    if (opt.format == "json") {
        nlohmann::json out = nlohmann::json::array();
        for (const auto* z : rows) {
            out.push_back({{"id", z->id},
                           {"name", z->name},
                           {"zone", z->zone},
                           {"kind", to_string(z->kind)},
                           {"role", to_string(z->role)},
                           {"status", to_string(z->status)},
                           {"access", to_string(z->access)},
                           {"default", z->enabled_by_default},
                           {"txt", z->txt},
                           {"delist_url", z->delist_url},
                           {"tags", z->tags},
                           {"note", z->note}});
        }
        fmt::print("{}\n", out.dump(2));
        return 0;
    }
    std::size_t wid = 2, wz = 4;
    for (const auto* z : rows) {
        wid = std::max(wid, z->id.size());
        wz = std::max(wz, z->zone.size());
    }
    fmt::print("{:<{}}  {:<{}}  {:<6}  {:<10}  {:<16}  {:<3}  {}\n",
               "ID",
               wid,
               "ZONE",
               wz,
               "KIND",
               "ROLE",
               "STATUS",
               "ON",
               "ACCESS");
    for (const auto* z : rows) {
        fmt::print("{:<{}}  {:<{}}  {:<6}  {:<10}  {:<16}  {:<3}  {}\n",
                   z->id,
                   wid,
                   z->zone,
                   wz,
                   to_string(z->kind),
                   to_string(z->role),
                   to_string(z->status),
                   z->enabled_by_default ? "on" : "off",
                   to_string(z->access));
    }
    fmt::print("{} of {} zones\n", rows.size(), catalog->zones.size());
    return 0;
}

} // namespace rblscope::cli
