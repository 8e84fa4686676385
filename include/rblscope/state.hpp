#pragma once
/// \file state.hpp
/// \brief What a run found, kept between runs (`rblscope check --state FILE`), and the
/// report of what changed since the last one.

#include "rblscope/changes.hpp"
#include "rblscope/error.hpp"
#include "rblscope/report.hpp"

#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rblscope {

/// Reads a state file. nullopt and an empty error when it does not exist (the first run);
/// an error naming the file when it exists but cannot be used (then: start afresh).
struct LoadedState {
    std::optional<RunState> state;
    std::string problem;
};
[[nodiscard]] LoadedState load_state(const std::string& path);
/// The same from the file's text; `name` is used in the problem text.
[[nodiscard]] LoadedState parse_state(std::string_view text, const std::string& name);
/// The file's text for a state (what save_state() writes).
[[nodiscard]] std::string state_text(const RunState& state);

/// Writes the state atomically (temporary file + rename); "" or the reason it failed.
[[nodiscard]] std::string save_state(const std::string& path, const RunState& state);

/// A report of changes against `previous` (null: no earlier state, so nothing counts as
/// newly listed) that also fills `next`. Text or JSON (`json`). Unchanged results are not
/// written; the summary still counts every target.
[[nodiscard]] std::unique_ptr<Report> make_change_report(
    std::FILE* out, std::FILE* err, bool json, const RunState* previous, RunState& next);

} // namespace rblscope
