// `rblscope vet` end to end: PTR, FCrDNS, HELO, SPF, DMARC and DKIM served by fake_dns
// (--records), blocklists by the fixture's rbldnsd; single addresses and a whole /24.

#include "integration/fixtures.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

using namespace rblscope::test;
using nlohmann::json;

namespace {

struct VetDns {
    Server server;
    int port = 0;
};

VetDns& vet_dns_server() {
    static VetDns d = [] {
        auto& f = fixture();
        const auto key = run({"/bin/sh",
                              "-c",
                              "openssl genrsa 2048 2>/dev/null | openssl rsa -pubout -outform "
                              "DER 2>/dev/null | base64 -w0"});
        REQUIRE(key.exit_code == 0);
        REQUIRE(key.out.size() > 300);
        const std::string records =
            "25.2.0.192.in-addr.arpa\tPTR\tmail.example.test\n"
            "mail.example.test\tA\t192.0.2.25\n"
            "99.2.0.192.in-addr.arpa\tPTR\tmail2.example.test\n"
            "mail2.example.test\tA\t192.0.2.99\n"
            "26.2.0.192.in-addr.arpa\tPTR\t192-0-2-26.pool.isp.test\n"
            "example.test\tTXT\tv=spf1 ip4:192.0.2.16/28 ip4:192.0.2.99 -all\n"
            "_dmarc.example.test\tTXT\tv=DMARC1; p=reject; rua=mailto:dmarc@example.test\n"
            "s1._domainkey.example.test\tTXT\tv=DKIM1; k=rsa; p=" +
            key.out +
            "\n"
            "contoso.test\tMX\t10\tcontoso-test.mail.protection.outlook.com\n"
            // A domain whose addresses stand in an included record.
            "spf.test\tTXT\tv=spf1 include:_spf.spf.test ~all\n"
            "_spf.spf.test\tTXT\tv=spf1 ip4:192.0.2.25 -all\n"
            "mail.spf.test\tA\t192.0.2.25\n"
            "mail.spf.test\tAAAA\t2001:db8::25\n"
            "selfhosted.test\tMX\t10\tmail.selfhosted.test\n";
        write_file(f.dir + "/vet.records", records);
        VetDns v;
        v.server = Server({FAKE_DNS_BIN, "--records", f.dir + "/vet.records"});
        const auto line = v.server.first_line();
        REQUIRE(line.starts_with("PORT "));
        v.port = std::stoi(line.substr(5));
        return v;
    }();
    return d;
}

/// vet with the fixture's options, asking the resolver at `resolver_port`; `extra` goes
/// before the targets.
RunResult vet_through(int resolver_port,
                      std::vector<std::string> targets,
                      const std::string& format = "json",
                      const std::vector<std::string>& extra = {}) {
    auto& f = fixture();
    std::vector<std::string> args{"vet",
                                  "--catalog",
                                  f.catalog,
                                  "--resolver",
                                  fmt::format("127.0.0.1:{}", resolver_port),
                                  "--zone-server",
                                  fmt::format("bl.test=127.0.0.1:{}", f.rbldnsd_port),
                                  "--zones",
                                  "t-bl",
                                  "--domain",
                                  "example.test",
                                  "--helo",
                                  "mail.example.test",
                                  "--dkim-selector",
                                  "s1",
                                  "--query-timeout",
                                  "1",
                                  "--format",
                                  format};
    args.insert(args.end(), extra.begin(), extra.end());
    args.insert(args.end(), targets.begin(), targets.end());
    return run_rblscope(args);
}

RunResult vet(std::vector<std::string> targets, const std::string& format = "json") {
    return vet_through(vet_dns_server().port, std::move(targets), format);
}

const json& address(const json& doc, const std::string& ip) {
    for (const auto& a : doc.at("addresses")) {
        if (a.at("ip") == ip) {
            return a;
        }
    }
    FAIL("no address " << ip);
    static json none;
    return none;
}

} // namespace

TEST_SUITE_BEGIN("integration");

TEST_CASE("vet: ready, caution and burned addresses, with the reasons") {
    const auto r = vet({"192.0.2.25", "192.0.2.26", "192.0.2.99", "2001:db8::25"});
    CAPTURE(r.err);
    CHECK(r.exit_code == 2); // one address is burned
    const auto doc = json::parse(r.out);

    const auto& good = address(doc, "192.0.2.25");
    CHECK(good["grade"] == "ready");
    CHECK(good["reasons"].empty());
    CHECK(good["ptr"]["confirmed"] == "mail.example.test");
    CHECK(good["helo"]["matches_ptr"] == true);
    CHECK(good["helo"]["resolves_to_ip"] == true);
    CHECK(good["spf"]["result"] == "pass");
    CHECK(good["spf"]["mechanism"] == "ip4:192.0.2.16/28");
    CHECK(good["blocklists"]["verdict"] == "clean");

    const auto& pool = address(doc, "192.0.2.26");
    CHECK(pool["grade"] == "caution");
    CHECK(pool["ptr"]["generic"] == true);
    CHECK(pool["ptr"]["confirmed"].is_null());
    CHECK(pool["reasons"][0] == "the PTR name 192-0-2-26.pool.isp.test does not resolve back to "
                                "192.0.2.26 (no FCrDNS)");

    const auto& burned = address(doc, "192.0.2.99");
    CHECK(burned["grade"] == "burned");
    CHECK(burned["reasons"][0] == "listed on a blocklist: bl.test (spam source)");
    CHECK(burned["blocklists"]["listed"][0]["delist_url"] ==
          "https://bl.test/remove?ip=192.0.2.99");

    const auto& v6 = address(doc, "2001:db8::25");
    CHECK(v6["grade"] == "caution");
    CHECK(v6["spf"]["result"] == "fail");
    CHECK(v6["spf"]["fix"] ==
          "add ip6:2001:db8::25 to the SPF record of example.test (before its all term)");

    CHECK(doc["domain"]["dmarc"]["policy"] == "reject");
    CHECK(doc["domain"]["dkim"]["bits"] == 2048);
    CHECK(doc["domain"]["dkim"]["algorithm"] == "rsa");
    CHECK(doc["summary"]["ready"] == 1);
    CHECK(doc["summary"]["caution"] == 2);
    CHECK(doc["summary"]["burned"] == 1);
    CHECK(doc["summary"]["listings_by_zone"]["bl.test"] == 1);

    const auto text = vet({"192.0.2.25"}, "text");
    CHECK(text.exit_code == 0);
    CHECK(text.out.find("192.0.2.25  READY\n") != std::string::npos);
    CHECK(text.out.find("  SPF         example.test: pass (ip4:192.0.2.16/28)") !=
          std::string::npos);
    CHECK(text.out.find("  DKIM   s1._domainkey.example.test: rsa 2048 bits\n") !=
          std::string::npos);
}

TEST_CASE("vet: lost answers are asked again inside one budget, as check asks (--retries)") {
    // The same records, but the first query of every question is lost: the engine's
    // requests send copies inside --query-timeout, so every answer still arrives; with
    // --retries 0 each question is a DNS error, said as such, never a finding.
    const auto& records = fixture().dir + "/vet.records";
    vet_dns_server(); // writes the records
    Server lossy({FAKE_DNS_BIN, "--drop-first", "--records", records});
    const auto line = lossy.first_line();
    REQUIRE(line.starts_with("PORT "));
    const int port = std::stoi(line.substr(5));

    const auto r = vet_through(port, {"192.0.2.25"}, "json", {"--retries", "2"});
    CAPTURE(r.err);
    CHECK(r.exit_code == 0);
    const auto doc = json::parse(r.out);
    const auto& good = address(doc, "192.0.2.25");
    CHECK(good["grade"] == "ready");
    CHECK(good["ptr"]["confirmed"] == "mail.example.test");
    CHECK(good["spf"]["result"] == "pass");
    CHECK(doc["domain"]["dmarc"]["policy"] == "reject");
    CHECK(doc["domain"]["dkim"]["bits"] == 2048);

    Server lossy_again({FAKE_DNS_BIN, "--drop-first", "--records", records});
    const auto line2 = lossy_again.first_line();
    REQUIRE(line2.starts_with("PORT "));
    const auto none =
        vet_through(std::stoi(line2.substr(5)), {"192.0.2.25"}, "json", {"--retries", "0"});
    CAPTURE(none.err);
    const auto lost = json::parse(none.out);
    const auto& unanswered = address(lost, "192.0.2.25");
    CHECK(unanswered["grade"] != "ready");
    CHECK(unanswered["spf"]["result"] == "temperror");
    CHECK(none.out.find("DNS error") != std::string::npos);
}

TEST_CASE("vet: a /24 end to end") {
    const auto r = vet({"192.0.2.0/24"});
    CAPTURE(r.err);
    CHECK(r.exit_code == 2);
    const auto doc = json::parse(r.out);
    CHECK(doc["addresses"].size() == 256);
    CHECK(doc["summary"]["addresses"] == 256);
    CHECK(doc["summary"]["ready"] == 1);  // .25
    CHECK(doc["summary"]["burned"] == 3); // .97, .99, .100 are on bl.test
    CHECK(doc["summary"]["caution"] == 252);
    CHECK(doc["summary"]["listings_by_zone"]["bl.test"] == 3);
    for (const auto& a : doc["addresses"]) {
        CHECK(a["target"] == "192.0.2.0/24");
        CHECK(a["blocklists"].is_object()); // every address was asked
    }
    const auto text = vet({"192.0.2.0/24"}, "text");
    // More than 16 addresses: one line each, then the summary.
    CHECK(text.out.find(fmt::format("{:<40} {:<8} {}\n",
                                    "192.0.2.99 (192.0.2.0/24)",
                                    "BURNED",
                                    "listed on a blocklist: bl.test (spam source)")) !=
          std::string::npos);
    CHECK(text.out.find("Summary: 256 addresses: 1 ready, 252 caution, 3 burned\n") !=
          std::string::npos);
    CHECK(text.out.find("Listings by list: bl.test (3)\n") != std::string::npos);
}

TEST_CASE("vet: the smallest SPF change, in the record where the host already stands") {
    auto& f = fixture();
    const auto base = std::vector<std::string>{"vet",
                                               "--catalog",
                                               f.catalog,
                                               "--resolver",
                                               fmt::format("127.0.0.1:{}", vet_dns_server().port),
                                               "--zone-server",
                                               fmt::format("bl.test=127.0.0.1:{}", f.rbldnsd_port),
                                               "--zones",
                                               "t-bl",
                                               "--domain",
                                               "spf.test",
                                               "--query-timeout",
                                               "1",
                                               "--format",
                                               "json"};
    // The host's IPv4 passes through include:_spf.spf.test: its IPv6 goes there too.
    auto args = base;
    args.push_back("mail.spf.test");
    auto r = run_rblscope(args);
    CAPTURE(r.err);
    auto doc = json::parse(r.out);
    REQUIRE(doc["spf_changes"].size() == 1);
    CHECK(doc["spf_changes"][0]["record"] == "_spf.spf.test");
    CHECK(doc["spf_changes"][0]["terms"] == json::array({"ip6:2001:db8::25"}));
    CHECK(doc["spf_changes"][0]["why"] ==
          "where 192.0.2.25 already passes (include:_spf.spf.test)");
    CHECK(address(doc, "2001:db8::25")["spf"]["fix"] ==
          "add ip6:2001:db8::25 to the SPF record of _spf.spf.test (before its all term)");

    // A new block: one prefix for all sixteen, not sixteen addresses; in the text too.
    args = base;
    args.push_back("198.51.100.96/28");
    r = run_rblscope(args);
    doc = json::parse(r.out);
    REQUIRE(doc["spf_changes"].size() == 1);
    CHECK(doc["spf_changes"][0]["record"] == "spf.test");
    CHECK(doc["spf_changes"][0]["terms"] == json::array({"ip4:198.51.100.96/28"}));
    CHECK(doc["spf_changes"][0]["addresses"] == 16);
    CHECK(address(doc, "198.51.100.100")["spf"]["fix"] ==
          "add ip4:198.51.100.96/28 to the SPF record of spf.test (before its all term) (one "
          "change for 16 addresses)");
    CHECK(doc["context"]["lists"] == json::array({"bl.test"}));
    CHECK(doc["context"]["resolver"] == fmt::format("127.0.0.1:{}", vet_dns_server().port));
    args.back() = "198.51.100.96/28";
    args[args.size() - 2] = "text";
    const auto text = run_rblscope(args);
    CAPTURE(text.out);
    CAPTURE(text.err);
    CHECK(text.out.find("SPF changes\n  add to the record of spf.test: ip4:198.51.100.96/28 (16 "
                        "addresses; the record whose ~all decided)\n") != std::string::npos);
}

TEST_CASE("vet: --recipient-domain names the filter behind the MX and what it checks") {
    auto& f = fixture();
    const auto r = run_rblscope({"vet",
                                 "--catalog",
                                 RBLSCOPE_CATALOG_FILE,
                                 "--resolver",
                                 fmt::format("127.0.0.1:{}", vet_dns_server().port),
                                 "--recipient-domain",
                                 "contoso.test",
                                 "--recipient-domain",
                                 "selfhosted.test",
                                 "--recipient-domain",
                                 "missing.test",
                                 "--format",
                                 "json"});
    (void)f;
    CAPTURE(r.err);
    CHECK(r.exit_code == 0);
    const auto doc = json::parse(r.out);
    const auto& rc = doc["recipients"];
    REQUIRE(rc.size() == 3);
    CHECK(rc[0]["mx"] == json::array({"contoso-test.mail.protection.outlook.com"}));
    CHECK(rc[0]["provider"]["id"] == "microsoft-365");
    CHECK(rc[0]["provider"]["before_sending"][0].get<std::string>().starts_with(
        "Register the new IPs in SNDS and JMRP"));
    CHECK(rc[1]["provider"].is_null());
    CHECK(rc[2]["status"] == "nxdomain");
    CHECK(doc["addresses"].empty());
}

TEST_CASE("vet: progress goes to stderr as a bar on a terminal, never into stdout") {
    auto& f = fixture();
    const auto out = f.dir + "/vet-progress.json";
    // script(1) gives the command a terminal; stdout goes to a file, stderr to the terminal.
    const auto cmd = fmt::format(
        "{} vet --catalog {} --resolver 127.0.0.1:{} --zone-server bl.test=127.0.0.1:{} "
        "--zones t-bl --query-timeout 1 --format json 192.0.2.0/26 > {}",
        RBLSCOPE_BIN,
        f.catalog,
        vet_dns_server().port,
        f.rbldnsd_port,
        out);
    const auto r = run({"/usr/bin/script", "-qec", cmd, "/dev/null"});
    CHECK(r.out.find("blocklists [##############################] 64/64") != std::string::npos);
    std::ifstream in(out);
    std::stringstream body;
    body << in.rdbuf();
    const auto doc = json::parse(body.str()); // progress never reaches stdout
    CHECK(doc["summary"]["addresses"] == 64);
}

TEST_CASE("vet: the HTML report of a /24, as headless Chromium builds it") {
    auto& f = fixture();
    const auto page = f.dir + "/vet-report.html";
    auto args = std::vector<std::string>{
        "--html", page, "--recipient-domain", "contoso.test", "192.0.2.0/24"};
    const auto r = vet(args);
    CAPTURE(r.err);
    CHECK(r.exit_code == 2);
    // Chromium parses the page (no network, no script) and prints the DOM it built.
    const auto dom = run({"/usr/bin/chromium",
                          "--headless",
                          "--no-sandbox",
                          "--disable-gpu",
                          "--user-data-dir=" + f.dir + "/chromium-profile",
                          "--dump-dom",
                          "file://" + page});
    REQUIRE_MESSAGE(dom.exit_code == 0, dom.err);
    std::size_t cells = 0;
    for (auto at = dom.out.find("class=\"cell "); at != std::string::npos;
         at = dom.out.find("class=\"cell ", at + 1)) {
        ++cells;
    }
    CHECK(cells == 256);
    CHECK(dom.out.find("<a class=\"cell burned\" href=\"#a-192-0-2-99\" title=\"192.0.2.99 "
                       "burned\">99</a>") != std::string::npos);
    CHECK(dom.out.find("<a class=\"cell ready\" href=\"#a-192-0-2-25\"") != std::string::npos);
    // The detail the cell links to.
    const auto detail = dom.out.find("<section class=\"addr\" id=\"a-192-0-2-99\">");
    REQUIRE(detail != std::string::npos);
    const auto end = dom.out.find("</section>", detail);
    const auto section = dom.out.substr(detail, end - detail);
    CHECK(section.find("<li>listed on a blocklist: bl.test (spam source)</li>") !=
          std::string::npos);
    CHECK(
        section.find("<a href=\"https://bl.test/remove?ip=192.0.2.99\">bl.test (127.0.0.2)</a>") !=
        std::string::npos);
    CHECK(dom.out.find("<p id=\"summary\">256 addresses: 1 ready, 252 caution, 3 burned</p>") !=
          std::string::npos);
    // When, how and with which lists it was made; listings by list; the SPF change for the
    // /24's failing addresses; the recipient domain's MX.
    CHECK(dom.out.find("<p id=\"context\">Made ") != std::string::npos);
    CHECK(dom.out.find(fmt::format("through 127.0.0.1:{}", vet_dns_server().port)) !=
          std::string::npos);
    CHECK(dom.out.find("<table id=\"listings\"><tbody><tr><td><code>bl.test</code></td>") !=
          std::string::npos);
    CHECK(dom.out.find("<ul id=\"spf\"><li>add to the record of <code>example.test</code>") !=
          std::string::npos);
    const auto recipients = dom.out.find("<div id=\"recipients\"><h3>contoso.test</h3>");
    REQUIRE(recipients != std::string::npos);
    CHECK(dom.out.find("contoso-test.mail.protection.outlook.com", recipients) !=
          std::string::npos);
    CHECK(dom.out.find("<script") == std::string::npos);
}

TEST_CASE("vet: bad targets and options") {
    const auto r = vet({"not a target", "user@example.test"}, "text");
    CHECK(r.exit_code == 3);
    CHECK(r.err.find("user@example.test: vet takes addresses, host names or blocks, not email "
                     "addresses") != std::string::npos);
    const auto big = run_rblscope({"vet", "--catalog", fixture().catalog, "10.0.0.0/8"});
    CHECK(big.exit_code == 3);
    CHECK(big.err.find("10.0.0.0/8: 16777216 addresses, more than --max-addresses 4096") !=
          std::string::npos);
    const auto sel =
        run_rblscope({"vet", "--catalog", fixture().catalog, "--dkim-selector", "s1", "192.0.2.1"});
    CHECK(sel.exit_code == 3);
    CHECK(sel.err == "rblscope: --dkim-selector needs --domain\n");
}
