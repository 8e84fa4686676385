#include "cli/cli.hpp"
#include "cli/diagnostics.hpp"
#include "cli/option_table.hpp"
#include "report/zones_report.hpp"

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
    app.add_flag("--health",
                 opt.health,
                 "Ask every selected DNS zone its test points through the resolver in use, and "
                 "report how each answered, with the catalog edits that follow");
    {
        using enum SharedOption;
        add_shared_options(
            app, opt.lookup, {resolver, zone_server, query_timeout, retries, config}, "--health: ");
        add_shared_options(app, opt.lookup, {catalog});
    }
    app.add_flag("--show-origin",
                 opt.show_origin,
                 "Say where each zone was defined and which of its fields a local override "
                 "file (lists.d) changed, with FILE:LINE");
    app.add_flag("--names",
                 opt.names,
                 "Print the words --zones accepts, one a line (default, all, tag:NAME and the "
                 "selected zones' ids), as the shell completion does");
}

namespace {

int run_health(const ZonesOptions& opt, const Catalog& catalog, std::vector<const Zone*> rows) {
    const auto unknown = static_cast<int>(ExitCode::unknown);
    std::erase_if(rows, [](const Zone* z) { return z->kind == ZoneKind::http; });
    if (rows.empty()) {
        error("zones --health: no DNS zone matches the filters");
        return unknown;
    }
    // Every selected zone by id, whatever its status: a dead one may have come back.
    LookupOptions lookup = opt.lookup;
    lookup.quiet_status = true;
    lookup.zones.clear();
    for (const auto* z : rows) {
        lookup.zones += (lookup.zones.empty() ? "" : ",") + z->id;
    }
    auto prepared = prepare(lookup, catalog);
    if (!prepared) {
        return unknown;
    }
    const auto run = run_zone_health(prepared->selection.zones,
                                     catalog,
                                     prepared->engine,
                                     [](const std::string& m) { warning("{}", m); });
    if (!run) {
        error("{}", run.error().to_string());
        return unknown;
    }
    if (opt.format == "json") {
        write_health_json(stdout, *run);
    } else {
        write_health_text(stdout, *run, catalog.source);
    }
    return run->exit_code();
}

} // namespace

int run_zones_command(const ZonesOptions& opt) {
    auto catalog = load(opt.lookup.catalog);
    if (!catalog) {
        return static_cast<int>(ExitCode::unknown);
    }
    auto rows = filter_zones(*catalog, {opt.kind, opt.status, opt.tag, opt.defaults_only});
    if (opt.health) {
        return run_health(opt, *catalog, std::move(rows));
    }
    if (opt.names) {
        write_zone_names(stdout, rows);
    } else if (opt.format == "json") {
        write_zones_json(stdout, rows, opt.show_origin);
    } else {
        write_zones_text(stdout, rows, catalog->zones.size(), opt.show_origin);
    }
    return 0;
}

} // namespace rblscope::cli
