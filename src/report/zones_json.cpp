#include "report/zones_report.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace rblscope {

void write_zones_json(std::FILE* out, const std::vector<const Zone*>& zones, bool show_origin) {
    nlohmann::json doc = nlohmann::json::array();
    for (const auto* z : zones) {
        doc.push_back({{"id", z->id},
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
        if (show_origin) {
            nlohmann::json fields = nlohmann::json::object();
            for (const auto& [key, where] : z->origins) {
                fields[key] = where;
            }
            doc.back()["origin"] = {{"defined", z->where}, {"fields", fields}};
        }
    }
    fmt::print(out, "{}\n", doc.dump(2));
}

void write_health_json(std::FILE* out, const ZoneHealthRun& run) {
    const auto or_null = [](const std::string& s) {
        return s.empty() ? nlohmann::json() : nlohmann::json(s);
    };
    nlohmann::json zones = nlohmann::json::array();
    for (const auto& r : run.reports) {
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
                         {"note", or_null(r.suggestion_note)}});
    }
    nlohmann::json totals = {{"zones", run.reports.size()}, {"suggested_edits", run.suggestions}};
    for (const auto& [c, n] : run.counts) {
        totals[std::string(to_string(c))] = n;
    }
    totals["resolvers"] = run.resolvers;
    totals["interrupted"] = run.interrupted;
    fmt::print(out,
               "{}\n",
               nlohmann::json{{"zones", zones}, {"summary", totals}}.dump(
                   2, ' ', false, nlohmann::json::error_handler_t::replace));
}

} // namespace rblscope
