// vet: DMARC and DKIM record reading (keys made by OpenSSL here), and grading.

#include "rblscope/vet.hpp"
#include "rblscope/vet_run.hpp"

#include <algorithm>
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <string>
#include <vector>

using namespace rblscope;

namespace {

/// "v=DKIM1; k=rsa; p=BASE64(SubjectPublicKeyInfo)" for a fresh RSA key of `bits`.
std::string dkim_record(int bits) {
    EVP_PKEY* key = EVP_RSA_gen(static_cast<unsigned>(bits));
    REQUIRE(key != nullptr);
    unsigned char* der = nullptr;
    const int len = i2d_PUBKEY(key, &der);
    REQUIRE(len > 0);
    std::string b64(static_cast<std::size_t>(4 * ((len + 2) / 3) + 1), '\0');
    const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(b64.data()), der, len);
    b64.resize(static_cast<std::size_t>(n));
    OPENSSL_free(der);
    EVP_PKEY_free(key);
    return "v=DKIM1; k=rsa; p=" + b64;
}

} // namespace

TEST_SUITE_BEGIN("vet");

TEST_CASE("vet: DMARC records") {
    const auto d = parse_dmarc("v=DMARC1; p=Reject; sp=none; pct=50; rua=mailto:d@example.org");
    CHECK(d.problem.empty());
    CHECK(d.policy == "reject");
    CHECK(d.subdomain_policy == "none");
    CHECK(d.pct == 50);
    CHECK(d.rua == "mailto:d@example.org");
    CHECK(parse_dmarc("v=DMARC1; rua=mailto:d@example.org").problem ==
          "no p= tag (receivers treat the record as p=none at best)");
    CHECK(parse_dmarc("v=DMARC1; p=block").problem == "p=block is not none, quarantine or reject");
    CHECK(parse_dmarc("v=spf1 -all").problem == "not a DMARC record (it must start with v=DMARC1)");
    CHECK(parse_dmarc("v=DMARC1;p=none;pct=abc").pct == 100);
}

TEST_CASE("vet: DKIM keys are measured") {
    const auto k2048 = parse_dkim(dkim_record(2048));
    CHECK(k2048.problem.empty());
    CHECK(k2048.algorithm == "rsa");
    CHECK(k2048.bits == 2048);
    const auto k1024 = parse_dkim(dkim_record(1024));
    CHECK(k1024.bits == 1024);
    CHECK(parse_dkim("v=DKIM1; k=rsa; p=").revoked);
    CHECK(parse_dkim("v=DKIM1; k=rsa; p=bm90IGEga2V5").problem ==
          "p= is not a valid RSA public key");
    CHECK(parse_dkim("v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=").bits ==
          256);
    CHECK(parse_dkim("v=DKIM1; k=dsa; p=AAAA").problem == "unknown key type k=dsa");
    CHECK(parse_dkim("v=DKIM1; k=rsa").problem == "no p= tag (no public key)");
}

TEST_CASE("vet: grading") {
    AddressVet a;
    a.ip = IpAddress::parse("192.0.2.25").value();
    a.ptr.names = {"mail.example.org"};
    a.ptr.confirmed = "mail.example.org";
    DomainVet d;
    d.domain = "example.org";
    SUBCASE("without a blocklist check nothing is ready") {
        grade(a, d);
        CHECK(a.grade == Readiness::unknown);
    }
    SUBCASE("clean lists, confirmed PTR: ready") {
        a.blocklists = TargetReport{};
        a.blocklists->clean = 30;
        grade(a, d);
        CHECK(a.grade == Readiness::ready);
        CHECK(a.reasons.empty());
    }
    SUBCASE("a critical listing burns the address; missing PTR only cautions") {
        Zone z;
        z.zone = "zen.spamhaus.org";
        ZoneResult r;
        r.zone = &z;
        r.status = Status::listed;
        r.severity = Severity::critical;
        r.codes = {"127.0.0.2"};
        r.meaning = "SBL";
        a.blocklists = TargetReport{};
        a.blocklists->results.push_back(r);
        grade(a, d);
        CHECK(a.grade == Readiness::burned);
        REQUIRE(!a.reasons.empty());
        CHECK(a.reasons[0] == "listed on a blocklist: zen.spamhaus.org (SBL)");

        AddressVet b = a;
        b.blocklists->results.clear();
        b.ptr = PtrCheck{};
        grade(b, d);
        CHECK(b.grade == Readiness::caution);
        CHECK(b.reasons[0] == "no PTR record: most receivers refuse or throttle such senders");
    }
    SUBCASE("a DNS error is said as one, never as a missing record") {
        a.blocklists = TargetReport{};
        a.ptr.confirmed.clear();
        a.ptr.forward_error = true;
        a.ptr.helo = "mail.example.org";
        a.ptr.helo_status = DnsAnswer::Status::error;
        d.dkim = DkimCheck{};
        d.dkim->status = DnsAnswer::Status::error;
        d.dkim->queried = "s1._domainkey.example.org";
        grade(a, d);
        CHECK(a.grade == Readiness::caution);
        CHECK(a.reasons == std::vector<std::string>{
                               "the PTR name mail.example.org could not be looked up (DNS "
                               "error): forward confirmation unknown",
                               "the HELO name mail.example.org could not be looked up (DNS error)",
                               "the DKIM key at s1._domainkey.example.org could not be looked up "
                               "(DNS error)"});
    }
    SUBCASE("SPF, DMARC and a weak DKIM key are reasons") {
        a.blocklists = TargetReport{};
        a.spf = SpfCheck{};
        a.spf->outcome.result = SpfResult::softfail;
        a.spf->fix = "add ip4:192.0.2.25 to the SPF record of example.org (before its all term)";
        d.dmarc = DmarcCheck{};
        d.dmarc->queried = "_dmarc.example.org";
        d.dkim = parse_dkim(dkim_record(1024));
        d.dkim->queried = "s1._domainkey.example.org";
        grade(a, d);
        CHECK(a.grade == Readiness::caution);
        CHECK(a.reasons == std::vector<std::string>{
                               "SPF softfail: add ip4:192.0.2.25 to the SPF record of example.org "
                               "(before its all term)",
                               "no DMARC record at _dmarc.example.org",
                               "the DKIM key is RSA 1024 bits: weak (use 2048)"});
    }
}

TEST_CASE("vet: the HTML report escapes what DNS said") {
    AddressVet a;
    a.ip = IpAddress::parse("192.0.2.7").value();
    a.ptr.names = {"<script>alert(1)</script>.example.org"};
    a.reasons = {"the PTR name <b>x</b> & co"};
    a.grade = Readiness::caution;
    VetReport report;
    report.addresses = {a};
    report.context.targets = {"<192.0.2.7>"};
    report.context.resolver = "<b>resolver</b>";
    report.context.lists = {"bl.test"};
    report.listings_by_zone["<i>bl</i>.test"] = 1;
    RecipientCheck r;
    r.domain = "customer.example";
    r.mx = {"<img src=x>.mail.protection.outlook.com"};
    r.provider = MailProvider{};
    r.provider->name = "Microsoft <365>";
    r.provider->before_sending = {"warm up & <slowly>"};
    r.provider_via = r.mx.front();
    report.domain.recipients.push_back(r);
    const auto page = vet_html(report);
    CHECK(page.find("<script>") == std::string::npos);
    CHECK(page.find("<img") == std::string::npos);
    CHECK(page.find("<i>") == std::string::npos);
    CHECK(page.find("through &lt;b&gt;resolver&lt;/b&gt;") != std::string::npos);
    CHECK(page.find("Microsoft &lt;365&gt;") != std::string::npos);
    CHECK(page.find("<li>warm up &amp; &lt;slowly&gt;</li>") != std::string::npos);
    CHECK(page.find("&lt;script&gt;alert(1)&lt;/script&gt;.example.org") != std::string::npos);
    CHECK(page.find("<li>the PTR name &lt;b&gt;x&lt;/b&gt; &amp; co</li>") != std::string::npos);
    CHECK(page.find("<title>rblscope vet &lt;192.0.2.7&gt;</title>") != std::string::npos);
    CHECK(page.find("<a class=\"cell caution\" href=\"#a-192-0-2-7\"") != std::string::npos);
}

namespace {

AddressVet spf_vetted(const char* ip,
                      const char* target,
                      SpfResult result,
                      const char* record,
                      const char* mechanism = "") {
    AddressVet a;
    a.ip = IpAddress::parse(ip).value();
    a.target = target;
    a.spf = SpfCheck{};
    a.spf->outcome.result = result;
    a.spf->outcome.record = record;
    a.spf->outcome.domain = "example.com";
    a.spf->outcome.mechanism = mechanism;
    return a;
}

} // namespace

TEST_CASE("vet: the smallest SPF change covers a block with the fewest terms, vetted addresses "
          "only") {
    std::vector<AddressVet> all;
    for (int i = 96; i < 112; ++i) { // 192.0.2.96/28, all failing
        all.push_back(spf_vetted(fmt::format("192.0.2.{}", i).c_str(),
                                 "192.0.2.96/28",
                                 SpfResult::softfail,
                                 "example.com",
                                 "~all"));
    }
    auto changes = spf_changes(all, "example.com");
    REQUIRE(changes.size() == 1);
    CHECK(changes[0].record == "example.com");
    CHECK(changes[0].terms == std::vector<std::string>{"ip4:192.0.2.96/28"});
    CHECK(changes[0].addresses == 16);
    CHECK_FALSE(changes[0].publish);

    // One address passes already: still one term (it is vetted, so covering it is harmless).
    all[3].spf->outcome.result = SpfResult::pass;
    all[3].spf->outcome.mechanism = "ip4:192.0.2.99";
    changes = spf_changes(all, "example.com");
    REQUIRE(changes.size() == 1);
    CHECK(changes[0].terms == std::vector<std::string>{"ip4:192.0.2.96/28"});
    CHECK(changes[0].addresses == 15);

    // Without the last address the block is not whole: /29 + /30 + /31 + /32, never a
    // prefix that takes in an address nobody vetted.
    all.pop_back();
    changes = spf_changes(all, "example.com");
    REQUIRE(changes.size() == 1);
    CHECK(changes[0].terms ==
          std::vector<std::string>{
              "ip4:192.0.2.96/29", "ip4:192.0.2.104/30", "ip4:192.0.2.108/31", "ip4:192.0.2.110"});

    // No SPF record: publish one.
    std::vector<AddressVet> none{spf_vetted("198.51.100.7", "198.51.100.7", SpfResult::none, "")};
    changes = spf_changes(none, "example.com");
    REQUIRE(changes.size() == 1);
    CHECK(changes[0].publish);
    CHECK(changes[0].terms == std::vector<std::string>{"ip4:198.51.100.7"});
}

TEST_CASE("vet: an address's SPF term goes where the same host's other addresses stand") {
    // v=spf1 include:_spf.example.com ~all, with the host's IPv4 in _spf.example.com.
    std::vector<AddressVet> all{
        spf_vetted("192.0.2.25",
                   "mail.example.com",
                   SpfResult::pass,
                   "_spf.example.com",
                   "include:_spf.example.com"),
        spf_vetted("2001:db8::25", "mail.example.com", SpfResult::softfail, "example.com", "~all")};
    auto changes = spf_changes(all, "example.com");
    REQUIRE(changes.size() == 1);
    CHECK(changes[0].record == "_spf.example.com");
    CHECK(changes[0].terms == std::vector<std::string>{"ip6:2001:db8::25"});
    CHECK(changes[0].why == "where 192.0.2.25 already passes (include:_spf.example.com)");

    // A provider's record is not the sender's to edit: the term goes to the domain's own.
    all[0].spf->outcome.record = "spf.protection.outlook.com";
    changes = spf_changes(all, "example.com");
    REQUIRE(changes.size() == 1);
    CHECK(changes[0].record == "example.com");

    // finish_vet points each address's fix at its change.
    VetReport report;
    report.domain.domain = "example.com";
    report.addresses = all;
    report.addresses[0].spf->outcome.record = "_spf.example.com";
    finish_vet(report, BounceKnowledge{}, 0);
    CHECK(report.addresses[1].spf->fix ==
          "add ip6:2001:db8::25 to the SPF record of _spf.example.com (before its all term)");
}

TEST_CASE("vet: one --helo is judged for the addresses that use that name") {
    VetReport report;
    for (int i = 0; i < 4; ++i) {
        AddressVet a;
        a.ip = IpAddress::parse(fmt::format("192.0.2.{}", 24 + i)).value();
        a.target = "192.0.2.24/30";
        a.ptr.helo = "mail.example.com";
        a.ptr.names = {fmt::format("host{}.example.com", i)};
        a.ptr.confirmed = a.ptr.names.front();
        a.blocklists = TargetReport{};
        report.addresses.push_back(a);
    }
    report.addresses[1].ptr.helo_resolves = true; // mail.example.com is 192.0.2.25
    finish_vet(report, BounceKnowledge{}, 0);
    CHECK(report.helo_note ==
          "HELO mail.example.com is judged for the 1 address it names (192.0.2.25), not for the "
          "others");
    CHECK(report.addresses[1].ptr.helo_judged);
    CHECK_FALSE(report.addresses[0].ptr.helo_judged);
    for (const auto& r : report.addresses[0].reasons) {
        CHECK(r.find("HELO") == std::string::npos);
    }
    CHECK(std::find(report.addresses[1].reasons.begin(),
                    report.addresses[1].reasons.end(),
                    "the HELO name mail.example.com differs from the PTR name host1.example.com") !=
          report.addresses[1].reasons.end());

    // A name none of them uses is wrong for every one of them.
    report.addresses[1].ptr.helo_resolves = false;
    for (auto& a : report.addresses) {
        a.ptr.helo_judged = true;
    }
    finish_vet(report, BounceKnowledge{}, 0);
    CHECK(report.helo_note.empty());
    CHECK(report.addresses[0].ptr.helo_judged);
}

TEST_CASE("vet: targets to addresses, each with its origin; bad targets named and skipped") {
    const auto r = expand_vet_targets({"192.0.2.1",
                                       "198.51.100.0/30",
                                       "user@example.com",
                                       "10.0.0.0/8",
                                       "no way",
                                       "[2001:db8::1]:25"},
                                      256,
                                      SpfDnsOptions{});
    REQUIRE(r);
    const auto& t = r.value();
    REQUIRE(t.addresses.size() == 6);
    CHECK(t.addresses[5].to_string() == "2001:db8::1");
    CHECK(t.origins[5] == "[2001:db8::1]:25");
    CHECK(t.notes == std::vector<std::string>{
                         "[2001:db8::1]:25: checked as 2001:db8::1: the port 25 was ignored"});
    CHECK(t.addresses[0].to_string() == "192.0.2.1");
    CHECK(t.addresses[4].to_string() == "198.51.100.3");
    CHECK(t.origins[0] == "192.0.2.1");
    CHECK(t.origins[4] == "198.51.100.0/30");
    REQUIRE(t.refused.size() == 3);
    CHECK(t.refused[0].to_string() ==
          "user@example.com: vet takes addresses, host names or blocks, not email addresses");
    CHECK(t.refused[1].to_string() == "10.0.0.0/8: 16777216 addresses, more than "
                                      "--max-addresses 256");
    CHECK(t.refused[2].to_string() ==
          "not an IP address, CIDR block, hostname or email: \"no way\"");
}
