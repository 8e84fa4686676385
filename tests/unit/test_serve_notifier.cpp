// serve's notification retries: the backoff and the receiver's Retry-After.

#include "serve/notifier.hpp"

#include <doctest/doctest.h>

using rblscope::exporter::retry_delay;

TEST_CASE("notifier: retries back off from 30 s to an hour, or as Retry-After says") {
    using std::chrono::seconds;
    CHECK(retry_delay(1, std::nullopt) == seconds(30));
    CHECK(retry_delay(2, std::nullopt) == seconds(60));
    CHECK(retry_delay(5, std::nullopt) == seconds(480));
    CHECK(retry_delay(8, std::nullopt) == seconds(3600));
    CHECK(retry_delay(1000, std::nullopt) == seconds(3600));
    CHECK(retry_delay(3, 5L) == seconds(5));
    CHECK(retry_delay(1, 86400L) == seconds(3600)); // never longer than an hour
    CHECK(retry_delay(1, 0L) == seconds(30));
}
