// The real binary against fake_dns: every way a list can fail, each with its exact status.

#include "integration/fixtures.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

using namespace rblscope::test;
using nlohmann::json;

namespace {

json check_zones(const std::string& zones, const std::string& target, int& exit_code) {
    auto& f = fixture();
    const auto r = run_rblscope({"check",
                                 "--resolver",
                                 fmt::format("127.0.0.1:{}", f.fake_port),
                                 "--zones",
                                 zones,
                                 "--format",
                                 "json",
                                 "--query-timeout",
                                 "0.4",
                                 "--retries",
                                 "1",
                                 target});
    exit_code = r.exit_code;
    INFO(r.err);
    return json::parse(r.out);
}

} // namespace

TEST_SUITE_BEGIN("integration");

TEST_CASE("failure modes: each broken zone gets its own honest status") {
    int exit_code = -1;
    const auto doc = check_zones(
        "good.test,dead.test,servfail.test,refused.test,parked.test,errcode.test,wild.test,"
        "nxall.test,garbage.test,wrongid.test",
        "192.0.2.1",
        exit_code);
    const auto status = [&](const char* zone) {
        return result_for(doc, 0, zone)["status"].get<std::string>();
    };
    const auto error = [&](const char* zone) {
        return result_for(doc, 0, zone)["error"].get<std::string>();
    };
    CHECK(status("good.test") == "clean");
    CHECK(status("dead.test") == "timeout");
    CHECK(error("dead.test") == "no answer within 0.4 s (2 queries sent)");
    CHECK(status("servfail.test") == "error");
    CHECK(error("servfail.test").starts_with("SERVFAIL"));
    CHECK(status("refused.test") == "error");
    CHECK(error("refused.test").starts_with("REFUSED"));
    CHECK(status("parked.test") == "error");
    CHECK(error("parked.test").starts_with("answer 91.195.240.117 is outside 127.0.0.0/8"));
    CHECK(status("errcode.test") == "error");
    CHECK(error("errcode.test").starts_with("error code 127.255.255.254"));
    CHECK(status("wild.test") == "error");
    CHECK(error("wild.test") == "the zone lists everything: its test point 127.0.0.1 (which must "
                                "not be listed) answered 127.0.0.2");
    CHECK(status("nxall.test") == "error");
    CHECK(error("nxall.test").find("did not list its own test point 127.0.0.2") !=
          std::string::npos);
    // Unparseable answers and answers with the wrong ID are dropped: the query times out.
    CHECK(status("garbage.test") == "timeout");
    CHECK(status("wrongid.test") == "timeout");
    CHECK(doc["targets"][0]["verdict"] == "unknown");
    CHECK(exit_code == 3);
}

TEST_CASE("failure modes: a truncated answer with no TCP server behind it is an error") {
    // Run alone: c-ares 1.18 fails every query pending on a server whose TCP connection
    // is refused, so the engine treats connection-refused as final only when no other copy
    // of the query can still answer.
    int exit_code = -1;
    const auto doc = check_zones("trunc.test", "192.0.2.1", exit_code);
    const auto& r = result_for(doc, 0, "trunc.test");
    CHECK(r["status"] == "error");
    // The server that refused is named: a resolver or a zone server down is told apart.
    CHECK(r["error"] == fmt::format("connection refused by 127.0.0.1:{}: no DNS server "
                                    "listening there",
                                    fixture().fake_port));
    CHECK(exit_code == 3);
}

TEST_CASE("failure modes: a listing on a healthy zone is still reported next to broken ones") {
    int exit_code = -1;
    const auto doc = check_zones("good.test,dead.test,wild.test", "192.0.2.99", exit_code);
    CHECK(result_for(doc, 0, "good.test")["status"] == "listed");
    CHECK(result_for(doc, 0, "wild.test")["status"] == "error");
    CHECK(doc["targets"][0]["verdict"] == "listed");
    CHECK(exit_code == 2);
}

TEST_CASE("failure modes: a slow zone past the timeout is a timeout, never clean") {
    int exit_code = -1;
    const auto doc = check_zones("good.test,slow.test", "192.0.2.1", exit_code);
    CHECK(result_for(doc, 0, "slow.test")["status"] == "timeout");
    CHECK(result_for(doc, 0, "good.test")["status"] == "clean");
    CHECK(exit_code == 3);
}

TEST_CASE("failure modes: a lost query is recovered by a hedged copy, or by a new round") {
    auto& f = fixture();
    const auto run = [&](const std::string& retries, const std::string& target) {
        const auto r = run_rblscope({"check",
                                     "--resolver",
                                     fmt::format("127.0.0.1:{}", f.fake_port),
                                     "--zones",
                                     "lossy.test",
                                     "--format",
                                     "json",
                                     "--query-timeout",
                                     "1",
                                     "--retries",
                                     retries,
                                     target});
        return json::parse(r.out);
    };
    // lossy.test drops the first query for each name (test points included).
    CHECK(result_for(run("1", "192.0.2.99"), 0, "lossy.test")["status"] == "listed");
    CHECK(result_for(run("1", "192.0.2.7"), 0, "lossy.test")["status"] == "clean");
    // Without copies the lost query gets a second budget, because the zone answered others
    // meanwhile (its test points, asked in the runs above): it costs time, not the answer.
    const auto no_retry = run("0", "192.0.2.8");
    CHECK(result_for(no_retry, 0, "lossy.test")["status"] == "clean");
    CHECK(result_for(no_retry, 0, "lossy.test")["elapsed_ms"].get<int>() >= 1000);
}

TEST_CASE("failure modes: an unreachable resolver gives timeouts and exit 3") {
    const int port = free_udp_port(); // nothing listens there
    const auto r = run_rblscope({"check",
                                 "--resolver",
                                 fmt::format("127.0.0.1:{}", port),
                                 "--zones",
                                 "zen.spamhaus.org",
                                 "--query-timeout",
                                 "0.2",
                                 "--retries",
                                 "0",
                                 "--format",
                                 "json",
                                 "192.0.2.1"});
    CHECK(r.exit_code == 3);
    const auto doc = json::parse(r.out);
    const auto st = result_for(doc, 0, "zen.spamhaus.org")["status"];
    CHECK((st == "timeout" || st == "error"));
    CHECK(doc["targets"][0]["verdict"] == "unknown");
}

TEST_SUITE_END();
