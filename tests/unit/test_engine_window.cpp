// The engine's pacing rules without processes: the congestion window (slow start, one cut
// per window of requests, late requests), the lateness threshold, RTOs, and the dead-zone
// rule.

#include "engine/window.hpp"

#include <doctest/doctest.h>

using namespace rblscope;
using namespace std::chrono_literals;

TEST_SUITE_BEGIN("unit");

TEST_CASE("window: starts small, doubles per round trip up to the ceiling") {
    CongestionWindow w(500);
    CHECK(w.limit() == CongestionWindow::k_initial);
    for (int i = 0; i < CongestionWindow::k_initial; ++i) {
        REQUIRE(w.has_room());
        w.enter();
    }
    CHECK_FALSE(w.has_room());
    for (int i = 0; i < CongestionWindow::k_initial; ++i) {
        w.leave();
        w.on_answer();
    }
    CHECK(w.limit() == 2 * CongestionWindow::k_initial); // one round trip of answers
    for (int i = 0; i < 10000; ++i) {
        w.on_answer();
    }
    CHECK(w.limit() == 500);
    CongestionWindow small(8);
    CHECK(small.limit() == 8); // never above the ceiling, even at the start
}

TEST_CASE("window: a loss halves it once per window of requests, never below the floor") {
    CongestionWindow w(500);
    std::vector<std::uint64_t> seqs;
    for (int i = 0; i < 1000; ++i) {
        w.on_answer();
    }
    REQUIRE(w.limit() == 500);
    for (int i = 0; i < 100; ++i) {
        seqs.push_back(w.enter());
    }
    CHECK(w.on_loss(seqs[0]));
    CHECK(w.limit() == 250);
    // Requests sent before the cut were sent under the old window: they do not cut again.
    CHECK_FALSE(w.on_loss(seqs[50]));
    CHECK(w.limit() == 250);
    const auto after = w.enter();
    CHECK(w.on_loss(after));
    CHECK(w.limit() == 125);
    CHECK(w.cuts() == 2);
    for (int i = 0; i < 20; ++i) {
        w.on_loss(w.enter());
    }
    CHECK(w.limit() == CongestionWindow::k_floor);
    // After a cut it grows by about one request per window of answers (congestion avoidance).
    for (int i = 0; i < CongestionWindow::k_floor + 1; ++i) {
        w.on_answer();
    }
    CHECK(w.limit() == CongestionWindow::k_floor + 1);
}

TEST_CASE("window: late requests give their slot back and are counted apart") {
    CongestionWindow w(4);
    for (int i = 0; i < 4; ++i) {
        w.enter();
    }
    CHECK_FALSE(w.has_room());
    w.make_late();
    w.make_late();
    CHECK(w.has_room());
    CHECK(w.in_flight() == 2);
    CHECK(w.late() == 2);
    w.late_ended();
    CHECK(w.late() == 1);
    CHECK(w.in_flight() == 2);
}

TEST_CASE("window: a fixed window neither grows nor shrinks") {
    CongestionWindow w(50, false);
    CHECK(w.limit() == 50);
    w.on_answer();
    CHECK_FALSE(w.on_loss(w.enter()));
    CHECK(w.limit() == 50);
}

TEST_CASE("late_after: the lower decile of the zones' RTOs, so slow lists do not set it") {
    CHECK(late_after({}, 250ms) == 250ms);
    CHECK(late_after({30ms}, 250ms) == 30ms);
    CHECK(late_after({20ms, 2700ms}, 250ms) == 20ms);
    CHECK(late_after({25ms, 20ms, 2700ms, 22ms, 2700ms}, 250ms) == 20ms);
    // 5..900 ms spread evenly over 20 lists: the second fastest, not the middle one.
    std::vector<std::chrono::milliseconds> spread;
    for (int i = 0; i < 20; ++i) {
        spread.push_back(std::chrono::milliseconds(5 + 47 * i));
    }
    CHECK(late_after(spread, 250ms) == 52ms);
}

TEST_CASE("rtt: RFC 6298 estimates and the RTO floor") {
    RttEstimator r;
    CHECK(r.rto(20ms, 250ms) == 250ms);
    r.add(100);
    CHECK(r.rto(20ms, 250ms) == 300ms); // srtt + 4 * srtt / 2
    RttEstimator fast;
    fast.add(1);
    CHECK(fast.rto(20ms, 250ms) == 20ms);
    RttEstimator steady; // a list answering after the same 20 ms every time
    for (int i = 0; i < 50; ++i) {
        steady.add(20);
    }
    CHECK(steady.rto(5ms, 250ms) == 30ms); // 1.5 srtt, not srtt + ~0
}

TEST_CASE("liveness: probes before the first answer, dead after three timeouts without one") {
    using Clock = ZoneLiveness::Clock;
    ZoneLiveness z;
    for (int i = 0; i < ZoneLiveness::k_probes; ++i) {
        REQUIRE(z.may_send(500));
        z.on_sent();
    }
    CHECK_FALSE(z.may_send(500)); // the rest wait for an answer or for the verdict
    z.on_timeout();
    z.on_timeout();
    CHECK_FALSE(z.dead());
    z.on_timeout();
    CHECK(z.dead());
    CHECK(z.timeouts() == 3);

    ZoneLiveness slow;
    const auto t0 = Clock::now();
    for (int i = 0; i < ZoneLiveness::k_probes; ++i) {
        slow.on_sent();
    }
    slow.on_answer(t0 + 900ms);
    CHECK(slow.answering());
    CHECK(slow.may_send(500)); // the ceiling now
    CHECK(slow.answered_since(t0));
    CHECK_FALSE(slow.answered_since(t0 + 1s));
    slow.on_timeout();
    slow.on_timeout();
    slow.on_timeout();
    CHECK_FALSE(slow.dead()); // it answered: timeouts are losses, not death
}

TEST_SUITE_END();
