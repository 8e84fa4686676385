// `check --state FILE`: change reports across runs, against fake_dns restarted on the same
// port with other records between runs (a listing appears, stays, goes; the list breaks and
// recovers), and a damaged state file.

#include "integration/fixtures.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <memory>
#include <nlohmann/json.hpp>

using namespace rblscope::test;
using nlohmann::json;

namespace {

struct Lists {
    int port = free_udp_port();
    std::string dir = fixture().dir;
    std::unique_ptr<Server> server;

    /// Serves st.test with its test point and, when `listed`, 192.0.2.10.
    void serve(bool listed) {
        server.reset();
        std::string records = "2.0.0.127.st.test\tA\t127.0.0.2\n";
        if (listed) {
            records += "10.2.0.192.st.test\tA\t127.0.0.2\n";
        }
        write_file(dir + "/state.records", records);
        server = std::make_unique<Server>(std::vector<std::string>{
            FAKE_DNS_BIN, "--port", std::to_string(port), "--records", dir + "/state.records"});
        REQUIRE(server->first_line().starts_with("PORT "));
    }
    void stop() { server.reset(); }

    RunResult check(const std::string& state, const std::string& format = "text") {
        return run_rblscope({"check",
                             "--resolver",
                             fmt::format("127.0.0.1:{}", port),
                             "--zones",
                             "st.test",
                             "--query-timeout",
                             "0.4",
                             "--state",
                             state,
                             "--format",
                             format,
                             "192.0.2.10",
                             "192.0.2.11"});
    }
};

} // namespace

TEST_SUITE_BEGIN("integration");

TEST_CASE("state: a listing appears, stays and goes; the list breaks and recovers") {
    Lists lists;
    const auto state = lists.dir + "/run.state";
    lists.serve(false);
    auto r = lists.check(state);
    CAPTURE(r.err);
    CHECK(r.exit_code == 0);
    CHECK(r.out == "2 targets: 0 listed, 2 clean, 0 unknown; no earlier state: this run is the "
                   "baseline for the next\n");

    lists.serve(true);
    r = lists.check(state);
    CHECK(r.exit_code == 2); // the exit status is the current state's
    CHECK(r.out.starts_with("192.0.2.10  NEWLY LISTED on st.test (127.0.0.2"));
    CHECK(r.out.find("192.0.2.11") == std::string::npos); // unchanged: not repeated
    CHECK(r.out.find("1 change since the run of") != std::string::npos);

    r = lists.check(state);
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty()); // nothing changed: nothing written (cron mails only news)

    lists.stop(); // the list breaks: not "delisted", and what was known is kept
    r = lists.check(state);
    CHECK(r.exit_code == 3);
    CHECK(r.out.find("zone st.test BROKE for 2 targets") != std::string::npos);
    CHECK(r.out.find("DELISTED") == std::string::npos);

    lists.serve(false); // back, and the listing has gone meanwhile
    r = lists.check(state);
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("192.0.2.10  DELISTED from st.test") != std::string::npos);
    CHECK(r.out.find("zone st.test RECOVERED for 2 targets") != std::string::npos);

    lists.serve(true);
    const auto j = lists.check(state, "json");
    const auto doc = json::parse(j.out);
    REQUIRE(doc["changes"].size() == 1);
    CHECK(doc["changes"][0]["change"] == "newly-listed");
    CHECK(doc["changes"][0]["target"] == "192.0.2.10");
    CHECK(doc["changes"][0]["codes"] == json::array({"127.0.0.2"}));
    CHECK(doc["previous_run"].is_string());
    CHECK(doc["summary"]["exit_code"] == 2);
}

TEST_CASE("state: a damaged state file is a warning and a fresh start, never 'newly listed'") {
    Lists lists;
    const auto state = lists.dir + "/damaged.state";
    write_file(state, "{\"rblscope_state\": 1, \"written\": 5, \"results\": {\"x\": 7}}");
    lists.serve(true);
    auto r = lists.check(state, "json");
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("warning: --state " + state) != std::string::npos);
    CHECK(r.err.find("starting afresh") != std::string::npos);
    const auto doc = json::parse(r.out);
    CHECK(doc["previous_run"].is_null());
    REQUIRE(doc["changes"].size() == 1);
    CHECK(doc["changes"][0]["change"] == "listed"); // a baseline, not news
    write_file(state, std::string("\0\xff garbage", 10));
    r = lists.check(state);
    CHECK(r.exit_code == 2);
    CHECK(r.out.find("NEWLY") == std::string::npos);
    // The damaged file was replaced by a good one.
    r = lists.check(state);
    CHECK(r.err.empty());
    CHECK(r.out.empty());
}

TEST_SUITE_END();
