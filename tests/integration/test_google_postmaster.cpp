// The google-postmaster source end to end: a service account's key file made here, the JWT
// bearer grant checked by a local HTTPS stand-in for Google's token endpoint (signature
// verified with the account's public key) and the Postmaster Tools API v2 behind it
// (tests/responder/fake_google.py), under a throwaway CA.

#include "integration/fixtures.hpp"
#include "integration/serve_helpers.hpp"

#include <doctest/doctest.h>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <sys/stat.h>

using namespace rblscope::test;
using nlohmann::json;

namespace {

constexpr const char* k_email = "rblscope-test@example-project.iam.gserviceaccount.com";

struct GoogleFixture {
    GoogleFixture() = default;
    GoogleFixture(GoogleFixture&&) = default;
    GoogleFixture& operator=(GoogleFixture&&) = default;
    ~GoogleFixture() {
        std::error_code ec;
        if (!dir.empty()) {
            std::filesystem::remove_all(dir, ec);
        }
    }
    std::string dir;
    std::string key_file; ///< the service account's JSON key, mode 600
    std::string private_key;
    int port = 0;
    Server google;
    Server dns; ///< NXDOMAIN for *.example (domain targets), 127.0.0.1 for *.test
    int dns_port = 0;
};

std::string read_text(const std::string& path) {
    std::ifstream in(path);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string catalog_text(const std::string& base) {
    return fmt::format(R"(
[[zone]]
id = "t-google"
zone = "postmaster.test"
kind = "http"
adapter = "google-postmaster"
subject = "domain"
domain_query = "registered"
url = "{base}"
aux_url = "{base}/token"
key_env = "GOOGLE_TEST_SA_FILE"
status = "key-required"
default = true
params = {{ spam_rate_warning = 0.001, spam_rate_critical = 0.003, days = 7 }}

[[zone]]
id = "t-google-compliance"
zone = "compliance.test"
kind = "http"
adapter = "google-postmaster-compliance"
subject = "domain"
domain_query = "registered"
url = "{base}"
aux_url = "{base}/token"
key_env = "GOOGLE_TEST_SA_FILE"
status = "key-required"
default = true
)",
                       fmt::arg("base", base));
}

GoogleFixture& google_fixture() {
    static GoogleFixture f = [] {
        GoogleFixture fx;
        fx.dir = make_temp_dir();
        const auto& d = fx.dir;
        make_test_certificates(d);
        if (run({"sh",
                 "-c",
                 fmt::format("cd {} && openssl genrsa -out sa.key 2048 2>/dev/null && "
                             "openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null",
                             d)})
                .exit_code != 0) {
            throw std::runtime_error("openssl could not make the service account's key");
        }
        fx.private_key = read_text(d + "/sa.key");
        fx.key_file = d + "/sa.json";
        write_file(fx.key_file,
                   json{{"type", "service_account"},
                        {"project_id", "example-project"},
                        {"private_key_id", "0123456789abcdef"},
                        {"private_key", fx.private_key},
                        {"client_email", k_email},
                        {"token_uri", "https://oauth2.googleapis.com/token"}}
                       .dump(2));
        chmod(fx.key_file.c_str(), 0600);
        fx.google = Server({"python3",
                            std::string(RBLSCOPE_SOURCE_DIR) + "/tests/responder/fake_google.py",
                            d + "/server.pem",
                            d + "/server.key",
                            d + "/sa.pub",
                            k_email});
        auto line = fx.google.first_line();
        if (!line.starts_with("PORT ")) {
            throw std::runtime_error("fake_google.py did not start: " + line);
        }
        fx.port = std::stoi(line.substr(5));
        fx.dns = Server({FAKE_DNS_BIN, "--zone", "example=nxdomain", "--zone", "test=a:127.0.0.1"});
        line = fx.dns.first_line();
        if (!line.starts_with("PORT ")) {
            throw std::runtime_error("fake_dns did not start: " + line);
        }
        fx.dns_port = std::stoi(line.substr(5));
        write_file(d + "/catalog.toml", catalog_text(fmt::format("https://127.0.0.1:{}", fx.port)));
        write_file(d + "/byname.toml",
                   catalog_text(fmt::format("https://api.example.test:{}", fx.port)));
        return fx;
    }();
    return f;
}

RunResult check(const std::vector<std::string>& targets,
                const std::string& catalog = "catalog.toml",
                const std::string& key_file = "") {
    auto& f = google_fixture();
    std::vector<std::string> args = {"check",
                                     "--catalog",
                                     f.dir + "/" + catalog,
                                     "--resolver",
                                     fmt::format("127.0.0.1:{}", f.dns_port),
                                     "--ca-file",
                                     f.dir + "/ca.pem",
                                     "--format",
                                     "json",
                                     "--http-timeout",
                                     "3"};
    args.insert(args.end(), targets.begin(), targets.end());
    return run_rblscope(
        args, "", {"GOOGLE_TEST_SA_FILE=" + (key_file.empty() ? f.key_file : key_file)});
}

json stand_in_stats() {
    auto& f = google_fixture();
    const auto r = run({"curl",
                        "-sS",
                        "--cacert",
                        f.dir + "/ca.pem",
                        fmt::format("https://127.0.0.1:{}/stats", f.port)});
    return json::parse(r.out);
}

/// Nothing secret in what a run printed: the private key, a token, the JWT.
void check_no_secrets(const RunResult& r) {
    for (const auto* text : {&r.out, &r.err}) {
        CHECK(text->find("PRIVATE KEY") == std::string::npos);
        CHECK(text->find("ya29.") == std::string::npos);
        CHECK(text->find("eyJ") == std::string::npos); // a JWT's base64url header
    }
}

} // namespace

TEST_SUITE_BEGIN("integration");

TEST_CASE("google-postmaster: the token exchange and the spam rate's readings") {
    const int tokens_before = stand_in_stats()["token_requests"].get<int>();
    const auto r = check({"critical.example",
                          "warning.example",
                          "clean.example",
                          "nodata.example",
                          "partial.example",
                          "denied.example",
                          "unknown.example"});
    INFO(r.err);
    CHECK(r.exit_code == 2);
    check_no_secrets(r);
    const auto doc = json::parse(r.out);
    const auto stats = stand_in_stats();
    // One token for the whole run and both sources, with the claims Google checks.
    CHECK(stats["token_requests"].get<int>() == tokens_before + 1);
    CHECK(stats["claims"]["iss"] == k_email);
    CHECK(stats["claims"]["scope"] ==
          "https://www.googleapis.com/auth/postmaster.traffic.readonly");
    const auto& body = stats["bodies"]["clean.example"];
    CHECK(body["aggregationGranularity"] == "DAILY");
    CHECK(body["metricDefinitions"][0]["baseMetric"]["standardMetric"] == "SPAM_RATE");
    CHECK(body["metricDefinitions"][1]["filter"] == "auth_type = \"spf\"");
    CHECK(body["timeQuery"]["dateRanges"]["dateRanges"][0]["start"].contains("year"));

    const auto& critical = result_for(doc, 0, "postmaster.test");
    CHECK(critical["status"] == "listed");
    CHECK(critical["severity"] == "critical");
    CHECK(critical["meaning"] ==
          "user-reported spam rate 0.42 % on 2026-12-05: at or above Google's limit of 0.3 % for "
          "bulk senders, Gmail limits or rejects their mail; SPF pass 100 %, DKIM pass 99.8 %, "
          "DMARC pass 99.8 %, TLS 100 %");
    CHECK(doc["targets"][0]["verdict"] == "listed");
    // The figures behind it, for scripts (and vet's checklist).
    CHECK(critical["facts"] == json{{"date", "2026-12-05"},
                                    {"spam_rate", "0.0042"},
                                    {"dkim", "0.998"},
                                    {"dmarc", "0.998"},
                                    {"spf", "1"},
                                    {"tls", "1"}});
    const auto& needs_work = result_for(doc, 0, "compliance.test");
    CHECK(needs_work["status"] == "listed");
    CHECK(needs_work["severity"] == "warning");
    CHECK(needs_work["meaning"] ==
          "Gmail's sender requirements: needs work on DMARC_ALIGNMENT, USER_REPORTED_SPAM_RATE, "
          "ONE_CLICK_UNSUBSCRIBE (NO_UNSUB_SPAM_REPORTS) (8 of 11 met)");
    CHECK(needs_work["facts"]["DMARC_ALIGNMENT"] == "NEEDS_WORK");
    CHECK(needs_work["facts"]["SPF"] == "COMPLIANT");

    const auto& warning = result_for(doc, 1, "postmaster.test");
    CHECK(warning["status"] == "listed");
    CHECK(warning["severity"] == "warning");
    CHECK(warning["meaning"] == "user-reported spam rate 0.15 % on 2026-12-05: above Google's "
                                "target of 0.1 % (limit 0.3 %)");

    const auto& clean = result_for(doc, 2, "postmaster.test");
    CHECK(clean["status"] == "clean");
    CHECK(clean["meaning"] == "user-reported spam rate 0.02 % on 2026-12-05 (Google's target: "
                              "below 0.1 %); SPF pass 100 %, DKIM pass 99.8 %, DMARC pass 99.8 %, "
                              "TLS 100 %");
    CHECK(doc["targets"][2]["verdict"] == "clean");
    CHECK(result_for(doc, 2, "compliance.test")["meaning"] ==
          "meets all 11 of Gmail's sender requirements Postmaster Tools checks");
    CHECK(result_for(doc, 3, "compliance.test")["status"] == "skipped");
    CHECK(result_for(doc, 5, "compliance.test")["status"] == "skipped"); // not found

    // No data, no access and an unknown domain are said, and are no verdict either way.
    const auto& nodata = result_for(doc, 3, "postmaster.test");
    CHECK(nodata["status"] == "skipped");
    CHECK(nodata["error"].get<std::string>().starts_with(
        "Google has no data for the domain in the last 7 days"));
    const auto& partial = result_for(doc, 4, "postmaster.test");
    CHECK(partial["status"] == "clean");
    CHECK(partial["meaning"].get<std::string>().starts_with(
        "user-reported spam rate 0.05 % on 2026-12-02"));
    const auto& denied = result_for(doc, 5, "postmaster.test");
    CHECK(denied["status"] == "skipped");
    CHECK(denied["error"].get<std::string>().starts_with(
        "this service account may not read the domain in Postmaster Tools"));
    const auto& unknown = result_for(doc, 6, "postmaster.test");
    CHECK(unknown["status"] == "skipped");
    CHECK(unknown["error"].get<std::string>().starts_with(
        "the domain is not registered in Postmaster Tools"));
}

TEST_CASE("google-postmaster: the registered domain is asked, through names c-ares resolves") {
    // api.example.test is known only to this test's fake_dns: the token and the query can
    // only reach the stand-in through --resolver, and the JWT's audience is the catalog's
    // token URL by that name.
    const auto r = check({"mail.clean.example"}, "byname.toml");
    INFO(r.err);
    CHECK(r.exit_code == 0);
    const auto doc = json::parse(r.out);
    const auto& res = result_for(doc, 0, "postmaster.test");
    CHECK(res["subject"] == "clean.example");
    CHECK(res["status"] == "clean");
}

TEST_CASE("google-postmaster: 429 waits for Retry-After, an ended token is replaced once") {
    const int tokens_before = stand_in_stats()["token_requests"].get<int>();
    const auto r = check({"quota.example", "expired.example"});
    INFO(r.err);
    CHECK(r.exit_code == 0);
    check_no_secrets(r);
    const auto doc = json::parse(r.out);
    CHECK(result_for(doc, 0, "postmaster.test")["status"] == "clean");
    CHECK(result_for(doc, 1, "postmaster.test")["status"] == "clean");
    const auto stats = stand_in_stats();
    CHECK(stats["queries"]["quota.example"].get<int>() >= 2);
    CHECK(stats["queries"]["expired.example"] == 2);
    CHECK(stats["token_requests"].get<int>() == tokens_before + 2);
}

TEST_CASE("google-postmaster: failures are errors that say why, never secrets") {
    auto& f = google_fixture();
    SUBCASE("a cut body and a disabled API") {
        const auto r = check({"truncated.example", "disabled.example"});
        CHECK(r.exit_code == 3);
        check_no_secrets(r);
        const auto doc = json::parse(r.out);
        CHECK(result_for(doc, 0, "postmaster.test")["status"] == "error");
        CHECK(result_for(doc, 1, "postmaster.test")["error"] ==
              "HTTP 403: the Gmail Postmaster Tools API is not enabled in the service account's "
              "Google Cloud project: enable it there");
    }
    SUBCASE("a key file others can read is refused") {
        const auto open_file = f.dir + "/open.json";
        write_file(open_file, read_text(f.key_file));
        chmod(open_file.c_str(), 0644);
        const auto r = check({"clean.example"}, "catalog.toml", open_file);
        CHECK(r.exit_code == 3);
        check_no_secrets(r);
        const auto error = result_for(json::parse(r.out), 0, "postmaster.test")["error"];
        CHECK(error == fmt::format("service account key: {}: the key file is readable by others "
                                   "(mode 0644): it holds a private key; chmod 600 it",
                                   open_file));
    }
    SUBCASE("a key Google does not know: the token request is refused") {
        const auto other = f.dir + "/other.json";
        run({"sh", "-c", fmt::format("openssl genrsa -out {}/other.key 2048 2>/dev/null", f.dir)});
        write_file(other,
                   json{{"type", "service_account"},
                        {"private_key", read_text(f.dir + "/other.key")},
                        {"client_email", k_email}}
                       .dump());
        chmod(other.c_str(), 0600);
        const auto r = check({"clean.example"}, "catalog.toml", other);
        CHECK(r.exit_code == 3);
        check_no_secrets(r);
        CHECK(result_for(json::parse(r.out), 0, "postmaster.test")["error"] ==
              "the token request was refused: HTTP 400, invalid_grant: Invalid JWT Signature.");
    }
    SUBCASE("without a key file the source is skipped and says what to set") {
        const auto r = run_rblscope({"check",
                                     "--catalog",
                                     f.dir + "/catalog.toml",
                                     "--resolver",
                                     fmt::format("127.0.0.1:{}", f.dns_port),
                                     "--format",
                                     "json",
                                     "clean.example"});
        CHECK(result_for(json::parse(r.out), 0, "postmaster.test")["error"] ==
              "needs a service account's key file: set GOOGLE_TEST_SA_FILE");
    }
}

namespace {

/// fake_dns records for vetting 192.0.2.25 as critical.example's sender to gmail.test.
int vet_dns_port() {
    static Server dns;
    static int port = 0;
    if (port == 0) {
        auto& f = google_fixture();
        write_file(f.dir + "/vet.records",
                   "gmail.test\tMX\t10\tgmail-smtp-in.l.google.com\n"
                   "critical.example\tTXT\tv=spf1 ip4:192.0.2.25 -all\n"
                   "_dmarc.critical.example\tTXT\tv=DMARC1; p=none\n"
                   "25.2.0.192.in-addr.arpa\tPTR\tmail.critical.example\n"
                   "mail.critical.example\tA\t192.0.2.25\n");
        dns = Server({FAKE_DNS_BIN, "--records", f.dir + "/vet.records"});
        const auto line = dns.first_line();
        REQUIRE(line.starts_with("PORT "));
        port = std::stoi(line.substr(5));
    }
    return port;
}

/// vet with the shipped catalog, its two Google sources pointed at the stand-in by a local
/// override file (lists.d), as an administrator would point them at a proxy.
RunResult vet_gmail(const std::vector<std::string>& env, const std::string& html = "") {
    auto& f = google_fixture();
    const auto lists_d = f.dir + "/lists.d";
    std::filesystem::create_directories(lists_d);
    const auto base = fmt::format("https://127.0.0.1:{}", f.port);
    write_file(lists_d + "/stand-in.toml",
               fmt::format("[[zone]]\nid = \"google-postmaster\"\nurl = \"{0}\"\n"
                           "aux_url = \"{0}/token\"\n\n"
                           "[[zone]]\nid = \"google-postmaster-compliance\"\nurl = \"{0}\"\n"
                           "aux_url = \"{0}/token\"\n",
                           base));
    auto all_env = env;
    all_env.push_back("RBLSCOPE_LISTS_D=" + lists_d);
    std::vector<std::string> args{"vet",
                                  "--catalog",
                                  RBLSCOPE_CATALOG_FILE,
                                  "--resolver",
                                  fmt::format("127.0.0.1:{}", vet_dns_port()),
                                  "--zones",
                                  "bl.test",
                                  "--zone-server",
                                  fmt::format("bl.test=127.0.0.1:{}", fixture().rbldnsd_port),
                                  "--ca-file",
                                  f.dir + "/ca.pem",
                                  "--domain",
                                  "critical.example",
                                  "--recipient-domain",
                                  "gmail.test",
                                  "--format",
                                  "json",
                                  "192.0.2.25"};
    if (!html.empty()) {
        args.insert(args.begin() + 1, {"--html", html});
    }
    return run_rblscope(args, "", all_env);
}

std::map<std::string, json> requirements_of(const json& doc) {
    std::map<std::string, json> out;
    for (const auto& item : doc["checklists"][0]["requirements"]) {
        out[item["id"].get<std::string>()] = item;
    }
    return out;
}

} // namespace

TEST_CASE("vet --recipient-domain: Gmail's sender requirements, from vet and Postmaster Tools") {
    auto& f = google_fixture();
    const auto page = f.dir + "/vet.html";
    const auto r = vet_gmail({"RBLSCOPE_GOOGLE_SA_FILE=" + f.key_file}, page);
    INFO(r.err);
    check_no_secrets(r);
    const auto doc = json::parse(r.out);
    REQUIRE(doc["checklists"].size() == 1);
    const auto& list = doc["checklists"][0];
    CHECK(list["provider"] == "google");
    CHECK(list["recipient_domains"] == json::array({"gmail.test"}));
    auto items = requirements_of(doc);
    REQUIRE(items.size() == 10);
    CHECK(items["ptr"]["state"] == "pass");
    CHECK(items["ptr"]["url"] == "https://support.google.com/mail/answer/81126");
    CHECK(items["spf"]["state"] == "pass");
    CHECK(items["dmarc"]["state"] == "pass");
    // vet sees SPF pass for the From: domain, Google sees the real traffic unaligned.
    CHECK(items["alignment"]["state"] == "fail");
    CHECK(items["alignment"]["detail"].get<std::string>().starts_with(
        "Postmaster Tools: NEEDS_WORK; SPF passes for critical.example itself"));
    CHECK(items["spam-rate"]["state"] == "fail");
    CHECK(items["spam-rate"]["detail"] == "Postmaster Tools: NEEDS_WORK; 0.42 % on 2026-12-05");
    CHECK(items["one-click-unsubscribe"]["detail"] ==
          "Postmaster Tools: NEEDS_WORK (NO_UNSUB_SPAM_REPORTS)");
    CHECK(items["one-click-unsubscribe"]["state"] == "fail");
    CHECK(items["honor-unsubscribe"]["state"] == "pass");
    CHECK(items["tls"]["state"] == "pass");
    CHECK(items["dkim"]["state"] == "pass"); // no selector given, but Google says compliant
    // The HTML report has the same checklist, each rule linking to Google's page.
    const auto html = read_text(page);
    CHECK(html.find("<h2>Gmail / Google Workspace sender requirements</h2>") != std::string::npos);
    CHECK(html.find("<td class=\"burned\">fail</td><td><a "
                    "href=\"https://support.google.com/mail/answer/81126\">The From: domain "
                    "aligns with the SPF or the DKIM domain</a> (bulk senders)</td>") !=
          std::string::npos);

    // Without the key file: vet's own findings, and what would tell the rest.
    const auto bare = vet_gmail({});
    const auto bare_doc = json::parse(bare.out);
    items = requirements_of(bare_doc);
    CHECK(bare_doc["checklists"][0]["view_note"] ==
          "set RBLSCOPE_GOOGLE_SA_FILE to read Gmail / Google Workspace's own view (see the "
          "README)");
    CHECK(items["ptr"]["state"] == "pass");
    CHECK(items["alignment"]["state"] == "pass");
    CHECK(items["spam-rate"]["state"] == "unknown");
    CHECK(items["one-click-unsubscribe"]["state"] == "unknown");
    CHECK(items["dkim"]["detail"] == "give --dkim-selector to check the DKIM key");
}

TEST_CASE("google-postmaster: serve reuses one token across refreshes; key file from --config") {
    auto& f = google_fixture();
    const auto config = f.dir + "/config.toml";
    write_file(config, fmt::format("[keys]\nGOOGLE_TEST_SA_FILE = \"{}\"\n", f.key_file));
    chmod(config.c_str(), 0600);
    const auto targets = f.dir + "/targets.txt";
    write_file(targets, "critical.example\n");
    const auto before = stand_in_stats();
    const int tokens_before = before["token_requests"].get<int>();
    const int queries_before = before["queries"].value("critical.example", 0);
    Exporter serve({"--catalog",
                    f.dir + "/catalog.toml",
                    "--ca-file",
                    f.dir + "/ca.pem",
                    "--config",
                    config,
                    "--targets",
                    targets,
                    "--refresh",
                    "1",
                    "--min-refresh",
                    "1"});
    REQUIRE(serve.wait_for("rblscope_listed{target=\"critical.example\",subject=\"critical."
                           "example\",zone=\"postmaster."
                           "test\"",
                           std::chrono::seconds(15)));
    // Three refreshes (each asks both sources) on the first token.
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    json stats;
    while (std::chrono::steady_clock::now() < until) {
        stats = stand_in_stats();
        if (stats["queries"].value("critical.example", 0) >= queries_before + 3) {
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    CHECK(stats["queries"].value("critical.example", 0) >= queries_before + 3);
    CHECK(stats["token_requests"].get<int>() == tokens_before + 1);
    const auto metrics = http_get(serve.base + "/metrics").body;
    CHECK(contains(metrics,
                   "rblscope_listed{target=\"critical.example\",subject=\"critical.example\","
                   "zone=\"postmaster.test\",list=\"postmaster.test\"} 1"));
    CHECK(metrics.find("ya29.") == std::string::npos);
}

TEST_CASE("explain --check --domain: a Gmail refusal with Postmaster Tools' figures") {
    auto& f = google_fixture();
    vet_gmail({}); // writes the lists.d override pointing the Google sources here
    const auto bounce = f.dir + "/gmail-bounce.txt";
    write_file(bounce,
               "421 4.7.28 [192.0.2.25] Gmail has detected an unusual rate of unsolicited mail "
               "originating from your SPF domain [critical.example]. - gsmtp\n");
    const std::vector<std::string> args{"explain",
                                        "--catalog",
                                        RBLSCOPE_CATALOG_FILE,
                                        "--check",
                                        "--domain",
                                        "critical.example",
                                        "--zones",
                                        "bl.test",
                                        "--zone-server",
                                        fmt::format("bl.test=127.0.0.1:{}", fixture().rbldnsd_port),
                                        "--resolver",
                                        fmt::format("127.0.0.1:{}", vet_dns_port()),
                                        "--ca-file",
                                        f.dir + "/ca.pem",
                                        bounce};
    const auto r = run_rblscope(
        args,
        "",
        {"RBLSCOPE_LISTS_D=" + f.dir + "/lists.d", "RBLSCOPE_GOOGLE_SA_FILE=" + f.key_file});
    INFO(r.err);
    check_no_secrets(r);
    // The finding points at the requirement, the live check shows Google's figures for it.
    CHECK(r.out.find("   rule      User-reported spam rate below 0.1 %, never reaching 0.3 % "
                     "(https://support.google.com/mail/answer/81126)") != std::string::npos);
    CHECK(r.out.find("Live check of the sending IPs found and of critical.example:") !=
          std::string::npos);
    CHECK(r.out.find("user-reported spam rate 0.42 % on 2026-12-05") != std::string::npos);
    CHECK(r.out.find("needs work on DMARC_ALIGNMENT") != std::string::npos);

    auto without_check = args;
    std::erase(without_check, "--check");
    const auto refused = run_rblscope(without_check);
    CHECK(refused.exit_code == 3);
    CHECK(refused.err == "rblscope: --domain is checked with --check: add --check\n");
}
