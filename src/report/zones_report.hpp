#pragma once
// The output formats of `rblscope zones`: the catalog listing (text, JSON, the words
// --zones accepts) and `--health` (text, JSON).

#include "rblscope/catalog.hpp"
#include "rblscope/health.hpp"

#include <cstddef>
#include <cstdio>
#include <vector>

namespace rblscope {

/// Text: a table of the zones (id, zone, kind, role, status, on by default, access), with
/// `show_origin` where each was defined and which fields an override file set; then
/// "N of TOTAL zones".
void write_zones_text(std::FILE* out,
                      const std::vector<const Zone*>& zones,
                      std::size_t catalog_size,
                      bool show_origin);

/// JSON: an array of the zones, with `show_origin` an "origin" object each.
void write_zones_json(std::FILE* out, const std::vector<const Zone*>& zones, bool show_origin);

/// The words --zones accepts for these zones, one a line: default, all, tag:NAME, ids.
void write_zone_names(std::FILE* out, const std::vector<const Zone*>& zones);

/// Text: each zone's condition with its test points' answers, the totals, and the catalog
/// edits that follow (`catalog_source` names the file).
void write_health_text(std::FILE* out, const ZoneHealthRun& run, const std::string& catalog_source);

/// JSON: {"zones": [...], "summary": {...}}.
void write_health_json(std::FILE* out, const ZoneHealthRun& run);

} // namespace rblscope
