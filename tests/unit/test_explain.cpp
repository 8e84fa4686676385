// explain: log and bounce parsing, the shipped rejection knowledge, and its loader's errors.

#include "explain/parse.hpp"
#include "explain_fixture.hpp"
#include "rblscope/catalog.hpp"
#include "rblscope/explain.hpp"

#include <doctest/doctest.h>
#include <string>
#include <vector>

using namespace rblscope;

namespace {

using explain_test::catalog;
using explain_test::knowledge;
using explain_test::read_all;

Explanation explain_one(std::string_view text) {
    const auto found = read_all(text);
    REQUIRE(found.size() == 1);
    return explain(found[0], knowledge(), &catalog());
}

std::string rule_id(const Explanation& e) {
    return e.rule == nullptr ? "" : e.rule->id;
}

constexpr std::string_view k_postfix_606 =
    "Nov 20 10:00:01 gw1 postfix/smtp[1234]: 4F1AB2C3D4: to=<user@contoso.com>, "
    "relay=contoso-com.mail.protection.outlook.com[52.101.1.1]:25, delay=1.2, "
    "delays=0.1/0/0.5/0.6, dsn=5.7.606, status=bounced (host "
    "contoso-com.mail.protection.outlook.com[52.101.1.1] said: 550 5.7.606 Access denied, "
    "banned sending IP [192.0.2.25]. To request removal from this list please visit "
    "https://sender.office.com/ and follow the directions. AS(1430) "
    "[AM4PEPF00027A6C.eurprd04.prod.outlook.com] (in reply to MAIL FROM command))\n";

} // namespace

TEST_SUITE_BEGIN("explain");

TEST_CASE("explain: the shipped knowledge loads and every rule has a cause and steps") {
    const auto& k = knowledge();
    CHECK(k.providers().size() >= 15);
    CHECK(k.rules().size() >= 40);
    for (const auto& r : k.rules()) {
        CAPTURE(r.id);
        CHECK(!r.cause.empty());
        CHECK(!r.steps.empty());
        if (!r.zone.empty()) {
            CHECK(catalog().find(r.zone) != nullptr);
        }
    }
    // A doubled backslash before a letter is a literal backslash to RE2: in a TOML literal
    // string ('...') "\\d" was meant as "\d" and matches nothing a reply holds.
    const auto doubled = [](const std::string& p) {
        for (std::size_t i = 0; i + 2 < p.size(); ++i) {
            if (p[i] == '\\' && p[i + 1] == '\\' &&
                std::isalpha(static_cast<unsigned char>(p[i + 2]))) {
                return true;
            }
        }
        return false;
    };
    for (const auto& r : k.rules()) {
        for (const auto& p : r.patterns) {
            CAPTURE(r.id);
            CAPTURE(p);
            CHECK(!doubled(p));
        }
    }
    for (const auto& p : k.providers()) {
        for (const auto& s : p.signatures) {
            CAPTURE(p.id);
            CAPTURE(s);
            CHECK(!doubled(s));
        }
    }
}

TEST_CASE("explain: Postfix log lines") {
    SUBCASE("a bounce: recipient, relay, codes, command") {
        const auto found = read_all(k_postfix_606);
        REQUIRE(found.size() == 1);
        const auto& r = found[0];
        CHECK(r.source == "postfix");
        CHECK(r.where == "in:1");
        CHECK(r.time == "Nov 20 10:00:01");
        CHECK(r.log_host == "gw1");
        CHECK(r.queue_id == "4F1AB2C3D4");
        CHECK(r.recipient == "user@contoso.com");
        CHECK(r.remote_host == "contoso-com.mail.protection.outlook.com");
        CHECK(r.remote_ip == "52.101.1.1");
        CHECK(r.status == "5.7.606");
        CHECK(r.action == "bounced");
        CHECK(r.command == "MAIL FROM");
        CHECK(r.reply.starts_with("550 5.7.606 Access denied, banned sending IP [192.0.2.25]."));
        CHECK(r.reply.ends_with("[AM4PEPF00027A6C.eurprd04.prod.outlook.com]"));
    }
    SUBCASE("delivered lines and other daemons are not findings") {
        const auto found = read_all(
            "Nov 20 10:00:04 gw1 postfix/smtp[1]: 7F1: to=<y@example.org>, relay=mx[1.2.3.4]:25, "
            "delay=0.5, dsn=2.0.0, status=sent (250 2.0.0 OK)\n"
            "Nov 20 10:00:04 gw1 postfix/qmgr[2]: 7F1: removed\n"
            "Nov 20 10:00:05 gw1 CRON[3]: (root) CMD (status=deferred is just text here)\n"
            "Nov 20 10:00:05 gw1 postfix/smtpd[4]: connect from unknown[203.0.113.9]\n");
        CHECK(found.empty());
    }
    SUBCASE("a greeting refusal logged as a 4.0.0 deferral keeps the remote's 554") {
        const auto found = read_all(
            "2026-11-20T10:00:00.123456+00:00 gw2 postfix/smtp[9]: AB12: to=<a@example.net>, "
            "relay=mx.example.net[198.51.100.5]:25, delay=3, delays=0/0/3/0, dsn=4.0.0, "
            "status=deferred (host mx.example.net[198.51.100.5] refused to talk to me: 554 Your "
            "access to this mail system has been rejected due to the sending MTA's poor "
            "reputation.)\n");
        REQUIRE(found.size() == 1);
        CHECK(found[0].time == "2026-11-20T10:00:00.123456+00:00");
        CHECK(found[0].command == "greeting");
        const auto e = explain(found[0], knowledge(), &catalog());
        CHECK(e.smtp_code == 554);
        CHECK(rule_id(e) == "cisco-reputation");
        CHECK(e.exit_code == 2);
    }
    SUBCASE("no connection at all") {
        const auto found =
            read_all("Nov 20 10:00:09 gw1 postfix/smtp[7]: CD34: to=<b@example.com>, relay=none, "
                     "delay=30, delays=0/0/30/0, dsn=4.4.1, status=deferred (connect to "
                     "mx.example.com[192.0.2.80]:25: Connection timed out)\n");
        REQUIRE(found.size() == 1);
        CHECK(found[0].remote_host == "mx.example.com"); // from "connect to", not relay=none
        CHECK(found[0].remote_ip == "192.0.2.80");
        const auto e = explain(found[0], knowledge(), &catalog());
        CHECK(e.category == RejectCategory::network);
        CHECK(e.enhanced_code == "4.4.1");
        CHECK(e.temporary);
    }
}

TEST_CASE("explain: Postfix 'delivery temporarily suspended' keeps the earlier refusal") {
    const auto found = read_all(
        "Nov 20 10:05:00 gw1 postfix/smtp[8]: EF56: to=<c@t-online.de>, relay=none, delay=300, "
        "delays=300/0/0/0, dsn=4.0.0, status=deferred (delivery temporarily suspended: host "
        "mx00.t-online.de[194.25.134.8] refused to talk to me: 554 IP=192.0.2.61 - A problem "
        "occurred. (Ask your postmaster for help or to contact tosa@rx.t-online.de to "
        "clarify.) (BL))\n");
    REQUIRE(found.size() == 1);
    CHECK(found[0].remote_host == "mx00.t-online.de");
    CHECK(found[0].command == "greeting");
    const auto e = explain(found[0], knowledge(), &catalog());
    CHECK(rule_id(e) == "t-online-block");
    CHECK(e.provider->id == "t-online");
    CHECK(e.sending_ip == "192.0.2.61");
    CHECK(e.provider_code == "BL");
    CHECK(e.smtp_code == 554);
}

TEST_CASE("explain: Exim, Sendmail and qmail log lines") {
    SUBCASE("Exim ** and ==") {
        const auto found = read_all(
            "2026-11-20 10:00:00 1tDxyz-000Abc-Q2 <= sender@example.org H=localhost [127.0.0.1]\n"
            "2026-11-20 10:00:01 1tDxyz-000Abc-Q2 ** user@example.net R=dnslookup "
            "T=remote_smtp H=mx.example.net [192.0.2.7] X=TLS1.3: SMTP error from remote mail "
            "server after RCPT TO:<user@example.net>: 550 5.7.1 Service unavailable; Client host "
            "[198.51.100.20] blocked using bl.spamcop.net\n"
            "2026-11-20 10:00:02 1tDxyz-000Abd-Q3 == someone@yahoo.com R=dnslookup "
            "T=remote_smtp defer (-45): SMTP error from remote mail server after MAIL "
            "FROM:<s@example.org> SIZE=2307: host mta7.am0.yahoodns.net [67.195.204.72]: 421 "
            "4.7.0 [TSS04] Messages from 198.51.100.20 temporarily deferred due to unexpected "
            "volume or user complaints - 4.16.55.1; see "
            "https://postmaster.yahooinc.com/error-codes\n"
            "2026-11-20 10:00:03 1tDxyz-000Abc-Q2 Completed\n");
        REQUIRE(found.size() == 2);
        CHECK(found[0].source == "exim");
        CHECK(found[0].action == "bounced");
        CHECK(found[0].recipient == "user@example.net");
        CHECK(found[0].remote_host == "mx.example.net");
        CHECK(found[0].remote_ip == "192.0.2.7");
        CHECK(found[0].command == "RCPT TO");
        const auto spamcop = explain(found[0], knowledge(), &catalog());
        CHECK(rule_id(spamcop) == "spamcop");
        CHECK(spamcop.sending_ip == "198.51.100.20");
        REQUIRE(spamcop.list_zone != nullptr);
        CHECK(spamcop.list_zone->id == "spamcop");

        CHECK(found[1].action == "deferred");
        CHECK(found[1].remote_host == "mta7.am0.yahoodns.net");
        CHECK(found[1].remote_ip == "67.195.204.72");
        CHECK(found[1].command == "MAIL FROM");
        CHECK(found[1].reply.starts_with("421 4.7.0 [TSS04]"));
        const auto yahoo = explain(found[1], knowledge(), &catalog());
        CHECK(rule_id(yahoo) == "yahoo-deferral");
        CHECK(yahoo.provider->id == "yahoo");
        CHECK(yahoo.provider_code == "TSS04");
        CHECK(yahoo.sending_ip == "198.51.100.20"); // not the 4.16.55.1 diagnostic
        CHECK(yahoo.exit_code == 1);
    }
    SUBCASE("Sendmail stat=") {
        const auto found =
            read_all("Nov 20 10:00:00 mail sm-mta[812]: 4AKA00aB012345: to=<x@gmail.com>, "
                     "ctladdr=<a@example.org> (1000/1000), delay=00:00:02, xdelay=00:00:02, "
                     "mailer=esmtp, pri=120000, relay=gmail-smtp-in.l.google.com. [142.250.1.26], "
                     "dsn=4.7.28, stat=Deferred: 421-4.7.28 Gmail has detected an unusual rate of "
                     "unsolicited mail originating from your IP address\n"
                     "Nov 20 10:00:01 mail sm-mta[813]: 4AKA00aB012346: to=<y@example.com>, "
                     "delay=00:00:01, mailer=esmtp, pri=1, relay=mx.example.com. [192.0.2.3], "
                     "dsn=2.0.0, stat=Sent (OK)\n");
        REQUIRE(found.size() == 1);
        CHECK(found[0].source == "sendmail");
        CHECK(found[0].remote_host == "gmail-smtp-in.l.google.com");
        CHECK(found[0].remote_ip == "142.250.1.26");
        CHECK(found[0].action == "deferred");
        const auto e = explain(found[0], knowledge(), &catalog());
        CHECK(rule_id(e) == "gmail-unusual-rate");
        CHECK(e.provider->id == "google");
        CHECK(e.category == RejectCategory::throttling);
    }
    SUBCASE("qmail-send: recipients from 'starting delivery'") {
        const auto found = read_all(
            "@400000006739a1b20c3b9e44 starting delivery 442: msg 1234 to remote "
            "kijitora@hotmail.com\n"
            "@400000006739a1b30c3b9e44 delivery 442: failure: "
            "52.101.8.2_does_not_like_recipient./Remote_host_said:_550_SC-001_(BAY004-MC3F26)_"
            "Unfortunately,_messages_from_192.0.2.44_weren't_sent._Please_contact_your_"
            "Internet_service_provider_since_part_of_their_network_is_on_our_block_list./"
            "Giving_up_on_52.101.8.2./\n"
            "@400000006739a1b30c3b9e45 delivery 443: success: 192.0.2.3_accepted_message./\n");
        REQUIRE(found.size() == 1);
        CHECK(found[0].source == "qmail");
        CHECK(found[0].recipient == "kijitora@hotmail.com");
        CHECK(found[0].remote_ip == "52.101.8.2");
        CHECK(found[0].command == "RCPT TO");
        CHECK(found[0].reply.starts_with("550 SC-001 (BAY004-MC3F26) Unfortunately,"));
        const auto e = explain(found[0], knowledge(), &catalog());
        CHECK(rule_id(e) == "outlook-sc-block");
        CHECK(e.provider->id == "outlook-com");
        CHECK(e.sending_ip == "192.0.2.44");
        CHECK(e.provider_code == "SC-001");
    }
}

TEST_CASE("explain: Gmail's rejections point at its sender requirements") {
    const auto ids = [](const std::string& reply) {
        const auto e = explain_one(reply + "\n");
        REQUIRE(e.provider != nullptr);
        CHECK(e.provider->id == "google");
        std::vector<std::string> out;
        for (const auto* q : e.requirements) {
            CHECK(q->url == "https://support.google.com/mail/answer/81126");
            out.push_back(q->id);
        }
        return out;
    };
    using V = std::vector<std::string>;
    // 4.7.0 and 5.7.1 name many causes: the rule that matched tells which requirement.
    CHECK(ids("421 4.7.0 [192.0.2.1] The IP address sending this message does not have a PTR "
              "record setup, or the corresponding forward DNS entry does not point to the "
              "sending IP. - gsmtp") == V{"ptr"});
    CHECK(ids("550 5.7.1 This message is likely unsolicited email. - gsmtp") == V{"spam-rate"});
    CHECK(ids("550 5.7.350 Remote server returned message detected as spam -> 550 5.7.1 "
              "[192.0.2.1] Our system has detected that this message is likely unsolicited "
              "mail. - gsmtp") == V{"spam-rate"});
    // The specific codes cite their requirement whatever rule explained the text.
    CHECK(ids("550 5.7.26 Unauthenticated email from example.com is not accepted due to "
              "domain's DMARC policy. - gsmtp") == V{"spf", "dkim", "dmarc"});
    CHECK(ids("421 4.7.27 Your email has been rate limited because SPF authentication didn't "
              "pass for this message. Gmail requires all bulk email senders to authenticate "
              "with SPF. - gsmtp") == V{"spf"});
    CHECK(ids("421 4.7.28 Gmail has detected an unusual rate of unsolicited mail originating "
              "from your SPF domain [example.com]. - gsmtp") == V{"spam-rate"});
    CHECK(ids("421 4.7.32 Your email has been rate limited because the From: header (RFC5322) "
              "in this message isn't aligned with either the authenticated SPF or DKIM "
              "organizational domain. - gsmtp") == V{"alignment"});
    CHECK(ids("421 4.7.29 Your email has been rate limited because this message wasn't sent "
              "over a TLS connection. - gsmtp") == V{"tls"});
    // Another provider's rejection points at nothing of Gmail's.
    CHECK(explain_one(k_postfix_606).requirements.empty());
}

TEST_CASE("explain: the documented Microsoft cases") {
    SUBCASE("5.7.606: sender.office.com, IP and AS code") {
        const auto e = explain_one(k_postfix_606);
        CHECK(rule_id(e) == "microsoft-banned-sending-ip");
        CHECK(e.provider->id == "microsoft-365");
        CHECK(e.category == RejectCategory::provider_blocklist);
        CHECK(e.sending_ip == "192.0.2.25");
        CHECK(e.provider_code == "AS(1430)");
        CHECK(e.enhanced_code == "5.7.606");
        CHECK(e.delist == "https://sender.office.com/");
        CHECK(e.exit_code == 2);
        CHECK(e.request.empty());
    }
    SUBCASE("Blocklist 1: a delist request with the IP and the original error filled in") {
        const auto e = explain_one(
            "550 5.7.1 Service unavailable; Client host [203.0.113.77] blocked using Blocklist "
            "1; To request removal from this list please forward this message to "
            "delist@messaging.microsoft.com\n");
        CHECK(rule_id(e) == "microsoft-blocklist");
        CHECK(e.list == "Blocklist 1");
        CHECK(e.sending_ip == "203.0.113.77");
        CHECK(e.delist == "mailto:delist@messaging.microsoft.com");
        CHECK(e.request.find("To: delist@messaging.microsoft.com") != std::string::npos);
        CHECK(e.request.find("Please remove 203.0.113.77 from Blocklist 1") != std::string::npos);
        CHECK(e.request.find("  550 5.7.1 Service unavailable; Client host [203.0.113.77]") !=
              std::string::npos);
    }
    SUBCASE("FBLW15 is undocumented: flagged as a heuristic") {
        const auto e = explain_one("550 5.7.1 Service unavailable; Client host [203.0.113.77] "
                                   "blocked using FBLW15\n");
        CHECK(rule_id(e) == "microsoft-fblw15");
        REQUIRE(e.rule != nullptr);
        CHECK_FALSE(e.rule->verified);
        CHECK(e.provider_code == "FBLW15");
    }
    SUBCASE("S77719 throttling: wait, do not delist") {
        const auto e = explain_one("451 4.7.500 Server busy. Please try again later from "
                                   "[198.51.100.7]. (S77719) [DB5PEPF00014B9D.eurprd02.prod]\n");
        CHECK(rule_id(e) == "microsoft-new-ip-throttle");
        CHECK(e.category == RejectCategory::throttling);
        CHECK(e.provider_code == "S77719");
        CHECK(e.sending_ip == "198.51.100.7");
        CHECK(e.temporary);
        CHECK(e.exit_code == 1);
        CHECK(e.avoid.find("Do not request delisting") != std::string::npos);
        CHECK(e.delist.empty());
    }
    SUBCASE("S3150 network block list") {
        const auto e = explain_one(
            "550 5.7.1 Unfortunately, messages from [192.0.2.8] weren't sent. Please contact "
            "your Internet service provider since part of their network is on our block list "
            "(S3150). You can also refer your provider to "
            "http://mail.live.com/mail/troubleshooting.aspx#errors.\n");
        CHECK(rule_id(e) == "outlook-network-block-list");
        CHECK(e.provider->id == "outlook-com");
        CHECK(e.provider_code == "S3150");
        CHECK(e.sending_ip == "192.0.2.8");
        // A text for the support form, with the IP and the reply; no date in a bare reply.
        CHECK(e.request.find("Sending IP: 192.0.2.8\n") != std::string::npos);
        CHECK(e.request.find("When: <date of the bounce>\n") != std::string::npos);
    }
    SUBCASE("too many recipients AS780090") {
        const auto e = explain_one("452 4.5.3 Too many recipients (AS780090)\n");
        CHECK(rule_id(e) == "microsoft-recipient-limit");
        CHECK(e.category == RejectCategory::rate_limit);
        CHECK(e.provider_code == "AS780090");
    }
}

TEST_CASE("explain: public lists get the catalog's delisting URL") {
    const auto e = explain_one("554 5.7.1 Service unavailable; Client host [192.0.2.25] blocked "
                               "using zen.spamhaus.org; https://www.spamhaus.org/query/ip/"
                               "192.0.2.25\n");
    CHECK(rule_id(e) == "spamhaus");
    CHECK(e.category == RejectCategory::public_blocklist);
    REQUIRE(e.list_zone != nullptr);
    CHECK(e.list_zone->id == "spamhaus-zen");
    CHECK(e.delist == "https://check.spamhaus.org/results/?query=192.0.2.25");
    CHECK(e.steps[0].find("https://check.spamhaus.org/results/?query=192.0.2.25") !=
          std::string::npos);

    // The list the reply names wins over the rule's default zone.
    const auto sbl = explain_one("554 5.7.1 Client host [192.0.2.25] blocked using "
                                 "sbl.spamhaus.org\n");
    REQUIRE(sbl.list_zone != nullptr);
    CHECK(sbl.list_zone->id == "spamhaus-sbl");

    const auto other = explain_one("550 Rejected: 192.0.2.9 blocked using psbl.surriel.com\n");
    CHECK(rule_id(other) == "dnsbl-named");
    CHECK(other.list == "psbl.surriel.com");
    REQUIRE(other.list_zone != nullptr);
    CHECK(other.list_zone->id == "psbl");
}

TEST_CASE("explain: categories from text and from status codes") {
    struct Case {
        std::string_view reply;
        RejectCategory category;
        int exit;
    };
    const Case cases[] = {
        {"550 5.1.1 <nobody@example.com>: Recipient address rejected: User unknown",
         RejectCategory::recipient,
         0},
        {"552 5.2.2 Mailbox full", RejectCategory::size_quota, 0},
        {"550 5.7.25 [192.0.2.1] The IP address sending this message does not have a PTR "
         "record setup",
         RejectCategory::reverse_dns,
         2},
        {"550 5.7.26 Unauthenticated email from example.org is not accepted due to domain's "
         "DMARC policy",
         RejectCategory::authentication,
         2},
        {"550 5.7.23 The message was rejected because of Sender Policy Framework violation",
         RejectCategory::authentication,
         2},
        {"421 4.7.0 Try again later, closing connection. (EHLO) greylisted",
         RejectCategory::throttling,
         1},
        {"554 5.7.1 Message rejected as spam by Content Filtering", RejectCategory::content, 2},
        {"550 5.7.1 Relaying denied", RejectCategory::sender, 2},
        {"554 5.4.7 (no words we know)", RejectCategory::network, 2},
        {"599 9.9.9 nothing anybody documents", RejectCategory::unknown, 1},
    };
    for (const auto& c : cases) {
        CAPTURE(c.reply);
        Rejection r;
        r.reply = std::string(c.reply);
        const auto e = explain(r, knowledge(), &catalog());
        CHECK(e.category == c.category);
        CHECK(e.exit_code == c.exit);
    }
}

TEST_CASE("explain: bounce messages") {
    SUBCASE("MIME DSN with the original attached: only the DSN counts") {
        const std::string msg =
            "Return-Path: <>\n"
            "From: MAILER-DAEMON@gw1.example.org (Mail Delivery System)\n"
            "Subject: Undelivered Mail Returned to Sender\n"
            "Date: Fri, 20 Nov 2026 10:00:05 +0000\n"
            "MIME-Version: 1.0\n"
            "Content-Type: multipart/report; report-type=delivery-status;\n"
            "\tboundary=\"B0UND/gw1\"\n"
            "\n"
            "This is a MIME-encapsulated message.\n"
            "\n"
            "--B0UND/gw1\n"
            "Content-Description: Notification\n"
            "Content-Type: text/plain; charset=us-ascii\n"
            "Content-Transfer-Encoding: quoted-printable\n"
            "\n"
            "This is the mail system at host gw1.example.org.\n"
            "\n"
            "<user@contoso.com>: host contoso-com.mail.protection.outlook.com[52.101.1.1] said:\n"
            "    550 5.7.606 Access denied, banned sending IP [192.0.2.25]. To request =\n"
            "removal visit https://sender.office.com/ AS(1430) (in reply to RCPT TO command)\n"
            "\n"
            "--B0UND/gw1\n"
            "Content-Type: message/delivery-status\n"
            "\n"
            "Reporting-MTA: dns; gw1.example.org\n"
            "Arrival-Date: Fri, 20 Nov 2026 10:00:01 +0000 (UTC)\n"
            "\n"
            "Final-Recipient: rfc822; user@contoso.com\n"
            "Action: failed\n"
            "Status: 5.7.606\n"
            "Remote-MTA: dns; contoso-com.mail.protection.outlook.com\n"
            "Diagnostic-Code: smtp; 550 5.7.606 Access denied, banned sending IP\n"
            "    [192.0.2.25]. To request removal visit https://sender.office.com/ AS(1430)\n"
            "\n"
            "--B0UND/gw1\n"
            "Content-Type: message/rfc822\n"
            "\n"
            "From: someone@example.org\n"
            "Subject: quoted reply\n"
            "\n"
            "> 554 5.7.1 Client host [10.0.0.1] blocked using zen.spamhaus.org\n"
            "<victim@example.com>: host mx[10.0.0.2] said: 550 5.1.1 User unknown\n"
            "\n"
            "--B0UND/gw1--\n";
        const auto found = read_all(msg, 13);
        REQUIRE(found.size() == 1);
        const auto& r = found[0];
        CHECK(r.source == "dsn");
        CHECK(r.action == "failed");
        CHECK(r.recipient == "user@contoso.com");
        CHECK(r.remote_host == "contoso-com.mail.protection.outlook.com");
        CHECK(r.remote_ip == "52.101.1.1"); // from the readable part
        CHECK(r.command == "RCPT TO");
        CHECK(r.log_host == "gw1.example.org");
        CHECK(r.time == "Fri, 20 Nov 2026 10:00:01 +0000 (UTC)");
        const auto e = explain(r, knowledge(), &catalog());
        CHECK(rule_id(e) == "microsoft-banned-sending-ip");
        CHECK(e.sending_ip == "192.0.2.25");
    }
    SUBCASE("base64 text part, Exim format, multi-line reply prefixes dropped") {
        // "  bob@example.net\n    host mx.example.net [192.0.2.7]\n    SMTP error from remote
        // mail server after RCPT TO:<bob@example.net>:\n    550-5.7.1 line one\n    550 5.7.1
        // line two\n"
        const std::string msg =
            "From: Mail Delivery System <Mailer-Daemon@exim.example.org>\n"
            "Subject: Mail delivery failed: returning message to sender\n"
            "Content-Type: text/plain; charset=utf-8\n"
            "Content-Transfer-Encoding: base64\n"
            "\n"
            "ICBib2JAZXhhbXBsZS5uZXQKICAgIGhvc3QgbXguZXhhbXBsZS5uZXQgWzE5Mi4wLjIuN10KICAg\n"
            "IFNNVFAgZXJyb3IgZnJvbSByZW1vdGUgbWFpbCBzZXJ2ZXIgYWZ0ZXIgUkNQVCBUTzo8Ym9iQGV4\n"
            "YW1wbGUubmV0PjoKICAgIDU1MC01LjcuMSBsaW5lIG9uZQogICAgNTUwIDUuNy4xIGxpbmUgdHdv\n"
            "Cg==\n";
        const auto found = read_all(msg);
        REQUIRE(found.size() == 1);
        CHECK(found[0].source == "bounce");
        CHECK(found[0].recipient == "bob@example.net");
        CHECK(found[0].remote_host == "mx.example.net");
        CHECK(found[0].remote_ip == "192.0.2.7");
        CHECK(found[0].command == "RCPT TO");
        CHECK(found[0].reply == "550 5.7.1 line one line two");
    }
    SUBCASE("Sendmail transcript") {
        const std::string msg =
            "From: Mail Delivery Subsystem <MAILER-DAEMON@sm.example.org>\n"
            "Subject: Returned mail: see transcript for details\n"
            "\n"
            "   ----- The following addresses had permanent fatal errors -----\n"
            "<carol@example.com>\n"
            "    (reason: 554 5.7.1 Service unavailable; Client host [198.51.100.3] blocked "
            "using b.barracudacentral.org)\n"
            "\n"
            "   ----- Transcript of session follows -----\n"
            "... while talking to mx.example.com.:\n"
            ">>> RCPT To:<carol@example.com>\n";
        const auto found = read_all(msg);
        REQUIRE(found.size() == 1);
        CHECK(found[0].recipient == "carol@example.com");
        const auto e = explain(found[0], knowledge(), &catalog());
        CHECK(rule_id(e) == "barracuda");
        CHECK(e.sending_ip == "198.51.100.3");
    }
    SUBCASE("a bounce forwarded as a quote is read as the bounce") {
        const std::string msg = "From: alice@example.org\n"
                                "Subject: Fwd: Returned mail\n"
                                "\n"
                                "Why did this bounce?\n"
                                "\n"
                                "> ----- Transcript of session follows -----\n"
                                "> ... while talking to mx.example.com.:\n"
                                ">>>> RCPT To:<dave@example.com>\n"
                                "> <<< 550 5.7.1 Client host [198.51.100.3] blocked using "
                                "bl.spamcop.net\n";
        const auto found = read_all(msg);
        REQUIRE(found.size() == 1);
        CHECK(found[0].recipient == "dave@example.com");
        CHECK(found[0].remote_host == "mx.example.com");
        CHECK(found[0].reply ==
              "550 5.7.1 Client host [198.51.100.3] blocked using bl.spamcop.net");
    }
    SUBCASE("Gmail's and InterScan's reports") {
        const auto gmail = read_all("From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>\n"
                                    "Subject: Delivery Status Notification (Failure)\n"
                                    "\n"
                                    "Delivery to the following recipient failed permanently:\n"
                                    "\n"
                                    "     erin@example.com\n"
                                    "\n"
                                    "Technical details of permanent failure:\n"
                                    "The recipient server did not accept our requests to "
                                    "connect.\n"
                                    "\n"
                                    "----- Original message -----\n"
                                    "550 5.7.1 this quoted line is the original's body\n");
        REQUIRE(gmail.size() == 1);
        CHECK(gmail[0].recipient == "erin@example.com");
        CHECK(explain(gmail[0], knowledge(), &catalog()).category == RejectCategory::network);
        const auto interscan = read_all("From: postmaster@example.co.jp\n"
                                        "Subject: Mail could not be delivered\n"
                                        "\n"
                                        "Sent <<< RCPT TO:<frank@example.co.jp>\n"
                                        "Received >>> 550 5.1.1 <frank@example.co.jp>... user "
                                        "unknown\n");
        REQUIRE(interscan.size() == 1);
        CHECK(interscan[0].recipient == "frank@example.co.jp");
        CHECK(interscan[0].reply == "550 5.1.1 <frank@example.co.jp>... user unknown");
    }
    SUBCASE("several bounces in one mbox") {
        const std::string one = "From MAILER-DAEMON Fri Nov 20 10:00:00 2026\n"
                                "From: MAILER-DAEMON@a.example\n"
                                "Subject: Undelivered Mail Returned to Sender\n"
                                "\n"
                                "<a@example.com>: host mx.example.com[192.0.2.1] said: 550 5.1.1 "
                                "User unknown (in reply to RCPT TO command)\n"
                                "\n";
        const auto found = read_all(one + one + one);
        CHECK(found.size() == 3);
    }
}

TEST_CASE("explain: hostile and broken input") {
    SUBCASE("a 3 MiB line is cut, counted, and the next line is still read") {
        std::vector<Rejection> out;
        RejectionReader reader("big", [&](Rejection&& r) { out.push_back(std::move(r)); });
        const std::string huge(3 << 20, 'x');
        reader.feed(huge.substr(0, 1000));
        reader.feed(huge.substr(1000));
        reader.feed("\n");
        reader.feed(k_postfix_606);
        reader.finish();
        CHECK(reader.cut_lines() == 1);
        CHECK(reader.lines() == 2);
        REQUIRE(out.size() == 1);
        CHECK(out[0].where == "big:2");
    }
    SUBCASE("binary garbage: no crash, nothing printable breaks out") {
        std::string junk;
        std::uint32_t x = 12345;
        for (int i = 0; i < 200000; ++i) {
            x = x * 1103515245 + 12345;
            junk += static_cast<char>(x >> 24);
        }
        junk += "\n550 5.7.1 \x1b[31mred\x07 \xff\xfe blocked\0 using zen.spamhaus.org\n";
        for (const auto& r : read_all(junk, 4096)) {
            for (const char c : r.reply) {
                CHECK(static_cast<unsigned char>(c) >= 0x20);
                CHECK(c != 0x7f);
            }
        }
    }
    SUBCASE("non-UTF-8 bytes in a log line become U+FFFD") {
        const auto found = read_all(
            "Nov 20 10:00:01 gw1 postfix/smtp[1]: A1: to=<u@example.de>, "
            "relay=mx.example.de[192.0.2.4]:25, "
            "delay=1, dsn=5.0.0, status=bounced (host mx.example.de[192.0.2.4] said: 550 Adresse "
            "ung\xfcltig (in reply to RCPT TO command))\n");
        REQUIRE(found.size() == 1);
        CHECK(found[0].reply == "550 Adresse ung\xef\xbf\xbdltig");
    }
    SUBCASE("lines that almost match") {
        const auto found =
            read_all("Nov 20 10:00:01 gw1 postfix/smtp[1]: A1: to=<u@example.de>, status=\n"
                     "Nov 20 10:00:01 gw1 postfix/smtp[1]: A1: status=deferre\n"
                     "2026-11-20 10:00:01 1tD-000-Q2 *** not a flag\n"
                     "2026-11-20 10:00:01\n"
                     "@4000 delivery : failure:\n"
                     "delivery 12: failure: but no qmail and no tai64n stamp\n"
                     "Nov 20 10:00:01 gw1 sm-mta[1]: stat=\n");
        CHECK(found.empty());
    }
}

TEST_CASE("explain: clean_reply joins multi-line replies") {
    using explain_detail::clean_reply;
    CHECK(clean_reply("550-5.7.1 [192.0.2.22 18] Our system has 550-5.7.1 detected that this "
                      "550 5.7.1 message is spam") ==
          "550 5.7.1 [192.0.2.22 18] Our system has detected that this message is spam");
    CHECK(clean_reply("421-4.7.0 first\n421-4.7.0 second\n421 4.7.0 third") ==
          "421 4.7.0 first second third");
    CHECK(clean_reply("  554   no   enhanced\tcode ") == "554 no enhanced code");
    CHECK(clean_reply("550 5.7.606 Access denied") == "550 5.7.606 Access denied");
}

TEST_CASE("explain: FindingGroups counts per cause and per sender") {
    FindingGroups groups(3);
    const auto add = [&](std::string reply, std::string host, std::string time) {
        Rejection r;
        r.reply = std::move(reply);
        r.log_host = std::move(host);
        r.time = std::move(time);
        r.action = r.reply[0] == '4' ? "deferred" : "bounced";
        auto e = explain(r, knowledge(), &catalog());
        groups.add(std::move(r), std::move(e));
    };
    const std::string busy = "451 4.7.500 Server busy. Please try again later from "
                             "[198.51.100.7]. (S77719)";
    add(busy, "gw2", "10:00");
    add(busy, "gw2", "10:05");
    add(busy, "gw2", "10:09");
    add("550 5.1.1 User unknown", "gw1", "10:01");
    CHECK(groups.total() == 4);
    CHECK(groups.deferred() == 3);
    CHECK(groups.bounced() == 1);
    CHECK(groups.worst_exit_code() == 1);
    REQUIRE(groups.causes().size() == 2);
    CHECK(groups.causes()[0].count == 3);
    CHECK(groups.causes()[0].first_seen == "10:00");
    CHECK(groups.causes()[0].last_seen == "10:09");
    REQUIRE(groups.groups().size() == 2);
    CHECK(groups.groups()[0].sending_ip == "198.51.100.7");
    CHECK(groups.groups()[0].log_host == "gw2");
    CHECK(groups.groups()[0].deferred == 3);
    // Beyond the cap, findings are counted but not grouped.
    add("550 5.7.1 blocked using bl.one.example", "gw1", "");
    add("550 5.7.1 blocked using bl.two.example", "gw1", "");
    CHECK(groups.total() == 6);
    CHECK(groups.causes().size() == 3);
    CHECK(groups.ungrouped() == 1);
}

TEST_CASE("explain: knowledge is data: a new rule needs no code") {
    auto k = parse_bounce_knowledge(R"(
[[provider]]
id = "acme"
name = "ACME Mail"
hosts = [".acme.example"]

[[rejection]]
id = "acme-x42"
category = "provider-blocklist"
provider = "acme"
patterns = ['ACME-(?P<code>X\d\d) for (?P<ip>[0-9.]+)']
cause = "ACME lists {ip} ({code})."
steps = ["Mail abuse@acme.example about {ip}."]
)",
                                    "inline.toml");
    REQUIRE(k.ok());
    Rejection r;
    r.reply = "550 ACME-X42 for 192.0.2.5";
    r.remote_host = "MX1.ACME.EXAMPLE";
    const auto e = explain(r, k.value(), nullptr);
    CHECK(rule_id(e) == "acme-x42");
    CHECK(e.provider->name == "ACME Mail");
    CHECK(e.provider_code == "X42");
    CHECK(e.cause == "ACME lists 192.0.2.5 (X42).");
    CHECK(e.steps[0] == "Mail abuse@acme.example about 192.0.2.5.");
}

TEST_CASE("explain: knowledge errors name the file, line and column") {
    const auto err = [](std::string_view text) {
        auto k = parse_bounce_knowledge(text, "k.toml");
        REQUIRE_FALSE(k.ok());
        return k.error().to_string();
    };
    CHECK(err("[[rejection]]\nid = \"a\"\ncategory = \"spam\"\npatterns = ['x']\n") ==
          "k.toml:3:12: rejection a: unknown category \"spam\" (expected one of: "
          "public-blocklist, provider-blocklist, throttling, authentication, reverse-dns, "
          "rate-limit, content, policy, sender, recipient, size-quota, network, not-a-rejection, "
          "unknown)");
    CHECK(err("[[rejection]]\nid = \"a\"\ncategory = \"content\"\npatterns = ['ok', '(unclosed']\n")
              .starts_with("k.toml:4:19: rejection a: pattern '(unclosed' is not a valid RE2 "
                           "expression: missing )"));
    CHECK(err("[[rejection]]\nid = \"a\"\ncategory = \"content\"\nstatuses = [\"5.7\"]\n") ==
          "k.toml:4:12: rejection a: \"5.7\" is not an enhanced status code like 5.7.1");
    CHECK(err("[[rejection]]\nid = \"a\"\ncategory = \"content\"\npatterns = ['x']\nprovider = "
              "\"nobody\"\n") == "k.toml:5:12: rejection a: unknown provider \"nobody\"");
    CHECK(err("[[rejection]]\nid = \"a\"\ncategory = \"content\"\npatterns = ['x']\ndelist = "
              "\"javascript:alert(1)\"\n") ==
          "k.toml:5:10: rejection a: 'delist' must be an http(s):// or mailto: address");
    CHECK(err("[[provider]]\nid = \"p\"\nhostz = []\n") ==
          "k.toml:3:9: [[provider]]: unknown key 'hostz'");
    CHECK(err("[[rejection]]\nid = \"a\"\ncategory = \"content\"\n") ==
          "k.toml:1:1: rejection a: needs 'patterns', 'statuses', 'actions' or 'stages'");
}
