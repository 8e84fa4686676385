#pragma once
// The parts of a run's JSON summary that every check report writes the same way.

#include "rblscope/engine.hpp"
#include "report/json_writer.hpp"

namespace rblscope {

/// "targets", "listed", "clean", "unknown".
inline void write_verdict_counts(JsonWriter& w, const RunSummary& s) {
    w.key("targets");
    w.value(s.targets);
    w.key("listed");
    w.value(s.listed);
    w.key("clean");
    w.value(s.clean);
    w.key("unknown");
    w.value(s.unknown);
}

/// "exit_code", "deadline_reached", "interrupted": how the run ended.
inline void write_run_end(JsonWriter& w, const RunSummary& s) {
    w.key("exit_code");
    w.value(s.exit_code);
    w.key("deadline_reached");
    w.value(s.deadline_reached);
    w.key("interrupted");
    w.value(s.interrupted);
}

} // namespace rblscope
