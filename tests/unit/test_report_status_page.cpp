// serve's status page: the 90-day strip's days, and a page that says each target's state
// with every text escaped, relative links only and no script.

#include "report/status_page.hpp"

#include <doctest/doctest.h>

using namespace rblscope;

TEST_SUITE_BEGIN("report");

namespace {

constexpr std::int64_t k_day = 86400;
constexpr std::int64_t k_now = 1'765'000'000; // 2025-12-06 05:46:40 UTC

HistoryListing listing(std::int64_t since, std::optional<std::int64_t> until) {
    HistoryListing l;
    l.zone_id = "a";
    l.zone = "a.test";
    l.subject = "192.0.2.1";
    l.codes = {"127.0.0.2"};
    l.meaning = "spam <source>";
    l.txt = "<script>alert(1)</script>";
    l.delist_url = "https://a.test/remove?ip=192.0.2.1&x=\"y\"";
    l.since = since;
    l.until = until;
    return l;
}

} // namespace

TEST_CASE("status page: days before the history are unknown; listed days and outages show") {
    HistoryTimeline t;
    t.target = "192.0.2.1";
    t.listings.push_back(listing(k_now - 3 * k_day, k_now - 2 * k_day - 100));
    HistoryEvent broke;
    broke.at = k_now - 5 * k_day;
    broke.kind = ChangeKind::broke;
    broke.zone_id = "b";
    HistoryEvent back = broke;
    back.at = k_now - 5 * k_day + 60;
    back.kind = ChangeKind::recovered;
    t.events = {broke, back};
    const auto days = day_states(&t, k_now - 10 * k_day, k_now, 12);
    REQUIRE(days.size() == 12);
    CHECK(days[0] == DayState::unknown); // 11 days ago: before the history began
    CHECK(days[1] == DayState::clean);   // the day it began
    CHECK(days[2] == DayState::clean);
    CHECK(days[6] == DayState::unknown); // a list broke that day
    CHECK(days[8] == DayState::listed);
    CHECK(days[9] == DayState::listed); // the day the listing ended
    CHECK(days[10] == DayState::clean);
    CHECK(days[11] == DayState::clean); // today
    CHECK(day_states(nullptr, std::nullopt, k_now, 3) ==
          std::vector<DayState>(3, DayState::unknown)); // no history at all
    CHECK(day_states(nullptr, k_now - 2 * k_day, k_now, 2) ==
          std::vector<DayState>(2, DayState::clean)); // watched, nothing happened
}

TEST_CASE("status page: escaped text, relative links, no script") {
    HistoryTimeline t;
    t.target = "192.0.2.1";
    t.listings.push_back(listing(k_now - 3600, std::nullopt));
    TargetSnapshot listed;
    listed.verdict = Verdict::listed;
    TargetSnapshot clean;
    clean.verdict = Verdict::clean;
    StatusPage p;
    p.instance = "mx<1>";
    p.now = k_now;
    p.history = true;
    p.began = k_now - 30 * k_day;
    p.listed = 1;
    p.clean = 1;
    p.targets = {{"192.0.2.1", &listed, &t}, {"user+tag@example.test", &clean, nullptr}};
    p.broken = {{"dead.test", "Dead List", "no_answer", "timeout"}};
    p.page = 1;
    p.pages = 2;
    p.matching = 150;
    const auto h = render_status_page(p);
    CHECK(h.find("<script") == std::string::npos);
    CHECK(h.find("&lt;script&gt;alert(1)&lt;/script&gt;") != std::string::npos);
    CHECK(h.find("mx&lt;1&gt;") != std::string::npos);
    CHECK(h.find("<a href=\"https://a.test/remove?ip=192.0.2.1&amp;x=&quot;y&quot;\" "
                 "rel=\"noreferrer\">request removal</a>") != std::string::npos);
    CHECK(h.find("since 2025-12-06 04:46:40 UTC (1 h 0 min)") != std::string::npos);
    CHECK(h.find("<span class=\"badge listed\">listed</span>") != std::string::npos);
    CHECK(h.find("class=\"broken-zone\"><td>Dead List</td><td><code>dead.test</code>") !=
          std::string::npos);
    CHECK(h.find("href=\"history.json?target=user%2Btag%40example.test\"") != std::string::npos);
    CHECK(h.find("<a href=\"?page=2&amp;show=all\">next &rarr;</a>") != std::string::npos);
    CHECK(h.find("href=\"/") == std::string::npos); // relative: works under a path prefix
    CHECK(h.find("<rect") != std::string::npos);
    // A delisting link that is not http(s) is no link.
    t.listings[0].delist_url = "javascript:alert(1)";
    CHECK(render_status_page(p).find("javascript:") == std::string::npos);
}

TEST_SUITE_END();
