// The change logic of `check --state` and `serve`: one target's results against the state
// the run before left.

#include "rblscope/changes.hpp"

#include "rblscope/catalog.hpp"

#include <optional>

namespace rblscope {

std::string_view to_string(ChangeKind kind) noexcept {
    switch (kind) {
    case ChangeKind::listed:
        return "listed";
    case ChangeKind::newly_listed:
        return "newly-listed";
    case ChangeKind::codes_changed:
        return "codes-changed";
    case ChangeKind::delisted:
        return "delisted";
    case ChangeKind::broke:
        return "broke";
    case ChangeKind::recovered:
        break;
    }
    return "recovered";
}

std::string state_key(const TargetReport& report, const ZoneResult& result) {
    std::string key = report.target.text;
    key += '\t';
    key += result.zone != nullptr ? result.zone->id : std::string();
    key += '\t';
    key += result.subject;
    return key;
}

std::vector<ResultChange>
track_changes(const TargetReport& report, const RunState* previous, RunState& next) {
    std::vector<ResultChange> changes;
    for (const auto& r : report.results) {
        if (r.zone == nullptr || r.status == Status::skipped) {
            continue;
        }
        const auto key = state_key(report, r);
        // A copy: `next` may be `previous`, and the entry is overwritten below.
        std::optional<RunState::Entry> prev;
        if (previous != nullptr) {
            if (const auto it = previous->results.find(key); it != previous->results.end()) {
                prev = it->second;
            }
        }
        if (r.status == Status::error || r.status == Status::timeout) {
            if (prev) {
                // Keep what was known: the next definite answer is compared with it.
                auto carried = *prev;
                carried.unanswered = true;
                carried.error = r.error;
                next.results[key] = std::move(carried);
                if (!prev->unanswered) {
                    changes.push_back({ChangeKind::broke, &r, {}});
                }
            }
            continue;
        }
        next.results[key] = RunState::Entry{r.status, r.codes, false, {}};
        if (prev && prev->unanswered) {
            changes.push_back({ChangeKind::recovered, &r, {}});
        }
        if (r.status == Status::listed) {
            if (!prev) {
                changes.push_back({ChangeKind::listed, &r, {}});
            } else if (prev->status == Status::clean) {
                changes.push_back({ChangeKind::newly_listed, &r, {}});
            } else if (prev->codes != r.codes) {
                changes.push_back({ChangeKind::codes_changed, &r, prev->codes});
            }
        } else if (prev && prev->status == Status::listed) {
            changes.push_back({ChangeKind::delisted, &r, prev->codes});
        }
    }
    return changes;
}

} // namespace rblscope
