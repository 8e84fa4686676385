// The --state file (it lives on disk between runs and may be damaged or edited).
// Invariants: a text that reads is written back and reads again as the same state; a
// problem is printable.

#include "fuzz_support.hpp"
#include "rblscope/state.hpp"

using namespace rblscope;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const auto loaded = parse_state(text, "fuzz.state");
    fuzz::expect_printable(loaded.problem, "state problem");
    if (!loaded.state) {
        return 0;
    }
    const auto again = parse_state(state_text(*loaded.state), "again");
    if (!again.state || again.state->results.size() != loaded.state->results.size() ||
        again.state->written != loaded.state->written) {
        fuzz::fail("a state does not survive writing", again.problem);
    }
    for (const auto& [key, e] : loaded.state->results) {
        const auto it = again.state->results.find(key);
        if (it == again.state->results.end() || it->second.status != e.status ||
            it->second.unanswered != e.unanswered) {
            fuzz::fail("an entry changed on the way", key);
        }
    }
    return 0;
}
