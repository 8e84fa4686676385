#pragma once
/// \file live_check.hpp
/// \brief `explain --check`: the sending IPs found in bounces checked against the blocklists
/// now, the lists the bounces named first, the run kept as values for the reports.

#include "rblscope/engine.hpp"
#include "rblscope/explain.hpp"
#include "rblscope/zone_selection.hpp"

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace rblscope {

/// What the live check learned about one (IP, zone id): "listed (127.0.0.2: ...)", "clean".
using ListStatuses = std::map<std::pair<std::string, std::string>, std::string>;

/// A check run kept whole: what `rblscope check --format json` would have written.
struct CheckRecord {
    std::vector<TargetReport> targets;
    std::vector<Error> input_errors;
    std::vector<std::string> warnings;
    RunSummary summary;
};

/// What to check: each sending IP once (at most `k_max_targets`), and the zones: the
/// usable lists the bounces named, then the `zones` option ("default" when empty). With a
/// `sending_domain`, it is checked too, and the sources of the providers that refused mail
/// that publish their own view of a domain (MailProvider::sources: Postmaster Tools for
/// Gmail) are asked about it.
struct LiveCheckPlan {
    static constexpr std::size_t k_max_targets = 256;
    std::vector<std::string> targets;
    std::string zones;
};
[[nodiscard]] LiveCheckPlan plan_live_check(const FindingGroups& groups,
                                            const std::string& zones,
                                            const std::string& sending_domain = "");

/// The outcome of `--check`: no record when nothing could be checked (no sending IP, bad
/// options), the status of every (IP, zone id) asked, and the zones asked: the record's
/// results point into them (zones outside the catalog live here), so a LiveCheck is moved,
/// never copied.
struct LiveCheck {
    std::optional<CheckRecord> record;
    ListStatuses statuses;
    ZoneSelection zones;
};

/// Checks `targets` against `zones` (kept in the result). Every event also goes to
/// `observer` (a report shown as the run goes, or a sink that shows warnings); its finish()
/// is the caller's to call.
[[nodiscard]] Result<LiveCheck> run_live_check(const std::vector<std::string>& targets,
                                               ZoneSelection zones,
                                               const Catalog& catalog,
                                               const EngineOptions& options,
                                               ResultSink& observer);

} // namespace rblscope
