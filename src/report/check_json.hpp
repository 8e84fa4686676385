#pragma once
// The JSON of a check's results, one writer per result type: `check --format json` streams
// them one target at a time, `explain --check` embeds a whole run as its "check" value.

#include "rblscope/engine.hpp"
#include "rblscope/live_check.hpp"
#include "report/json_writer.hpp"

#include <vector>

namespace rblscope {

/// One target: its verdict, addresses, each zone's result and the counts.
void write_target_json(JsonWriter& w, const TargetReport& report);
/// The run's summary object: counts, queries, time, how it ended, the resolvers.
void write_summary_json(JsonWriter& w, const RunSummary& summary);
/// The bad input lines, as [{"where", "message"}].
void write_input_errors_json(JsonWriter& w, const std::vector<Error>& errors);
/// A whole run kept as values: the document `check --format json` writes.
void write_check_json(JsonWriter& w, const CheckRecord& record);

} // namespace rblscope
