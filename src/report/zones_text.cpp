#include "report/zones_report.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <set>

namespace rblscope {

namespace {

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

} // namespace

void write_zones_text(std::FILE* out,
                      const std::vector<const Zone*>& zones,
                      std::size_t catalog_size,
                      bool show_origin) {
    std::size_t wid = 2, wz = 4;
    for (const auto* z : zones) {
        wid = std::max(wid, z->id.size());
        wz = std::max(wz, z->zone.size());
    }
    fmt::print(out,
               "{:<{}}  {:<{}}  {:<6}  {:<10}  {:<16}  {:<3}  {}\n",
               "ID",
               wid,
               "ZONE",
               wz,
               "KIND",
               "ROLE",
               "STATUS",
               "ON",
               "ACCESS");
    for (const auto* z : zones) {
        fmt::print(out,
                   "{:<{}}  {:<{}}  {:<6}  {:<10}  {:<16}  {:<3}  {}\n",
                   z->id,
                   wid,
                   z->zone,
                   wz,
                   to_string(z->kind),
                   to_string(z->role),
                   to_string(z->status),
                   z->enabled_by_default ? "on" : "off",
                   to_string(z->access));
        if (show_origin) {
            // The definition, then each field an override file set.
            const auto file_of = [](const std::string& where) {
                return where.substr(0, where.rfind(':'));
            };
            fmt::print(out, "    defined at {}\n", z->where);
            for (const auto& [key, where] : z->origins) {
                if (file_of(where) != file_of(z->where)) {
                    fmt::print(out, "    {:<14} {}\n", key, where);
                }
            }
        }
    }
    fmt::print(out, "{} of {} zones\n", zones.size(), catalog_size);
}

void write_zone_names(std::FILE* out, const std::vector<const Zone*>& zones) {
    std::set<std::string> tags;
    for (const auto* z : zones) {
        tags.insert(z->tags.begin(), z->tags.end());
    }
    fmt::print(out, "default\nall\n");
    for (const auto& t : tags) {
        fmt::print(out, "tag:{}\n", t);
    }
    for (const auto* z : zones) {
        fmt::print(out, "{}\n", z->id);
    }
}

void write_health_text(std::FILE* out,
                       const ZoneHealthRun& run,
                       const std::string& catalog_source) {
    std::size_t wz = 4, wid = 2;
    for (const auto& r : run.reports) {
        wz = std::max(wz, r.zone->zone.size());
        wid = std::max(wid, r.zone->id.size());
    }
    fmt::print(out,
               "{:<{}}  {:<{}}  {:<16}  {:<16}  {}\n",
               "ZONE",
               wz,
               "ID",
               wid,
               "CATALOG",
               "HEALTH",
               "EVIDENCE");
    for (const auto& r : run.reports) {
        std::string answers;
        for (const auto& p : r.points) {
            answers += fmt::format("{}{} -> {}", answers.empty() ? "" : ", ", p.subject, p.answer);
        }
        fmt::print(out,
                   "{:<{}}  {:<{}}  {:<16}  {:<16}  {}{}\n",
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
    for (const auto& [c, n] : run.counts) {
        parts += fmt::format("{}{} {}", parts.empty() ? "" : ", ", n, to_string(c));
    }
    fmt::print(out,
               "\n{} zones through {}: {}\n",
               run.reports.size(),
               fmt::join(run.resolvers, ", "),
               parts);
    if (run.suggestions > 0) {
        fmt::print(out, "\nSuggested catalog edits ({}):\n", catalog_source);
        for (const auto& r : run.reports) {
            if (r.suggested_status) {
                fmt::print(out, "  {}\n", edit_line(r));
            }
        }
    }
}

} // namespace rblscope
