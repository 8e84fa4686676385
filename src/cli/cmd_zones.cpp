#include "cli/cli.hpp"
#include "cli/diagnostics.hpp"
#include "cli/option_table.hpp"
#include "rblscope/verdict.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

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

class HealthSink final : public ResultSink {
  public:
    void on_target(const TargetReport&) override {}
    void on_input_error(const Error&) override {}
    void on_warning(const std::string& message) override { warning("{}", message); }
    void on_zone_health(const ZoneHealthReport& report) override { reports.push_back(report); }
    std::vector<ZoneHealthReport> reports;
};

/// The edit line for lists.toml: where, which zone, the new status and why.
std::string edit_line(const ZoneHealthReport& r) {
    return fmt::format("{}  id = \"{}\"  status = \"{}\"  # was \"{}\": {}{}{}",
                       r.zone->where,
                       r.zone->id,
                       to_string(*r.suggested_status),
                       to_string(r.zone->status),
                       r.evidence,
                       r.suggestion_note.empty() ? "" : "; ",
                       r.suggestion_note);
}

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
    prepared->engine.warn_failing_zones = false; // this command reports them itself
    VectorTargetSource none({});
    HealthSink sink;
    auto summary = run_check(prepared->selection.zones, catalog, none, sink, prepared->engine);
    if (!summary) {
        error("{}", summary.error().to_string());
        return unknown;
    }
    std::map<ZoneCondition, int> counts;
    int suggestions = 0;
    for (const auto& r : sink.reports) {
        ++counts[r.condition];
        suggestions += r.suggested_status ? 1 : 0;
    }
    const auto count = [&](ZoneCondition c) { return counts.contains(c) ? counts.at(c) : 0; };
    const int asked = static_cast<int>(sink.reports.size()) - count(ZoneCondition::untested);
    if (opt.format == "json") {
        nlohmann::json zones = nlohmann::json::array();
        for (const auto& r : sink.reports) {
            nlohmann::json points = nlohmann::json::array();
            for (const auto& p : r.points) {
                points.push_back({{"subject", p.subject}, {"answer", p.answer}});
            }
            zones.push_back({{"id", r.zone->id},
                             {"zone", r.zone->zone},
                             {"where", r.zone->where},
                             {"catalog_status", to_string(r.zone->status)},
                             {"health", to_string(r.condition)},
                             {"points", points},
                             {"evidence", r.evidence},
                             {"suggested_status",
                              r.suggested_status ? nlohmann::json(to_string(*r.suggested_status))
                                                 : nlohmann::json()},
                             {"note",
                              r.suggestion_note.empty() ? nlohmann::json()
                                                        : nlohmann::json(r.suggestion_note)}});
        }
        nlohmann::json totals = {{"zones", sink.reports.size()}, {"suggested_edits", suggestions}};
        for (const auto& [c, n] : counts) {
            totals[std::string(to_string(c))] = n;
        }
        totals["resolvers"] = summary->resolvers;
        totals["interrupted"] = summary->interrupted;
        fmt::print("{}\n",
                   nlohmann::json{{"zones", zones}, {"summary", totals}}.dump(
                       2, ' ', false, nlohmann::json::error_handler_t::replace));
    } else {
        std::size_t wz = 4, wid = 2;
        for (const auto& r : sink.reports) {
            wz = std::max(wz, r.zone->zone.size());
            wid = std::max(wid, r.zone->id.size());
        }
        fmt::print("{:<{}}  {:<{}}  {:<16}  {:<16}  {}\n",
                   "ZONE",
                   wz,
                   "ID",
                   wid,
                   "CATALOG",
                   "HEALTH",
                   "EVIDENCE");
        for (const auto& r : sink.reports) {
            std::string answers;
            for (const auto& p : r.points) {
                answers +=
                    fmt::format("{}{} -> {}", answers.empty() ? "" : ", ", p.subject, p.answer);
            }
            fmt::print("{:<{}}  {:<{}}  {:<16}  {:<16}  {}{}\n",
                       r.zone->zone,
                       wz,
                       r.zone->id,
                       wid,
                       to_string(r.zone->status),
                       to_string(r.condition),
                       r.evidence,
                       answers.empty() ? "" : " [" + answers + "]");
        }
        std::string parts;
        for (const auto& [c, n] : counts) {
            parts += fmt::format("{}{} {}", parts.empty() ? "" : ", ", n, to_string(c));
        }
        fmt::print("\n{} zones through {}: {}\n",
                   sink.reports.size(),
                   fmt::join(summary->resolvers, ", "),
                   parts);
        if (suggestions > 0) {
            fmt::print("\nSuggested catalog edits ({}):\n", catalog.source);
            for (const auto& r : sink.reports) {
                if (r.suggested_status) {
                    fmt::print("  {}\n", edit_line(r));
                }
            }
        }
    }
    if (summary->interrupted || asked == 0 || count(ZoneCondition::no_answer) == asked) {
        return unknown; // nothing answered: the resolver, not the lists
    }
    return suggestions > 0 ? static_cast<int>(ExitCode::warning) : 0;
}

} // namespace

int run_zones_command(const ZonesOptions& opt) {
    auto catalog = load(opt.lookup.catalog);
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
    if (opt.health) {
        return run_health(opt, *catalog, std::move(rows));
    }
    if (opt.names) {
        std::set<std::string> tags;
        for (const auto* z : rows) {
            tags.insert(z->tags.begin(), z->tags.end());
        }
        fmt::print("default\nall\n");
        for (const auto& t : tags) {
            fmt::print("tag:{}\n", t);
        }
        for (const auto* z : rows) {
            fmt::print("{}\n", z->id);
        }
        return 0;
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
            if (opt.show_origin) {
                nlohmann::json fields = nlohmann::json::object();
                for (const auto& [key, where] : z->origins) {
                    fields[key] = where;
                }
                out.back()["origin"] = {{"defined", z->where}, {"fields", fields}};
            }
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
        if (opt.show_origin) {
            // The definition, then each field an override file set.
            const auto file_of = [](const std::string& where) {
                return where.substr(0, where.rfind(':'));
            };
            fmt::print("    defined at {}\n", z->where);
            for (const auto& [key, where] : z->origins) {
                if (file_of(where) != file_of(z->where)) {
                    fmt::print("    {:<14} {}\n", key, where);
                }
            }
        }
    }
    fmt::print("{} of {} zones\n", rows.size(), catalog->zones.size());
    return 0;
}

} // namespace rblscope::cli
