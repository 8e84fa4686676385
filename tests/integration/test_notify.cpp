// serve's notifications against real receivers: an HTTP server for the webhook and Slack
// formats, and aiosmtpd requiring STARTTLS and AUTH for email. fake_dns lists and delists a
// target between refreshes; each change arrives once per notifier, after the refresh that
// confirms it, a receiver that is down gets it when it comes back, and a restart sends
// nothing twice.

#include "integration/serve_helpers.hpp"

#include <cstdlib>
#include <doctest/doctest.h>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sys/stat.h>

using namespace rblscope::test;
using nlohmann::json;

TEST_SUITE_BEGIN("integration");

namespace {

constexpr const char* k_password = "s3cret-smtp-pass";
constexpr const char* k_hook_token = "T0K3N-in-the-url";

std::vector<json> lines_of(const std::string& path) {
    std::vector<json> out;
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
        out.push_back(json::parse(line));
    }
    return out;
}

/// Waits until `path` has at least `n` lines; false after `limit`.
bool wait_lines(const std::string& path, std::size_t n, std::chrono::seconds limit) {
    const auto until = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < until) {
        if (lines_of(path).size() >= n) {
            return true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
}

std::unique_ptr<Server> zone_as(int port, const std::string& mode) {
    return fake_zones(port, {"note.test=" + mode});
}

} // namespace

TEST_CASE("serve notifies a listing and its end once each, by webhook, Slack and email") {
    const auto dir = make_temp_dir();
    make_test_certificates(dir);
    Server receivers({"/usr/bin/python3",
                      std::string(RBLSCOPE_SOURCE_DIR) + "/tests/responder/notify_receivers.py",
                      dir,
                      dir + "/server.pem",
                      dir + "/server.key",
                      "rblscope",
                      k_password});
    const auto ports = receivers.first_line();
    REQUIRE(ports.starts_with("PORTS "));
    int http_port = 0, smtp_port = 0;
    REQUIRE(std::sscanf(ports.c_str(), "PORTS %d %d", &http_port, &smtp_port) == 2);

    const auto config = dir + "/config.toml";
    write_file(config,
               fmt::format(R"([[notify]]
type = "webhook"
url = "http://127.0.0.1:{http}/hook/{token}"

[[notify]]
type = "slack"
url = "http://127.0.0.1:{http}/slack"

[[notify]]
type = "email"
smtp_url = "smtp://127.0.0.1:{smtp}"
user = "rblscope"
password_env = "NOTIFY_TEST_SMTP_PASSWORD"
from = "rblscope@example.test"
to = ["admin@example.test"]
)",
                           fmt::arg("http", http_port),
                           fmt::arg("smtp", smtp_port),
                           fmt::arg("token", k_hook_token)));
    ::chmod(config.c_str(), 0600);
    ::setenv("NOTIFY_TEST_SMTP_PASSWORD", k_password, 1);

    const int dns_port = free_udp_port();
    auto zone = zone_as(dns_port, "rfc"); // 192.0.2.97 clean; "half" lists it
    const auto targets = write_targets("notify-targets.txt", "192.0.2.97\n");
    const auto history = dir + "/history.db";
    const std::vector<std::string> args{"--targets",
                                        targets,
                                        "--zones",
                                        "note.test",
                                        "--zone-server",
                                        fmt::format("note.test=127.0.0.1:{}", dns_port),
                                        "--all-zones",
                                        "--refresh",
                                        "1",
                                        "--min-refresh",
                                        "1",
                                        "--history",
                                        history,
                                        "--config",
                                        config,
                                        "--ca-file",
                                        dir + "/ca.pem"};
    const std::string series =
        "rblscope_listed{target=\"192.0.2.97\",subject=\"192.0.2.97\",zone=\"note.test\","
        "list=\"note.test\"} ";
    const auto http_log = dir + "/http.jsonl";
    const auto smtp_log = dir + "/smtp.jsonl";
    std::string said;
    {
        Exporter ex(args);
        REQUIRE(ex.wait_for(series + "0\n", std::chrono::seconds(15)));
        // Refreshes that change nothing send nothing.
        std::this_thread::sleep_for(std::chrono::milliseconds(2500));
        CHECK(lines_of(http_log).empty());
        CHECK(lines_of(smtp_log).empty());

        zone.reset();
        zone = zone_as(dns_port, "half");
        REQUIRE(ex.wait_for(series + "1\n", std::chrono::seconds(15)));
        REQUIRE(wait_lines(http_log, 2, std::chrono::seconds(20)));
        REQUIRE(wait_lines(smtp_log, 1, std::chrono::seconds(20)));
        const auto posts = lines_of(http_log);
        for (const auto& p : posts) {
            CHECK(p["content_type"] == "application/json");
            const auto body = json::parse(p["body"].get<std::string>());
            if (p["path"].get<std::string>().starts_with("/hook/")) {
                const auto& c = body["changes"][0];
                CHECK(c["change"] == "newly-listed");
                CHECK(c["target"] == "192.0.2.97");
                CHECK(c["zone"] == "note.test");
                CHECK(c["codes"] == json::array({"127.0.0.2"}));
            } else {
                CHECK(p["path"] == "/slack");
                CHECK(contains(body["text"], "192.0.2.97 is now listed on note.test"));
            }
        }
        const auto mail = lines_of(smtp_log).front();
        CHECK(mail["tls"] == true); // STARTTLS, verified against the test CA
        CHECK(mail["user"] == "rblscope");
        CHECK(mail["to"] == json::array({"admin@example.test"}));
        const std::string data = mail["data"];
        CHECK(contains(data, "Subject: 192.0.2.97 is now listed on note.test"));
        CHECK(contains(data, "Codes: 127.0.0.2"));

        // The receiver goes down; the delisting waits for it and then arrives, once.
        write_file(dir + "/down", "");
        zone.reset();
        zone = zone_as(dns_port, "rfc");
        REQUIRE(ex.wait_for(series + "0\n", std::chrono::seconds(15)));
        REQUIRE(wait_lines(dir + "/refused.jsonl", 2, std::chrono::seconds(20)));
        REQUIRE(wait_lines(smtp_log, 2, std::chrono::seconds(20))); // email was not down
        std::filesystem::remove(dir + "/down");
        REQUIRE(wait_lines(http_log, 4, std::chrono::seconds(20)));
        std::this_thread::sleep_for(std::chrono::milliseconds(2500));
        CHECK(lines_of(http_log).size() == 4);
        CHECK(lines_of(smtp_log).size() == 2);
        CHECK(contains(lines_of(smtp_log)[1]["data"], "is no longer listed on note.test"));
        ex.process->signal(SIGTERM);
        said = ex.process->wait(std::chrono::seconds(5)).err;
        ex.process.reset();
    }
    CHECK(contains(said, "notify webhook: could not deliver 1 change (HTTP 503)"));
    // What was sent is what the history recorded: one listing, begun and ended.
    const auto h = run_rblscope({"history", history, "--format", "json"});
    REQUIRE(h.exit_code == 0);
    const auto doc = json::parse(h.out);
    REQUIRE(doc["targets"].size() == 1);
    REQUIRE(doc["targets"][0]["listings"].size() == 1);
    CHECK(doc["targets"][0]["listings"][0]["zone"] == "note.test");
    CHECK(doc["targets"][0]["listings"][0]["until"].is_string());
    // Secrets never reach the log.
    CHECK_FALSE(contains(said, k_password));
    CHECK_FALSE(contains(said, k_hook_token));

    // A restart on the same history sends nothing again.
    {
        Exporter again(args);
        REQUIRE(again.wait_for(series + "0\n", std::chrono::seconds(15)));
        std::this_thread::sleep_for(std::chrono::milliseconds(3000));
        CHECK(lines_of(http_log).size() == 4);
        CHECK(lines_of(smtp_log).size() == 2);
    }
    std::filesystem::remove_all(dir);
}

TEST_CASE("serve refuses [[notify]] without --history, and a missing secret, by name") {
    const auto dir = make_temp_dir();
    const auto config = dir + "/config.toml";
    write_file(config, "[[notify]]\ntype = \"slack\"\nurl_env = \"RBLSCOPE_TEST_NO_SUCH_VAR\"\n");
    ::chmod(config.c_str(), 0600);
    const auto listen = fmt::format("127.0.0.1:{}", free_tcp_port());
    const auto no_history = run_rblscope(
        {"serve", "--listen", listen, "--catalog", fixture().catalog, "--config", config});
    CHECK(no_history.exit_code == 3);
    CHECK(contains(no_history.err, "the environment variable RBLSCOPE_TEST_NO_SUCH_VAR"));
    write_file(config, "[[notify]]\ntype = \"slack\"\nurl = \"https://hooks.example.test/x\"\n");
    const auto r = run_rblscope(
        {"serve", "--listen", listen, "--catalog", fixture().catalog, "--config", config});
    CHECK(r.exit_code == 3);
    CHECK(contains(r.err, "[[notify]] needs --history FILE"));
    std::filesystem::remove_all(dir);
}

TEST_SUITE_END();
