#pragma once
// The output formats of `rblscope explain`: text, JSON and the Monitoring Plugins status
// line for a whole run, and one finding at a time for `--follow`.

#include "rblscope/explain.hpp"
#include "rblscope/live_check.hpp"
#include "rblscope/log_input.hpp"

#include <cstdint>
#include <cstdio>
#include <fmt/format.h>
#include <map>
#include <string>
#include <utility>

namespace rblscope {

/// Text: each distinct cause explained (at most `max_shown`), the summary, and the table of
/// (provider, category, sending IP, reporter).
void write_explain_text(std::FILE* out,
                        const FindingGroups& groups,
                        const ExplainTotals& totals,
                        std::size_t max_shown);

/// Text: one cause's block ("3. Outlook.com deferred mail from ...", reply, codes, path,
/// cause, fix, delist, request), numbered `number`.
void write_cause_text(std::FILE* out, std::size_t number, const FindingGroups::Cause& cause);

/// Text: one line for a finding whose cause was explained before (`--follow`).
void write_repeat_text(std::FILE* out,
                       std::size_t number,
                       const Rejection& rejection,
                       const Explanation& explanation);

/// Text, after `--check`: what each list named in the bounces says now.
void write_named_lists_text(std::FILE* out,
                            const FindingGroups& groups,
                            const ListStatuses& statuses);

/// Monitoring Plugins: a status line with perfdata, then one line per distinct cause.
/// `state` is the exit status to name; `statuses` (with --check) adds the listings now.
void write_explain_nagios(std::FILE* out,
                          const FindingGroups& groups,
                          int state,
                          const ListStatuses* statuses);

/// JSON: the whole document (findings, summary with groups). With `check` (--check): each
/// finding's list_now, and "check": the live check's document (`check --format json`'s
/// schema), or null when nothing could be checked.
void write_explain_json(fmt::memory_buffer& out,
                        const FindingGroups& groups,
                        const ExplainTotals& totals,
                        const LiveCheck* check);

/// `--follow`, text: what is followed, before the first finding.
void write_follow_start(std::FILE* out, const std::vector<std::string>& paths);
/// `--follow`: the finding just added to `groups` as cause `index` (FindingGroups::npos when it
/// has no cause of its own): text explains a new cause in full and a repeat in one line; JSON
/// writes one object a line.
void write_followed_finding(std::FILE* out,
                            bool json,
                            const FindingGroups& groups,
                            std::size_t index,
                            const Rejection& example,
                            const Explanation& explanation);
/// `--follow`, text: the totals once following ends.
void write_follow_summary(std::FILE* out, const FindingGroups& groups);

/// JSON: one finding as an object (the schema of the document's `findings` items), for the
/// `--follow` stream (one object a line). `number` is the cause's number (1-based).
void write_finding_json(fmt::memory_buffer& out,
                        std::size_t number,
                        const FindingGroups::Cause& cause,
                        const ListStatuses* statuses);

} // namespace rblscope
