// Honest verdicts at scale, against fake_dns: a server that drops bursts gives no unknown
// (the window adapts), a dead zone costs one timeout and a handful of queries, zones outside
// the catalog are asked about IPv6 only when they list its test point, and 127.255.255.x is
// an error code on every zone. Every (target, zone) pair gets exactly one status.

#include "integration/fixtures.hpp"

#include <chrono>
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

using namespace rblscope::test;
using nlohmann::json;

namespace {

int congestion_port() {
    static Server server;
    static const int port = [] {
        // 20,000 queries a second at most into a 16 KiB socket buffer: a burst of a few dozen
        // queries overflows it, as a loaded resolver's or a small rbldnsd's does.
        server = Server({FAKE_DNS_BIN,
                         "--rate",
                         "20000",
                         "--rcvbuf",
                         "16384",
                         "--zone",
                         "half.test=half",
                         "--zone",
                         "half2.test=half",
                         "--zone",
                         "v6.test=rfc",
                         "--zone",
                         "v4only.test=ip4only",
                         "--zone",
                         "dead.test=silent",
                         "--zone",
                         "err.test=a:127.255.255.254"});
        const auto line = server.first_line();
        REQUIRE(line.starts_with("PORT "));
        return std::stoi(line.substr(5));
    }();
    return port;
}

json check(const std::vector<std::string>& args, double* seconds = nullptr) {
    std::vector<std::string> all{"check",
                                 "--resolver",
                                 fmt::format("127.0.0.1:{}", congestion_port()),
                                 "--format",
                                 "json",
                                 "--max-addresses",
                                 "65536"};
    all.insert(all.end(), args.begin(), args.end());
    const auto start = std::chrono::steady_clock::now();
    const auto r = run_rblscope(all);
    if (seconds != nullptr) {
        *seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    }
    INFO(r.err);
    return json::parse(r.out);
}

/// The truth of the "half" mode: odd last octets are listed.
std::string truth(const std::string& ip) {
    return std::stoi(ip.substr(ip.rfind('.') + 1)) % 2 == 1 ? "listed" : "clean";
}

/// UDP datagrams the kernel dropped for full receive buffers, machine-wide (or -1).
long receive_buffer_errors() {
    std::ifstream snmp("/proc/net/snmp");
    std::string line;
    bool header = true;
    while (std::getline(snmp, line)) {
        if (line.rfind("Udp: ", 0) != 0) {
            continue;
        }
        if (header) {
            header = false;
            continue;
        }
        std::istringstream fields(line.substr(5));
        long v = 0;
        for (int i = 0; i < 5 && fields >> v; ++i) {
        }
        return v; // InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors
    }
    return -1;
}

} // namespace

TEST_SUITE_BEGIN("integration");

TEST_CASE("congestion: a server that drops bursts gives no unknown, every status right") {
    const long drops_before = receive_buffer_errors();
    double seconds = 0;
    const auto doc = check({"--zones", "half.test,half2.test", "10.5.0.0/22"}, &seconds);
    const long drops = receive_buffer_errors() - drops_before;
    REQUIRE(doc["targets"].size() == 1024);
    int right = 0;
    for (const auto& t : doc["targets"]) {
        REQUIRE(t["results"].size() == 2);
        for (const auto& r : t["results"]) {
            INFO(t["ip"], " ", r["zone"], " ", r["error"]);
            CHECK(r["status"] == truth(t["ip"].get<std::string>()));
            right += r["status"] == truth(t["ip"].get<std::string>()) ? 1 : 0;
        }
    }
    CHECK(doc["summary"]["unknown"] == 0);
    MESSAGE(fmt::format("{} of 2048 right in {:.2f} s, {} queries; {} datagrams dropped for full "
                        "buffers meanwhile (the whole machine)",
                        right,
                        seconds,
                        doc["summary"]["queries"].get<int>(),
                        drops));
}

TEST_CASE("congestion: a dead zone costs one timeout and a handful of queries") {
    // 16 slots: the dead zone's 256 lookups would hold them a second each (16 s) if each
    // were asked; instead its first few time out and the rest settle at once.
    double seconds = 0;
    const auto doc = check({"--zones",
                            "half.test,dead.test",
                            "--query-timeout",
                            "1",
                            "--concurrency",
                            "16",
                            "10.6.0.0/24"},
                           &seconds);
    REQUIRE(doc["targets"].size() == 256);
    int dead_settled = 0;
    for (const auto& t : doc["targets"]) {
        REQUIRE(t["results"].size() == 2);
        for (const auto& r : t["results"]) {
            INFO(t["ip"], " ", r["zone"], " ", r["error"]);
            if (r["zone"] == "half.test") {
                CHECK(r["status"] == truth(t["ip"].get<std::string>()));
                continue;
            }
            CHECK(r["status"] == "timeout"); // never clean
            const auto error = r["error"].get<std::string>();
            dead_settled += error.find("treated as dead for this run") != std::string::npos ? 1 : 0;
        }
    }
    CHECK(dead_settled >= 240);
    CHECK(seconds < 4.0);
    // half.test: 256 lookups, its 4 test points, TXT for none (bare zones ask it: 128 listings);
    // dead.test: its test points and a few probes, three copies each.
    const int queries = doc["summary"]["queries"].get<int>();
    CHECK(queries <= 256 + 4 + 128 + 3 * 10 + 20);
    MESSAGE(fmt::format("{} of 256 dead-zone lookups settled without a query; {:.2f} s, {} queries",
                        dead_settled,
                        seconds,
                        queries));
}

TEST_CASE("congestion: zones outside the catalog are asked about IPv6 when they list its point") {
    const auto doc = check(
        {"--zones", "v6.test,v4only.test,err.test", "2001:db8::99", "2001:db8::1", "192.0.2.99"});
    REQUIRE(doc["targets"].size() == 3);
    for (const auto& t : doc["targets"]) {
        CHECK(t["results"].size() == 3); // exactly one status per (target, zone)
    }
    CHECK(result_for(doc, 0, "v6.test")["status"] == "listed");
    CHECK(result_for(doc, 1, "v6.test")["status"] == "clean");
    CHECK(result_for(doc, 2, "v6.test")["status"] == "listed");
    const auto& v4 = result_for(doc, 0, "v4only.test");
    CHECK(v4["status"] == "skipped");
    CHECK(v4["error"] == "the zone does not list its IPv6 test point ::ffff:7f00:2 (NXDOMAIN): it "
                         "does not take IPv6 addresses");
    CHECK(result_for(doc, 1, "v4only.test")["status"] == "skipped");
    CHECK(result_for(doc, 2, "v4only.test")["status"] == "listed");
    // A zone answering an error code to everything takes no IPv6 question, and its IPv4
    // answers are errors.
    CHECK(result_for(doc, 0, "err.test")["status"] == "skipped");
    CHECK(result_for(doc, 2, "err.test")["status"] == "error");
    CHECK(doc["targets"][1]["verdict"] == "clean");
}

TEST_CASE("congestion: 127.255.255.254 on a catalog zone without that code is an error") {
    const std::string dir = make_temp_dir();
    const std::string catalog = dir + "/catalog.toml";
    // A reputation zone whose table knows only its listing codes, and no negative test
    // point that would show the error code first.
    write_file(catalog, R"([[zone]]
id = "rep"
zone = "err.test"
kind = "ip4"
role = "reputation"
status = "active"
default = true
test_unlisted = ""
codes = [ { code = "127.0.0.2", meaning = "bad reputation" } ]
)");
    const auto doc = check({"--catalog", catalog, "192.0.2.1"});
    const auto& r = result_for(doc, 0, "err.test");
    CHECK(r["status"] == "error");
    CHECK(
        r["error"].get<std::string>().starts_with("error code 127.255.255.254 (127.255.255.0/24"));
    CHECK(doc["targets"][0]["verdict"] == "unknown");
}

TEST_SUITE_END();
