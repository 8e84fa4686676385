// HTTP reputation sources through libcurl in the engine's loop, against a real local HTTPS
// server (tests/responder/fake_http.py) with a throwaway CA made here.

#include "core/hash.hpp"
#include "integration/fixtures.hpp"

#include <algorithm>
#include <chrono>
#include <doctest/doctest.h>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <sys/stat.h>

using namespace rblscope::test;
using nlohmann::json;

namespace {

constexpr const char* k_key = "test-key-5ecret"; // what fake_http.py expects

struct HttpFixture {
    HttpFixture() = default;
    HttpFixture(HttpFixture&&) = default;
    HttpFixture& operator=(HttpFixture&&) = default;
    std::string dir;
    std::string ca;      ///< the throwaway CA that signed the server's certificate
    std::string catalog; ///< http sources at https://127.0.0.1:PORT plus the rbldnsd bl.test
    int port = 0;
    Server server;
    ~HttpFixture() {
        std::error_code ec;
        if (!dir.empty()) {
            std::filesystem::remove_all(dir, ec);
        }
    }
};

std::string catalog_text(const std::string& base, int rbldnsd_port) {
    return fmt::format(R"(
[[zone]]
id = "t-sfs"
name = "Test StopForumSpam"
zone = "sfs.test"
kind = "http"
adapter = "stopforumspam"
url = "{base}/sfs/api"
status = "active"
default = true
rate = 20

[[zone]]
id = "t-sfs-slow"
name = "Test StopForumSpam, 2 requests a second"
zone = "sfs-slow.test"
kind = "http"
adapter = "stopforumspam"
url = "{base}/sfs/api"
status = "active"
rate = 2

[[zone]]
id = "t-abuse"
name = "Test AbuseIPDB"
zone = "abuse.test"
kind = "http"
adapter = "abuseipdb"
url = "{base}/abuseipdb/api/v2"
key_env = "RBLSCOPE_TEST_ABUSEIPDB_KEY"
status = "key-required"
default = true
delist = "https://abuse.test/check/{{ip}}"

[[zone]]
id = "t-drop"
zone = "drop.test"
kind = "http"
adapter = "spamhaus-drop"
url = "{base}/drop"
status = "active"

[[zone]]
id = "t-drop-broken"
zone = "broken-drop.test"
kind = "http"
adapter = "spamhaus-drop"
url = "{base}/drop/broken"
status = "active"

[[zone]]
id = "t-drop-gone"
zone = "gone-drop.test"
kind = "http"
adapter = "spamhaus-drop"
url = "{base}/drop/gone"
status = "active"

[[zone]]
id = "t-ripe"
zone = "ripe.test"
kind = "http"
adapter = "ripestat-blocklist"
url = "{base}/ripestat"
status = "active"

[[zone]]
id = "t-snds"
zone = "snds.test"
kind = "http"
adapter = "snds-ipstatus"
url = "{base}/snds"
key_env = "RBLSCOPE_TEST_SNDS_KEY"
status = "key-required"

[[zone]]
id = "t-snds-data"
zone = "snds-data.test"
kind = "http"
adapter = "snds-data"
url = "{base}/snds"
key_env = "RBLSCOPE_TEST_SNDS_KEY"
status = "key-required"

[[zone]]
id = "t-ripe-net"
zone = "ripe-net.test"
kind = "http"
adapter = "ripestat-network"
url = "{base}/ripestat"
role = "info"
status = "active"

[[zone]]
id = "t-ripe-abuse"
zone = "ripe-abuse.test"
kind = "http"
adapter = "ripestat-abuse-contact"
url = "{base}/ripestat"
role = "info"
status = "active"

[[zone]]
id = "t-asndrop"
zone = "asndrop.test"
kind = "http"
adapter = "spamhaus-asndrop"
url = "{base}/drop"
aux_url = "{base}/ripestat"
status = "active"

[[zone]]
id = "t-bl"
zone = "bl.test"
kind = "ip4"
status = "active"
default = true
server = "127.0.0.1:{port}"
codes = [ {{ code = "127.0.0.2", meaning = "spam source" }} ]
)",
                       fmt::arg("base", base),
                       fmt::arg("port", rbldnsd_port));
}

HttpFixture& http_fixture() {
    static HttpFixture f = [] {
        HttpFixture fx;
        fx.dir = make_temp_dir();
        const auto& d = fx.dir;
        make_test_certificates(d);
        fx.ca = d + "/ca.pem";
        fx.server = Server({"python3",
                            std::string(RBLSCOPE_SOURCE_DIR) + "/tests/responder/fake_http.py",
                            d + "/server.pem",
                            d + "/server.key"});
        const auto line = fx.server.first_line();
        if (!line.starts_with("PORT ")) {
            throw std::runtime_error("fake_http.py did not start: " + line);
        }
        fx.port = std::stoi(line.substr(5));
        fx.catalog = d + "/catalog.toml";
        write_file(
            fx.catalog,
            catalog_text(fmt::format("https://127.0.0.1:{}", fx.port), fixture().rbldnsd_port));
        return fx;
    }();
    return f;
}

/// `rblscope check` against the fixture's catalog, CA and HTTPS server, then `extra`.
std::vector<std::string> check_args(const std::vector<std::string>& extra) {
    auto& f = http_fixture();
    std::vector<std::string> args = {"check",
                                     "--catalog",
                                     f.catalog,
                                     "--resolver",
                                     "127.0.0.1:1",
                                     "--ca-file",
                                     f.ca,
                                     "--format",
                                     "json",
                                     "--http-timeout",
                                     "1.5"};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
}

RunResult check(const std::vector<std::string>& extra,
                const std::vector<std::string>& env = {std::string("RBLSCOPE_TEST_ABUSEIPDB_KEY=") +
                                                       k_key}) {
    return run_rblscope(check_args(extra), "", env);
}

} // namespace

TEST_SUITE_BEGIN("integration");

TEST_CASE("http: listed and clean, DNS and HTTP in the same run") {
    const auto r = check({"192.0.2.99", "192.0.2.1"});
    CHECK(r.exit_code == 2);
    const auto doc = json::parse(r.out);
    const auto& sfs = result_for(doc, 0, "sfs.test");
    CHECK(sfs["status"] == "listed");
    CHECK(sfs["severity"] == "warning");
    CHECK(sfs["meaning"] == "reported as a forum spammer 255 times, last 2025-02-25 18:34:43, "
                            "confidence 99.95%");
    const auto& abuse = result_for(doc, 0, "abuse.test");
    CHECK(abuse["status"] == "listed");
    CHECK(abuse["severity"] == "critical");
    CHECK(abuse["meaning"] == "abuse confidence 100%, 3 reports from 2 users in 90 days, last "
                              "2018-12-20T20:55:14+00:00");
    CHECK(abuse["delist_url"] == "https://abuse.test/check/192.0.2.99");
    CHECK(result_for(doc, 0, "bl.test")["status"] == "listed"); // rbldnsd, same loop
    CHECK(result_for(doc, 1, "sfs.test")["status"] == "clean");
    CHECK(result_for(doc, 1, "abuse.test")["status"] == "clean");
    CHECK(result_for(doc, 1, "abuse.test")["meaning"] ==
          "abuse confidence 0%, 0 reports from 0 users in 90 days");
    CHECK(doc["targets"][1]["verdict"] == "clean");
    CHECK(doc["summary"]["http_requests"] == 4);
    // The key never shows, in any format.
    CHECK(r.out.find(k_key) == std::string::npos);
    CHECK(r.err.find(k_key) == std::string::npos);
}

TEST_CASE("http: a run with DNS and HTTPS sources starts no thread and no program") {
    // strace sees every process and thread the run makes: a shell or helper would be an
    // execve, libcurl's threaded resolver a clone with CLONE_THREAD. (The sanitizer build's
    // leak checker cannot run under ptrace, so it is off for this one run.)
    auto& f = http_fixture();
    const std::string trace = f.dir + "/strace.txt";
    std::vector<std::string> argv{"/usr/bin/strace",
                                  "-f",
                                  "-qq",
                                  "-e",
                                  "trace=execve,execveat,clone,clone3,fork,vfork",
                                  "-o",
                                  trace,
                                  RBLSCOPE_BIN};
    const auto args = check_args({"192.0.2.99"});
    argv.insert(argv.end(), args.begin(), args.end());
    const auto r =
        run(argv,
            "",
            {std::string("RBLSCOPE_TEST_ABUSEIPDB_KEY=") + k_key, "ASAN_OPTIONS=detect_leaks=0"});
    CAPTURE(r.err);
    CHECK(r.exit_code == 2);
    CHECK(json::parse(r.out)["summary"]["http_requests"].get<int>() > 0);
    std::ifstream in(trace);
    int execs = 0, threads = 0;
    for (std::string line; std::getline(in, line);) {
        execs += line.find(" execve") != std::string::npos ? 1 : 0;
        threads += line.find("CLONE_THREAD") != std::string::npos ? 1 : 0;
    }
    CHECK(execs == 1); // rblscope itself
    CHECK(threads == 0);
}

TEST_CASE("http: suspicious, Tor exit, IPv6, untrusted text") {
    const auto r = check({"192.0.2.60", "192.0.2.98", "2001:db8::1"});
    const auto doc = json::parse(r.out);
    CHECK(result_for(doc, 0, "abuse.test")["severity"] == "warning");
    CHECK(result_for(doc, 0, "abuse.test")["meaning"].get<std::string>().starts_with(
        "suspicious: abuse confidence 40%"));
    const auto tor = result_for(doc, 1, "sfs.test")["meaning"].get<std::string>();
    CHECK(tor.find("a Tor exit node") != std::string::npos);
    CHECK(tor.find('\x1b') == std::string::npos); // escape stripped
    CHECK(result_for(doc, 2, "sfs.test")["status"] == "clean");
}

TEST_CASE("http: a missing key skips the source without spoiling the verdict") {
    const auto r = check({"--zones", "t-abuse,t-bl", "192.0.2.1"}, {});
    CHECK(r.exit_code == 0);
    const auto doc = json::parse(r.out);
    CHECK(result_for(doc, 0, "abuse.test")["status"] == "skipped");
    CHECK(result_for(doc, 0, "abuse.test")["error"] ==
          "needs an API key: set RBLSCOPE_TEST_ABUSEIPDB_KEY");
    CHECK(doc["targets"][0]["verdict"] == "clean");
}

TEST_CASE("http: API errors are errors with the service's reason") {
    SUBCASE("wrong key: 401") {
        const auto r =
            check({"--zones", "t-abuse", "192.0.2.99"}, {"RBLSCOPE_TEST_ABUSEIPDB_KEY=wrong-key"});
        CHECK(r.exit_code == 3);
        const auto res = result_for(json::parse(r.out), 0, "abuse.test");
        CHECK(res["status"] == "error");
        CHECK(res["error"] == "HTTP 401: the API key was refused: Authentication failed. Your API "
                              "key is either missing, incorrect, or revoked.");
        CHECK(r.out.find("wrong-key") == std::string::npos);
    }
    SUBCASE("403") {
        const auto r = check({"--zones", "t-abuse", "192.0.2.62"});
        CHECK(result_for(json::parse(r.out), 0, "abuse.test")["error"] ==
              "HTTP 403: the API key was refused: This endpoint is not available on your plan.");
    }
    SUBCASE("429 with Retry-After") {
        const auto r = check({"--zones", "t-abuse", "192.0.2.61"});
        CHECK(result_for(json::parse(r.out), 0, "abuse.test")["error"] ==
              "HTTP 429: rate limit reached: Daily rate limit of 1000 requests exceeded for this "
              "endpoint. (retry after 29241 s)");
    }
    SUBCASE("the service's own error field") {
        const auto r = check({"--zones", "t-sfs", "192.0.2.50"});
        CHECK(result_for(json::parse(r.out), 0, "sfs.test")["error"] ==
              "StopForumSpam refused the query: invalid ip address");
    }
    SUBCASE("5xx, HTML instead of JSON, oversized and truncated bodies") {
        const auto r = check(
            {"--zones", "t-sfs,t-abuse", "192.0.2.52", "192.0.2.51", "192.0.2.54", "192.0.2.55"});
        CHECK(r.exit_code == 3);
        const auto doc = json::parse(r.out);
        CHECK(result_for(doc, 0, "sfs.test")["error"] == "HTTP 503: the service failed");
        CHECK(result_for(doc, 1, "sfs.test")["error"] ==
              "the answer is not StopForumSpam's JSON: <html><body>Service page</body></html>");
        CHECK(result_for(doc, 1, "abuse.test")["error"].get<std::string>().starts_with(
            "the answer is not AbuseIPDB's JSON: <html>"));
        CHECK(result_for(doc, 2, "sfs.test")["error"] ==
              "HTTP request failed: response body larger than 1048576 bytes");
        const auto truncated = result_for(doc, 3, "sfs.test");
        CHECK(truncated["status"] == "error");
        CHECK(truncated["error"].get<std::string>().starts_with("HTTP request failed: "));
        for (std::size_t t = 0; t < 4; ++t) {
            CHECK(doc["targets"][t]["verdict"] == "unknown");
        }
    }
}

TEST_CASE("http: a slow source times out and holds nothing else up") {
    const auto start = std::chrono::steady_clock::now();
    const auto r = check({"--zones", "t-sfs,t-bl", "192.0.2.53", "192.0.2.99"});
    const auto took = std::chrono::steady_clock::now() - start;
    const auto doc = json::parse(r.out);
    const auto& slow = result_for(doc, 0, "sfs.test");
    CHECK(slow["status"] == "timeout");
    CHECK(slow["error"].get<std::string>().starts_with("no complete HTTP response within "));
    CHECK(result_for(doc, 1, "sfs.test")["status"] == "listed");
    CHECK(result_for(doc, 1, "bl.test")["status"] == "listed");
    CHECK(took < std::chrono::seconds(3)); // the 3 s answer was not waited for
    // -t cuts HTTP requests short like DNS ones.
    const auto cut = check({"--zones", "t-sfs", "-t", "0.3", "192.0.2.53"});
    CHECK(cut.exit_code == 3);
    CHECK(result_for(json::parse(cut.out), 0, "sfs.test")["error"] ==
          "the run's deadline of 0.3 s passed before an answer");
}

TEST_CASE("http: TLS is verified: an unknown CA or a wrong name is refused") {
    auto& f = http_fixture();
    // Without --ca-file the throwaway CA is unknown.
    const auto r = run_rblscope({"check",
                                 "--catalog",
                                 f.catalog,
                                 "--resolver",
                                 "127.0.0.1:1",
                                 "--zones",
                                 "t-sfs",
                                 "--format",
                                 "json",
                                 "192.0.2.99"});
    CHECK(r.exit_code == 3);
    const auto res = result_for(json::parse(r.out), 0, "sfs.test");
    CHECK(res["status"] == "error");
    CHECK(res["error"].get<std::string>().find("certificate") != std::string::npos);
    // The certificate is for 127.0.0.1, not "localhost".
    write_file(f.dir + "/byname.toml",
               catalog_text(fmt::format("https://localhost:{}", f.port), 1));
    const auto n = run_rblscope({"check",
                                 "--catalog",
                                 f.dir + "/byname.toml",
                                 "--resolver",
                                 "127.0.0.1:1",
                                 "--ca-file",
                                 f.ca,
                                 "--zones",
                                 "t-sfs",
                                 "--format",
                                 "json",
                                 "192.0.2.99"});
    const auto byname = result_for(json::parse(n.out), 0, "sfs.test");
    CHECK(byname["status"] == "error");
    CHECK(byname["error"].get<std::string>().find("localhost") != std::string::npos);
}

TEST_CASE("http: Spamhaus DROP is downloaded once, kept, and matched offline") {
    auto& f = http_fixture();
    const std::string cache = f.dir + "/drop-cache";
    const std::vector<std::string> args = {"--zones",
                                           "t-drop",
                                           "--cache",
                                           cache,
                                           "198.51.100.7",
                                           "203.0.113.5",
                                           "192.0.2.1",
                                           "2001:db8:dead::25"};
    const auto first = check(args);
    CHECK(first.exit_code == 2);
    const auto d1 = json::parse(first.out);
    CHECK(d1["summary"]["http_requests"] == 2); // drop_v4.json and drop_v6.json, once
    CHECK(result_for(d1, 0, "drop.test")["meaning"] ==
          "DROP: in 198.51.100.0/24 (SBL000001), a netblock hijacked or run by spammers (do "
          "not route or peer)");
    CHECK(result_for(d1, 1, "drop.test")["meaning"].get<std::string>().starts_with(
        "DROP: in 203.0.112.0/22 (SBL000002)"));
    CHECK(result_for(d1, 2, "drop.test")["status"] == "clean");
    CHECK(result_for(d1, 3, "drop.test")["meaning"].get<std::string>().starts_with(
        "DROP: in 2001:db8:dead::/48 (SBL000003)"));
    // The next run uses the kept copy: no download, same answers.
    const auto second = check(args);
    const auto d2 = json::parse(second.out);
    CHECK(d2["summary"]["http_requests"] == 0);
    CHECK(result_for(d2, 0, "drop.test")["status"] == "listed");
    CHECK(result_for(d2, 2, "drop.test")["status"] == "clean");
}

TEST_CASE("http: a broken or missing DROP download is an error, an older copy is used") {
    auto& f = http_fixture();
    const std::string cache = f.dir + "/drop-broken-cache";
    const auto broken = check({"--zones", "t-drop-broken", "--cache", cache, "198.51.100.7"});
    CHECK(broken.exit_code == 3);
    const auto b = result_for(json::parse(broken.out), 0, "broken-drop.test");
    CHECK(b["status"] == "error");
    CHECK(b["error"].get<std::string>().starts_with(
        "the downloaded list is not in the documented format: "));
    CHECK_FALSE(std::filesystem::exists(cache + "/downloads")); // broken files are not kept

    const auto gone = check({"--zones", "t-drop-gone", "--cache", cache, "198.51.100.7"});
    CHECK(gone.exit_code == 3);
    CHECK(result_for(json::parse(gone.out), 0, "gone-drop.test")["error"] ==
          "drop_v4.json: download failed: HTTP 404; drop_v6.json: download failed: HTTP 404");

    // A copy two days old stands in when the download fails, with a warning.
    const std::string base = fmt::format("https://127.0.0.1:{}/drop/gone", f.port);
    const std::string meta = "{\"type\":\"metadata\",\"records\":1}\n";
    std::filesystem::create_directories(cache + "/downloads");
    for (const auto& [file, line] :
         {std::pair{"drop_v4.json", "{\"cidr\":\"198.51.100.0/24\",\"sblid\":\"SBL9\"}\n"},
          std::pair{"drop_v6.json", ""}}) {
        const std::string path = cache + "/downloads/" +
                                 rblscope::sha256_hex(base + "/" + file).substr(0, 32) +
                                 ".download";
        write_file(path, std::string(line) + meta);
        std::filesystem::last_write_time(
            path, std::filesystem::file_time_type::clock::now() - std::chrono::hours(48));
    }
    const auto stale = check({"--zones", "t-drop-gone", "--cache", cache, "198.51.100.7"});
    CHECK(stale.exit_code == 2);
    CHECK(result_for(json::parse(stale.out), 0, "gone-drop.test")["meaning"]
              .get<std::string>()
              .starts_with("DROP: in 198.51.100.0/24 (SBL9)"));
    CHECK(stale.err.find("drop_v4.json: download failed: HTTP 404; using the copy from 48 hours "
                         "ago") != std::string::npos);
}

TEST_CASE("http: keys from the configuration file, which must be private") {
    auto& f = http_fixture();
    const std::string cfg = f.dir + "/config.toml";
    write_file(cfg, std::string("[keys]\nRBLSCOPE_TEST_ABUSEIPDB_KEY = \"") + k_key + "\"\n");
    chmod(cfg.c_str(), 0600);
    const auto r = check({"--config", cfg, "--zones", "t-abuse", "192.0.2.99"}, {});
    CHECK(r.exit_code == 2);
    CHECK(result_for(json::parse(r.out), 0, "abuse.test")["status"] == "listed");
    CHECK(r.out.find(k_key) == std::string::npos);

    // The environment wins over the file.
    write_file(cfg, "[keys]\nRBLSCOPE_TEST_ABUSEIPDB_KEY = \"stale-key\"\n");
    chmod(cfg.c_str(), 0600);
    CHECK(check({"--config", cfg, "--zones", "t-abuse", "192.0.2.99"}).exit_code == 2);

    chmod(cfg.c_str(), 0644);
    const auto open = check({"--config", cfg, "--zones", "t-abuse", "192.0.2.99"}, {});
    CHECK(open.exit_code == 3);
    CHECK(open.out.empty());
    CHECK(open.err == fmt::format("rblscope: {0}: the configuration file holds API keys but other "
                                  "users can read or change it (mode 0644); run: chmod 600 {0}\n",
                                  cfg));
    CHECK(open.err.find("stale-key") == std::string::npos);

    write_file(cfg, "[keys]\nRBLSCOPE_TEST_ABUSEIPDB_KEY = 42\n");
    chmod(cfg.c_str(), 0600);
    const auto bad = check({"--config", cfg, "--zones", "t-abuse", "192.0.2.99"}, {});
    CHECK(bad.exit_code == 3);
    CHECK(bad.err == fmt::format("rblscope: {}:2:31: keys.RBLSCOPE_TEST_ABUSEIPDB_KEY must be a "
                                 "non-empty string\n",
                                 cfg));
}

TEST_CASE("http: --sources picks DNS lists, HTTP sources or single adapters") {
    const auto zones_of = [](const std::vector<std::string>& extra) {
        const auto r = check(extra);
        const auto doc = json::parse(r.out);
        std::string out;
        for (const auto& res : doc["targets"][0]["results"]) {
            out += (out.empty() ? "" : ",") + res["zone"].get<std::string>();
        }
        return out;
    };
    CHECK(zones_of({"--sources", "dns", "192.0.2.1"}) == "bl.test");
    // Without --zones, naming HTTP turns on every HTTP source of the catalog.
    CHECK(zones_of({"--sources", "http", "192.0.2.1"}) ==
          "sfs.test,abuse.test,sfs-slow.test,drop.test,broken-drop.test,gone-drop.test,ripe.test,"
          "snds.test,snds-data.test,ripe-net.test,ripe-abuse.test,asndrop.test");
    CHECK(zones_of({"--sources", "dns,abuseipdb", "192.0.2.1"}) == "abuse.test,bl.test");
    // With --zones it filters.
    CHECK(zones_of({"--zones", "t-sfs,t-bl", "--sources", "stopforumspam", "192.0.2.1"}) ==
          "sfs.test");
    const auto bad = check({"--sources", "dns,smtp", "192.0.2.1"});
    CHECK(bad.exit_code == 3);
    CHECK(bad.err == "rblscope: --sources: \"smtp\" is not dns, http or an HTTP adapter "
                     "(abuseipdb, google-postmaster, google-postmaster-compliance, "
                     "ripestat-abuse-contact, ripestat-blocklist, "
                     "ripestat-network, "
                     "snds-data, snds-ipstatus, spamhaus-asndrop, spamhaus-drop, stopforumspam)\n");
}

TEST_CASE("http: 5xx and short 429 are tried again; requests keep to the source's rate") {
    auto& f = http_fixture();
    const auto r = check({"--zones", "t-sfs", "192.0.2.70", "192.0.2.71"});
    const auto doc = json::parse(r.out);
    CHECK(result_for(doc, 0, "sfs.test")["status"] == "listed"); // 503, then the answer
    CHECK(result_for(doc, 1, "sfs.test")["status"] == "listed"); // 429 + Retry-After: 1
    CHECK(doc["summary"]["http_requests"] == 4);
    // A 503 that stays: the first try and two more, then the error.
    const auto failing = check({"--zones", "t-sfs", "192.0.2.52"});
    CHECK(json::parse(failing.out)["summary"]["http_requests"] == 3);

    const auto slow = check({"--zones",
                             "t-sfs-slow",
                             "198.51.100.201",
                             "198.51.100.202",
                             "198.51.100.203",
                             "198.51.100.204"});
    CHECK(slow.exit_code == 0);
    const auto stats = run({"/usr/bin/env",
                            "python3",
                            "-c",
                            "import json,ssl,sys,urllib.request;"
                            "c=ssl.create_default_context(cafile=sys.argv[1]);"
                            "print(urllib.request.urlopen(sys.argv[2],context=c).read().decode())",
                            f.ca,
                            fmt::format("https://127.0.0.1:{}/stats", f.port)});
    REQUIRE_MESSAGE(stats.exit_code == 0, stats.err);
    const auto seen = json::parse(stats.out)["seen"];
    std::vector<double> times;
    for (const char* ip :
         {"198.51.100.201", "198.51.100.202", "198.51.100.203", "198.51.100.204"}) {
        REQUIRE(seen.contains(ip));
        times.push_back(seen[ip][0].get<double>());
    }
    std::sort(times.begin(), times.end());
    for (std::size_t i = 1; i < times.size(); ++i) {
        CAPTURE(i);
        CHECK(times[i] - times[i - 1] >= 0.45); // 2 a second, measured by the server
    }
}

TEST_CASE("http: vet asks the HTTP sources it is given, like check") {
    auto& f = http_fixture();
    const auto r = run_rblscope({"vet",
                                 "--catalog",
                                 f.catalog,
                                 "--resolver",
                                 "127.0.0.1:1",
                                 "--ca-file",
                                 f.ca,
                                 "--zones",
                                 "t-drop",
                                 "--query-timeout",
                                 "0.3",
                                 "--format",
                                 "json",
                                 "198.51.100.7"});
    CAPTURE(r.err);
    const auto doc = json::parse(r.out);
    const auto& a = doc["addresses"][0];
    REQUIRE(a["blocklists"]["listed"].size() == 1);
    CHECK(a["blocklists"]["listed"][0]["zone"] == "drop.test");
    CHECK(a["grade"] == "burned");
    CHECK(r.exit_code == 2);
    const auto bad =
        run_rblscope({"vet", "--catalog", f.catalog, "--sources", "nonsense", "198.51.100.7"});
    CHECK(bad.exit_code == 3);
    CHECK(bad.err.find("--sources: \"nonsense\" is not dns, http or an HTTP adapter") !=
          std::string::npos);
}

TEST_CASE("http: RIPEstat blocklist: current listings, and history on clean results") {
    const auto r =
        check({"--zones", "t-ripe", "192.0.2.80", "192.0.2.81", "192.0.2.1", "192.0.2.82"});
    const auto doc = json::parse(r.out);
    const auto now = result_for(doc, 0, "ripe.test");
    CHECK(now["status"] == "listed");
    CHECK(now["meaning"] == "listed now: uceprotect-level1 192.0.2.80/32 2026-10-01..now");
    const auto past = result_for(doc, 1, "ripe.test");
    CHECK(past["status"] == "clean");
    CHECK(
        past["meaning"] ==
        "listed in the last 365 days, not now: spamhaus-drop 192.0.2.0/24 2025-12-01..2026-01-15; "
        "uceprotect-level1 192.0.2.81/32 2026-02-03..2026-02-09");
    CHECK(result_for(doc, 2, "ripe.test")["meaning"] == "no listing in the last 365 days");
    CHECK(result_for(doc, 3, "ripe.test")["error"] ==
          "HTTP 400: RIPEstat: Invalid resource: 192.0.2.82");
}

TEST_CASE("http: Microsoft SNDS IP status, with the key in the query and never shown") {
    auto& f = http_fixture();
    const std::string key = "0badc0de-1111-2222-3333-444455556666";
    const std::string cache = f.dir + "/snds-cache";
    const auto r = check({"--zones",
                          "t-snds",
                          "--cache",
                          cache,
                          "192.0.2.11",
                          "198.51.100.7",
                          "203.0.113.1",
                          "2001:db8::1"},
                         {"RBLSCOPE_TEST_SNDS_KEY=" + key});
    CHECK(r.exit_code == 2);
    const auto doc = json::parse(r.out);
    CHECK(result_for(doc, 0, "snds.test")["meaning"] ==
          "blocked by Outlook.com (range 192.0.2.10-192.0.2.11): Blocked due to user complaints "
          "or other evidence of spamming");
    CHECK(result_for(doc, 1, "snds.test")["meaning"] ==
          "blocked by Outlook.com (range 198.51.100.7): Blocked, with a comma");
    CHECK(result_for(doc, 2, "snds.test")["status"] == "clean"); // blocked = No
    CHECK(result_for(doc, 3, "snds.test")["status"] == "skipped");
    CHECK(result_for(doc, 3, "snds.test")["error"] == "SNDS covers IPv4 only");
    CHECK(r.out.find(key) == std::string::npos);
    CHECK(r.err.find(key) == std::string::npos);

    const auto wrong = check({"--zones", "t-snds", "--cache", f.dir + "/snds-wrong", "192.0.2.11"},
                             {"RBLSCOPE_TEST_SNDS_KEY=wrong-key"});
    CHECK(wrong.exit_code == 3);
    CHECK(result_for(json::parse(wrong.out), 0, "snds.test")["error"] ==
          "the downloaded list is not in the documented format: ipStatus.aspx: SNDS answered "
          "with an HTML page, not its CSV: the key is wrong or automated access is not enabled "
          "for it (or the portal changed)");
    CHECK(wrong.out.find("wrong-key") == std::string::npos);
}

TEST_CASE("http: Microsoft SNDS data: filter result, traps and complaints") {
    auto& f = http_fixture();
    const auto r = check({"--zones",
                          "t-snds-data",
                          "--cache",
                          f.dir + "/snds-data-cache",
                          "192.0.2.10",
                          "192.0.2.11",
                          "192.0.2.12",
                          "192.0.2.13",
                          "192.0.2.14"},
                         {"RBLSCOPE_TEST_SNDS_KEY=0badc0de-1111-2222-3333-444455556666"});
    CHECK(r.exit_code == 2);
    const auto doc = json::parse(r.out);
    const auto yellow = result_for(doc, 0, "snds-data.test");
    CHECK(yellow["severity"] == "warning");
    CHECK(yellow["meaning"] ==
          "YELLOW: 10-90 % of its mail was filtered as spam; 40 spam-trap hits (11/27/2026 9:00 "
          "PM to 11/28/2026 9:00 PM: filter result YELLOW, complaint rate < 0.1%, 40 trap hits, "
          "47384 recipients)");
    CHECK(result_for(doc, 1, "snds-data.test")["severity"] == "critical"); // RED
    const auto complaints = result_for(doc, 2, "snds-data.test");
    CHECK(complaints["severity"] == "warning");
    CHECK(complaints["meaning"].get<std::string>().starts_with(
        "complaint rate 0.4% (0.3 % and more is bad)"));
    CHECK(complaints["meaning"].get<std::string>().ends_with("; JMR, 3 complaints)"));
    CHECK(result_for(doc, 3, "snds-data.test")["status"] == "clean");
    CHECK(result_for(doc, 4, "snds-data.test")["meaning"].get<std::string>().starts_with(
        "no SNDS data for this address"));
}

TEST_CASE("http: RIPEstat network and abuse contact are information, never a listing") {
    const auto r = check({"--zones", "t-ripe-net,t-ripe-abuse,t-bl", "192.0.2.1", "10.0.0.1"});
    CHECK(r.exit_code == 0);
    const auto doc = json::parse(r.out);
    const auto net = result_for(doc, 0, "ripe-net.test");
    CHECK(net["status"] == "listed");
    CHECK(net["severity"] == "info");
    CHECK(net["meaning"] == "AS64500 EXAMPLE-AS - Example Networks, prefix 192.0.2.0/24");
    CHECK(result_for(doc, 0, "ripe-abuse.test")["meaning"] ==
          "abuse contact: abuse@example.net (ripe)");
    CHECK(result_for(doc, 1, "ripe-net.test")["meaning"] ==
          "not announced in BGP: no network routes this address");
    CHECK(doc["targets"][0]["verdict"] == "clean");
    CHECK(doc["targets"][0]["counts"]["listed"] == 0);
}

TEST_CASE("http: Spamhaus ASN-DROP: the list once, the origin AS per address") {
    auto& f = http_fixture();
    const auto r = check({"--zones",
                          "t-asndrop",
                          "--cache",
                          f.dir + "/asndrop-cache",
                          "203.0.113.66",
                          "192.0.2.1",
                          "10.0.0.1"});
    CHECK(r.exit_code == 2);
    const auto doc = json::parse(r.out);
    CHECK(doc["summary"]["http_requests"] == 4); // asndrop.json once, network-info per address
    CHECK(result_for(doc, 0, "asndrop.test")["meaning"] ==
          "ASN-DROP: announced by AS64511 EXAMPLE-AS-1 bad.example US, an AS run by spammers or "
          "cyber-criminals");
    CHECK(result_for(doc, 1, "asndrop.test")["meaning"] == "origin AS64500 not on ASN-DROP");
    CHECK(result_for(doc, 2, "asndrop.test")["meaning"] == "not routed: no origin AS to check");
}

TEST_CASE("http: API host names are resolved by c-ares in the loop, not by libcurl") {
    auto& f = http_fixture();
    // api.example.test exists only in the test rbldnsd's data (127.0.0.1): the request can
    // only reach the server if rblscope resolved the name through --resolver.
    write_file(f.dir + "/byname-dns.toml",
               catalog_text(fmt::format("https://api.example.test:{}", f.port), 1));
    const std::vector<std::string> base = {"check",
                                           "--catalog",
                                           f.dir + "/byname-dns.toml",
                                           "--resolver",
                                           fmt::format("127.0.0.1:{}", fixture().rbldnsd_port),
                                           "--ca-file",
                                           f.ca,
                                           "--zones",
                                           "t-sfs",
                                           "--format",
                                           "json"};
    auto args = base;
    args.push_back("192.0.2.99");
    const auto r = run_rblscope(args);
    CHECK(r.exit_code == 1); // a StopForumSpam listing is a warning
    CHECK(result_for(json::parse(r.out), 0, "sfs.test")["status"] == "listed");

    write_file(f.dir + "/nxname.toml",
               catalog_text(fmt::format("https://nothere.example.test:{}", f.port), 1));
    args = base;
    args[2] = f.dir + "/nxname.toml";
    args.push_back("192.0.2.99");
    const auto nx = run_rblscope(args);
    CHECK(nx.exit_code == 3);
    CHECK(result_for(json::parse(nx.out), 0, "sfs.test")["error"].get<std::string>().starts_with(
        "HTTP request failed: could not resolve nothere.example.test: "));
}
