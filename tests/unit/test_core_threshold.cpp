#include "rblscope/threshold.hpp"

#include <doctest/doctest.h>

using namespace rblscope;

TEST_SUITE_BEGIN("core");

TEST_CASE("threshold::ThresholdRange") {
    const auto alerts = [](const char* range, double v) {
        return ThresholdRange::parse(range)->alerts(v);
    };
    SUBCASE("N: outside 0..N") {
        CHECK_FALSE(alerts("10", 0));
        CHECK_FALSE(alerts("10", 10));
        CHECK(alerts("10", 10.5));
        CHECK(alerts("10", -1));
        CHECK(alerts("0", 1)); // -w 0: any listing warns
    }
    SUBCASE("N: below N") {
        CHECK(alerts("10:", 9.9));
        CHECK_FALSE(alerts("10:", 10));
        CHECK_FALSE(alerts("10:", 1e9));
    }
    SUBCASE("~:N above N") {
        CHECK_FALSE(alerts("~:5", -100));
        CHECK_FALSE(alerts("~:5", 5));
        CHECK(alerts("~:5", 6));
    }
    SUBCASE("A:B outside, @A:B inside") {
        CHECK(alerts("3:7", 2));
        CHECK_FALSE(alerts("3:7", 3));
        CHECK_FALSE(alerts("3:7", 7));
        CHECK(alerts("3:7", 8));
        CHECK(alerts("@3:7", 3));
        CHECK(alerts("@3:7", 7));
        CHECK_FALSE(alerts("@3:7", 2));
        CHECK_FALSE(alerts("@3:7", 7.5));
    }
    SUBCASE("bad ranges are refused with the text") {
        CHECK(ThresholdRange::parse("").error().message ==
              "\"\" is not a threshold range: empty (e.g. 2, 5:, ~:3, 1:4, @1:4)");
        CHECK_FALSE(ThresholdRange::parse("x"));
        CHECK_FALSE(ThresholdRange::parse("5:3"));
        CHECK_FALSE(ThresholdRange::parse("1:2:3"));
        CHECK_FALSE(ThresholdRange::parse("@"));
        CHECK_FALSE(ThresholdRange::parse("~"));
        CHECK_FALSE(ThresholdRange::parse("nan"));
        CHECK(ThresholdRange::parse("1.5:2.5"));
    }
}

TEST_SUITE_END();
