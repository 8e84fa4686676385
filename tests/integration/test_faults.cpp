// Faults from the network, driven by fake_dns: packet loss, answers that must be ignored,
// truncation, a resolver that goes away and comes back, one slow list among fast ones, and
// a process short of file descriptors. The rule in every case: a status is the truth, or an
// honest timeout/error; never a clean for a listing or a listing for a clean address.

#include "integration/fixtures.hpp"

#include <csignal>
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <map>
#include <nlohmann/json.hpp>
#include <thread>

using namespace rblscope::test;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

/// One fake_dns for these tests, started on first use.
int fault_port() {
    static Server server;
    static const int port = [] {
        server = Server({FAKE_DNS_BIN,
                         "--zone",
                         "half.test=half",
                         "--zone",
                         "loss5.test=half%5",
                         "--zone",
                         "loss20.test=half%20",
                         "--zone",
                         "wrongport.test=wrongport",
                         "--zone",
                         "tc.test=tc",
                         "--zone",
                         "fast.test=rfc@5",
                         "--zone",
                         "slow.test=rfc@5000"});
        const auto line = server.first_line();
        REQUIRE(line.starts_with("PORT "));
        return std::stoi(line.substr(5));
    }();
    return port;
}

/// The truth of the "half" mode: odd last octets are listed.
std::string truth(const std::string& ip) {
    return std::stoi(ip.substr(ip.rfind('.') + 1)) % 2 == 1 ? "listed" : "clean";
}

json check(const std::vector<std::string>& args, int port, int& exit_code) {
    std::vector<std::string> all{"check",
                                 "--resolver",
                                 fmt::format("127.0.0.1:{}", port),
                                 "--format",
                                 "json",
                                 "--max-addresses",
                                 "65536"};
    all.insert(all.end(), args.begin(), args.end());
    const auto r = run_rblscope(all);
    exit_code = r.exit_code;
    INFO(r.err);
    return json::parse(r.out);
}

/// status per address for one zone
std::map<std::string, std::string> statuses(const json& doc, const std::string& zone) {
    std::map<std::string, std::string> out;
    for (const auto& t : doc["targets"]) {
        for (const auto& r : t["results"]) {
            if (r["zone"] == zone) {
                out[t["ip"].get<std::string>()] = r["status"].get<std::string>();
            }
        }
    }
    return out;
}

} // namespace

TEST_SUITE_BEGIN("integration");

TEST_CASE("faults: with 5 % and 20 % of queries lost, statuses match or say timeout") {
    const int port = fault_port();
    int code = 0;
    const auto base =
        statuses(check({"--zones", "half.test", "10.1.0.0/24"}, port, code), "half.test");
    REQUIRE(base.size() == 256);
    for (const auto& [ip, status] : base) {
        REQUIRE(status == truth(ip)); // the loss-free run is right
    }
    for (const std::string zone : {"loss5.test", "loss20.test"}) {
        CAPTURE(zone);
        const auto lossy = statuses(check({"--zones", zone, "10.1.0.0/24"}, port, code), zone);
        REQUIRE(lossy.size() == 256);
        int same = 0, timeouts = 0;
        for (const auto& [ip, status] : lossy) {
            CAPTURE(ip);
            if (status == base.at(ip)) {
                ++same;
            } else {
                CHECK(status == "timeout"); // never the other answer
                ++timeouts;
            }
        }
        MESSAGE(fmt::format("{}: {} of 256 as without loss, {} timeouts", zone, same, timeouts));
        // Three copies of a query are all lost with 0.0125 % (5 %) and 0.8 % (20 %).
        CHECK(timeouts <= (zone == "loss5.test" ? 2 : 12));
    }
}

TEST_CASE("faults: an answer from the wrong port is ignored; a truncated one goes to TCP") {
    const int port = fault_port();
    int code = 0;
    const auto doc = check(
        {"--zones", "wrongport.test,tc.test", "--query-timeout", "0.6", "127.0.0.2", "192.0.2.1"},
        port,
        code);
    CHECK(result_for(doc, 0, "wrongport.test")["status"] == "timeout");
    CHECK(result_for(doc, 1, "wrongport.test")["status"] == "timeout");
    CHECK(result_for(doc, 0, "tc.test")["status"] == "listed"); // the answer came over TCP
    CHECK(result_for(doc, 1, "tc.test")["status"] == "clean");
    CHECK(code == 2);
}

TEST_CASE("faults: the resolver goes away mid-run and comes back") {
    // A resolver of its own, on a port it can be restarted on.
    const int port = free_udp_port();
    const std::vector<std::string> argv{
        FAKE_DNS_BIN, "--port", std::to_string(port), "--zone", "half.test=half@20"};
    auto dns = std::make_unique<Server>(argv);
    REQUIRE(dns->first_line().starts_with("PORT "));
    // 16 queries in flight, 20 ms each: 1,024 addresses take about 1.3 s without the outage.
    Interactive p({RBLSCOPE_BIN,
                   "check",
                   "--resolver",
                   fmt::format("127.0.0.1:{}", port),
                   "--zones",
                   "half.test",
                   "--format",
                   "json",
                   "--concurrency",
                   "16",
                   "10.3.0.0/22"});
    std::this_thread::sleep_for(400ms);
    dns.reset(); // gone, for longer than a query's 1.5 s budget
    std::this_thread::sleep_for(2s);
    dns = std::make_unique<Server>(argv); // back
    REQUIRE(dns->first_line().starts_with("PORT "));
    const auto done = p.wait(60s);
    REQUIRE(done.exited); // no hang
    const auto doc = json::parse(done.out);
    const auto got = statuses(doc, "half.test");
    REQUIRE(got.size() == 1024);
    int right = 0, unknown = 0, slow = 0;
    for (const auto& t : doc["targets"]) {
        slow += t["results"][0]["elapsed_ms"].get<int>() > 700 ? 1 : 0;
    }
    MESSAGE(fmt::format("{} answers took more than 700 ms (late copies)", slow));
    for (const auto& [ip, status] : got) {
        CAPTURE(ip);
        if (status == truth(ip)) {
            ++right;
        } else {
            CHECK((status == "timeout" || status == "error"));
            ++unknown;
        }
    }
    MESSAGE(fmt::format("{} right, {} timeout or error; {} queries in {} ms",
                        right,
                        unknown,
                        doc["summary"]["queries"].get<int>(),
                        doc["summary"]["elapsed_ms"].get<int>()));
    // How many queries the outage costs depends on timing (late copies of a query can
    // outlive it); that each is right or says it is unknown does not.
    CHECK(right > 0);
    CHECK(done.exit_code == 2); // listings were found; CRITICAL outranks UNKNOWN
}

TEST_CASE("faults: one list answering in 5 s does not hold up the rest") {
    const int port = fault_port();
    int code = 0;
    // 64 targets; the slow list's 1.5 s budget is spent once for all of them, not per target.
    const auto doc =
        check({"--zones", "fast.test,slow.test", "10.4.0.0/26", "127.0.0.2"}, port, code);
    REQUIRE(doc["targets"].size() == 65);
    for (std::size_t t = 0; t < 64; ++t) {
        CHECK(result_for(doc, t, "fast.test")["status"] == "clean");
        CHECK(result_for(doc, t, "slow.test")["status"] == "timeout");
    }
    CHECK(result_for(doc, 64, "fast.test")["status"] == "listed");
    CHECK(doc["summary"]["elapsed_ms"].get<int>() < 64 * 1500 / 8);
}

TEST_CASE("faults: 64 file descriptors and --concurrency 1000 still give every answer") {
    const int port = fault_port();
    const auto r = run({"/bin/sh",
                        "-c",
                        fmt::format("ulimit -n 64 && exec {} check --resolver 127.0.0.1:{} --zones "
                                    "half.test --concurrency 1000 --format json "
                                    "--max-addresses 65536 10.5.0.0/22",
                                    RBLSCOPE_BIN,
                                    port)});
    INFO(r.err);
    REQUIRE(r.exit_code == 2);
    const auto got = statuses(json::parse(r.out), "half.test");
    REQUIRE(got.size() == 1024);
    int wrong = 0;
    for (const auto& [ip, status] : got) {
        wrong += status == truth(ip) ? 0 : 1;
    }
    CHECK(wrong == 0);
}

TEST_SUITE_END();
