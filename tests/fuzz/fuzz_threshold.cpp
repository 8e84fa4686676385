// The Monitoring Plugins range syntax of -w / -c ("10", "10:", "~:10", "@10:20").
// Invariants: errors are printable; an accepted range keeps its text; '@' inverts.

#include "fuzz_support.hpp"
#include "rblscope/threshold.hpp"

#include <cstring>

using namespace rblscope;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    auto range = ThresholdRange::parse(text);
    if (!range) {
        fuzz::expect_printable(range.error().to_string(), "range error");
        return 0;
    }
    if (range.value().text() != text) {
        fuzz::fail("the range's text changed", range.value().text());
    }
    if (!text.empty() && text.front() != '@') {
        auto inverted = ThresholdRange::parse("@" + std::string(text));
        if (inverted) {
            for (const double v : {-1.0, 0.0, 0.5, 1.0, 10.0, 1e9}) {
                if (inverted.value().alerts(v) == range.value().alerts(v)) {
                    fuzz::fail("'@' does not invert the range", text);
                }
            }
        }
    }
    return 0;
}
