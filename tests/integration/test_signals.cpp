// The process under duress: SIGINT/SIGTERM mid-run, a reader that goes away (| head), an
// input pipe that pauses. Each must end honestly: what finished is reported, documents stay
// valid, nothing is said on stderr that the admin did not need.

#include "integration/fixtures.hpp"

#include <csignal>
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <thread>

using namespace rblscope::test;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

std::vector<std::string> check_argv(std::vector<std::string> extra) {
    std::vector<std::string> argv{RBLSCOPE_BIN,
                                  "check",
                                  "--resolver",
                                  fmt::format("127.0.0.1:{}", fixture().fake_port),
                                  "--zones",
                                  "good.test"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return argv;
}

} // namespace

TEST_SUITE_BEGIN("integration");

TEST_CASE("signals: SIGINT or SIGTERM mid-run keeps what finished and a valid document") {
    for (const int sig : {SIGINT, SIGTERM}) {
        const char* name = sig == SIGINT ? "SIGINT" : "SIGTERM";
        CAPTURE(name);
        // The input pipe stays open: the run is waiting for more targets when the signal
        // comes, as a long bulk run would be.
        Interactive p(check_argv({"--format", "json", "--input", "-"}));
        p.write("127.0.0.2\n");
        const auto first = p.read_line(10s); // the document opens once the target is done
        REQUIRE_FALSE(first.empty());
        p.signal(sig);
        const auto done = p.wait(10s);
        REQUIRE(done.exited);
        CHECK(done.exit_code == 3);
        CHECK(done.err.find(std::string(name) + ": stopped after 1 targets") != std::string::npos);
        const auto doc = json::parse(first + "\n" + done.out);
        CHECK(doc["summary"]["interrupted"] == true);
        CHECK(doc["summary"]["exit_code"] == 3);
        REQUIRE(doc["targets"].size() == 1);
        CHECK(doc["targets"][0]["verdict"] == "listed");
    }
}

TEST_CASE("signals: a reader that goes away (| head) ends the run quietly") {
    // 65,536 addresses: far more work than one line of output needs (--all: every address
    // is shown, clean or not).
    Interactive p(check_argv({"--all", "--max-addresses", "65536", "10.0.0.0/16"}));
    const auto line = p.read_line(10s);
    CHECK(line == "10.0.0.0");
    p.close_stdout();
    const auto done = p.wait(60s);
    REQUIRE(done.exited);
    CHECK(done.exit_code == 3);
    CHECK(done.err.empty()); // no "Broken pipe", no exception text
}

TEST_CASE("signals: a paused input pipe streams results and costs no CPU") {
    Interactive p(check_argv({"--input", "-"}));
    p.write("127.0.0.2\n");
    // The first target is reported while the pipe is still open: results stream.
    CHECK(p.read_line(10s) == "127.0.0.2");
    std::this_thread::sleep_for(2s); // the pipe pauses
    p.write("192.0.2.1\n");
    p.close_stdin();
    const auto done = p.wait(10s);
    REQUIRE(done.exited);
    CHECK(done.exit_code == 2);
    CHECK(done.out.find("192.0.2.1") != std::string::npos);
    // A busy wait would burn the whole pause; one check is a few milliseconds.
    CHECK(done.cpu_seconds < 0.5);
}

TEST_CASE("signals: explain stopped by SIGINT reports what it read") {
    Interactive p(
        {RBLSCOPE_BIN, "explain", "--catalog", RBLSCOPE_CATALOG_FILE, "--format", "json", "-"});
    p.write("Nov 20 10:00:01 gw1 postfix/smtp[1234]: 4F1AB2C3D4: to=<user@contoso.com>, "
            "relay=contoso-com.mail.protection.outlook.com[52.101.1.1]:25, delay=1, "
            "dsn=5.7.606, status=bounced (host contoso-com.mail.protection.outlook.com"
            "[52.101.1.1] said: 550 5.7.606 Access denied, banned sending IP [203.0.113.5]. "
            "(in reply to RCPT TO command))\n");
    // Read and parsed by then, even on a loaded machine (300 ms once was not, under a
    // parallel build); the pipe stays open.
    std::this_thread::sleep_for(1s);
    p.signal(SIGINT);
    const auto done = p.wait(10s);
    REQUIRE(done.exited);
    CHECK(done.exit_code == 3);
    CHECK(done.err.find("SIGINT: stopped after 1 lines") != std::string::npos);
    const auto doc = json::parse(done.out);
    CHECK(doc["summary"]["interrupted"] == true);
    CHECK(doc["summary"]["findings"] == 1);
}

TEST_CASE("signals: vet stopped by SIGINT while its DNS does not answer") {
    // A resolver that never answers, and a 20 s budget: only the signal can end this soon.
    Server silent({FAKE_DNS_BIN, "--zone", "arpa=silent", "--zone", "test=silent"});
    const auto port = silent.first_line();
    REQUIRE(port.starts_with("PORT "));
    Interactive p({RBLSCOPE_BIN,
                   "vet",
                   "--catalog",
                   RBLSCOPE_CATALOG_FILE,
                   "--resolver",
                   "127.0.0.1:" + port.substr(5),
                   "--zones",
                   "silent.test",
                   "--query-timeout",
                   "20",
                   "--domain",
                   "example.test",
                   "--format",
                   "json",
                   "192.0.2.1"});
    std::this_thread::sleep_for(500ms);
    p.signal(SIGINT);
    const auto done = p.wait(10s);
    REQUIRE(done.exited);
    CHECK(done.exit_code == 3);
    CHECK(done.err.find("SIGINT: stopped") != std::string::npos);
    const auto doc = json::parse(done.out);
    CHECK(doc["summary"]["interrupted"] == true);
    REQUIRE(doc["addresses"].size() == 1);
    CHECK(doc["addresses"][0]["ptr"]["status"] == "error"); // not "no PTR"
}

TEST_SUITE_END();
