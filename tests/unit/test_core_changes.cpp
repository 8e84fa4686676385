// track_changes(): the one definition of newly listed, delisted, broke and recovered.

#include "one_result.hpp"
#include "rblscope/changes.hpp"

#include <doctest/doctest.h>

using namespace rblscope;
using rblscope::test::report_of;
using rblscope::test::zone_a;

TEST_SUITE_BEGIN("core");

namespace {

/// The kinds of the changes of `rep` against `state`, moving `state` on (in place, as serve).
std::vector<std::string> step(RunState& state, const TargetReport& rep) {
    std::vector<std::string> kinds;
    for (const auto& c : track_changes(rep, &state, state)) {
        kinds.emplace_back(to_string(c.kind));
    }
    return kinds;
}

} // namespace

TEST_CASE("track_changes: a listing's life, through an outage of its list") {
    const Zone z = zone_a();
    using V = std::vector<std::string>;
    RunState state;
    CHECK(step(state, report_of(z, Status::clean)) == V{});
    CHECK(step(state, report_of(z, Status::listed, {"127.0.0.2"})) == V{"newly-listed"});
    CHECK(step(state, report_of(z, Status::listed, {"127.0.0.2"})) == V{});
    CHECK(step(state, report_of(z, Status::listed, {"127.0.0.3"})) == V{"codes-changed"});
    // The list breaks: said once, and the listing is remembered through it.
    CHECK(step(state, report_of(z, Status::timeout)) == V{"broke"});
    CHECK(step(state, report_of(z, Status::timeout)) == V{});
    CHECK(state.results.begin()->second.status == Status::listed);
    CHECK(state.results.begin()->second.unanswered);
    // It answers again, and the listing ended meanwhile: both are said.
    CHECK(step(state, report_of(z, Status::clean)) == V{"recovered", "delisted"});
    CHECK(step(state, report_of(z, Status::clean)) == V{});
}

TEST_CASE("track_changes: nothing earlier to compare with is never \"newly\"") {
    const Zone z = zone_a();
    RunState next;
    const auto listed = report_of(z, Status::listed, {"127.0.0.2"});
    const auto first = track_changes(listed, nullptr, next);
    REQUIRE(first.size() == 1);
    CHECK(first[0].kind == ChangeKind::listed);
    CHECK(first[0].result == &listed.results[0]);
    // An error with nothing known before is no change, and nothing is recorded.
    RunState empty;
    CHECK(track_changes(report_of(z, Status::error), &empty, empty).empty());
    CHECK(empty.results.empty());
    // A delisting keeps the codes it had.
    RunState before;
    before.results[state_key(listed, listed.results[0])] = {
        Status::listed, {"127.0.0.2"}, false, {}};
    RunState after;
    const auto clean = report_of(z, Status::clean);
    const auto gone = track_changes(clean, &before, after);
    REQUIRE(gone.size() == 1);
    CHECK(gone[0].kind == ChangeKind::delisted);
    CHECK(gone[0].previous_codes == std::vector<std::string>{"127.0.0.2"});
    CHECK(before.results.begin()->second.status == Status::listed); // previous left as it was
    // Skipped results, and any without a zone, are not tracked.
    auto skipped = report_of(z, Status::skipped);
    CHECK(track_changes(skipped, &before, after).empty());
    skipped.results[0].zone = nullptr;
    skipped.results[0].status = Status::listed;
    CHECK(track_changes(skipped, &before, after).empty());
}

TEST_SUITE_END();
