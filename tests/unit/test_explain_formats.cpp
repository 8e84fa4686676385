// explain on the report shapes that carry no SMTP code or put it where the readers did not
// look (Lotus Notes, iMail, Exchange 2003, Sendmail V5 transcripts, DragonFly), on reports
// that say only "not delivered", and on the provider codes kept as data (Orange, Spectrum).
// Short synthetic texts.

#include "explain_fixture.hpp"

#include <string>

using namespace rblscope;
using explain_test::catalog;
using explain_test::knowledge;
using explain_test::read_all;

namespace {

struct Found {
    Rejection rejection;
    Explanation explanation;
    [[nodiscard]] std::string category() const {
        return std::string(to_string(explanation.category));
    }
    [[nodiscard]] std::string rule() const {
        return explanation.rule == nullptr ? std::string() : explanation.rule->id;
    }
    [[nodiscard]] std::string provider() const {
        return explanation.provider == nullptr ? std::string() : explanation.provider->id;
    }
};

std::vector<Found> explained(std::string_view text) {
    std::vector<Found> out;
    for (auto& r : read_all(text, 5, true)) {
        auto e = explain(r, knowledge(), &catalog());
        out.push_back({std::move(r), std::move(e)});
    }
    return out;
}

Found one(std::string_view text) {
    auto found = explained(text);
    REQUIRE(found.size() == 1);
    return found[0];
}

Found reply(std::string_view text, std::string_view command = "") {
    Rejection r;
    r.reply = std::string(text);
    r.command = std::string(command);
    auto e = explain(r, knowledge(), &catalog());
    return {std::move(r), std::move(e)};
}

const std::string k_bounce_headers = "From: MAILER-DAEMON@gw.example.org\n"
                                     "To: sender@example.org\n"
                                     "Subject: Undeliverable Mail\n"
                                     "\n";

} // namespace

TEST_SUITE_BEGIN("explain");

TEST_CASE("explain formats: Lotus Notes, iMail and Exchange 2003 reports") {
    const auto notes = one(k_bounce_headers + "------- Failure Reasons  --------\n"
                                              "\n"
                                              "User not listed in public Name & Address Book\n"
                                              "user@example.com\n"
                                              "\n"
                                              "------- Returned Message --------\n"
                                              "Subject: hello\n"
                                              "\n"
                                              "550 this line is the original, never read\n");
    CHECK(notes.rejection.recipient == "user@example.com");
    CHECK(notes.category() == "recipient");

    const auto imail = one(k_bounce_headers + "Invalid final delivery userid: user@example.com\n"
                                              "\n"
                                              "Original message follows.\n");
    CHECK(imail.category() == "recipient");
    CHECK(imail.rejection.recipient == "user@example.com");
    CHECK(one(k_bounce_headers + "Delivery failed 20 attempts: user@example.com\n").rule() ==
          "queue-expired");

    // The summary block ("To:<TAB>address") is not a recipient's report; the indented
    // "address on DATE" line under "could not be reached" is.
    const auto exchange = one("From: System Administrator <postmaster@example.com>\n"
                              "Subject: Undeliverable: hello\n"
                              "\n"
                              "Your message did not reach some or all of the intended "
                              "recipients.\n"
                              "\n"
                              "      To:\tsender@example.jp\n"
                              "      Subject:\thello\n"
                              "\n"
                              "The following recipient(s) could not be reached:\n"
                              "\n"
                              "      user@example.com on 4/29/01 11:34:45 PM\n"
                              "            Recipient Not Found\n"
                              "            MSEXCH:IMC:EXAMPLE:SITE:SERVER\n");
    CHECK(exchange.rejection.recipient == "user@example.com");
    CHECK(exchange.category() == "recipient");
}

TEST_CASE("explain formats: Gmail's report goes on past its blank lines") {
    const auto gmail = one("From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>\n"
                           "Subject: Delivery Status Notification (Failure)\n"
                           "\n"
                           "Delivery to the following recipient failed permanently:\n"
                           "\n"
                           "     user@example.jp\n"
                           "\n"
                           "Technical details of permanent failure:\n"
                           "Google tried to deliver your message, but it was rejected by the "
                           "server for the recipient domain example.jp by mx.example.jp. "
                           "[192.0.2.153].\n"
                           "\n"
                           "The error that the other server returned was:\n"
                           "550 5.1.1 <user@example.jp>... User Unknown\n"
                           "\n"
                           "----- Original message -----\n");
    CHECK(gmail.rejection.recipient == "user@example.jp");
    CHECK(gmail.rejection.remote_host == "mx.example.jp");
    CHECK(gmail.rejection.remote_ip == "192.0.2.153");
    CHECK(gmail.rejection.reply == "550 5.1.1 <user@example.jp>... User Unknown");
    CHECK(gmail.category() == "recipient");
    CHECK(gmail.provider().empty()); // Gmail sent it; example.jp refused it
}

TEST_CASE("explain formats: Sendmail transcripts give each recipient its own result") {
    const auto found = explained(k_bounce_headers +
                                 "   ----- Transcript of session follows -----\n"
                                 "While talking to mx.example.org:\n"
                                 ">>> MAIL From:<sender@example.co.jp>\n"
                                 "<<< 501 <sender@example.co.jp>... no access from mail server "
                                 "[192.0.2.55] which is an open relay.\n"
                                 "554 <a@example.org>... Remote protocol error\n"
                                 "550 example.net (smtp)... 550 Host unknown\n"
                                 "554 <b@example.net>... 550 Host unknown (Authoritative answer "
                                 "from name server)\n"
                                 "While talking to smtp.example.edu:\n"
                                 ">>> RCPT To:<c@example.edu>\n"
                                 "<<< 550 <c@example.edu>... User unknown\n"
                                 "550 <c@example.edu>... User unknown\n"
                                 "\n"
                                 "   ----- Unsent message follows -----\n");
    REQUIRE(found.size() == 3);
    CHECK(found[0].rejection.recipient == "a@example.org");
    CHECK(found[0].category() == "provider-blocklist"); // the MAIL FROM refusal was a's
    CHECK(found[0].rejection.remote_host == "mx.example.org");
    CHECK(found[1].rejection.recipient == "b@example.net");
    CHECK(found[1].rule() == "recipient-domain");
    CHECK(found[2].rejection.recipient == "c@example.edu");
    CHECK(found[2].rule() == "recipient-unknown");
}

TEST_CASE("explain formats: the SMTP command is named the same whoever wrote it") {
    // Exim writes the command with its argument: "after EHLO name", "after RCPT TO:<a@b>".
    const auto exim = one(k_bounce_headers +
                          "A message that you sent could not be delivered to one or more of its\n"
                          "recipients. This is a permanent error. The following address(es) "
                          "failed:\n"
                          "\n"
                          "  user@example.com\n"
                          "    host mx.example.com [192.0.2.8]\n"
                          "    SMTP error from remote mail server after EHLO gw.example.org:\n"
                          "    550 Go away\n");
    CHECK(exim.rejection.command == "EHLO");
    CHECK(exim.category() == "reverse-dns"); // refused at EHLO, in words no rule knows
    const auto rcpt = one(k_bounce_headers + "  user@example.com\n"
                                             "    host mx.example.com [192.0.2.8]\n"
                                             "    SMTP error from remote mail server after "
                                             "RCPT TO:<user@example.com>:\n"
                                             "    550 5.1.1 No such user\n");
    CHECK(rcpt.rejection.command == "RCPT TO");
    CHECK(one(k_bounce_headers + "  user@example.com\n"
                                 "    SMTP error from remote mail server after end of data:\n"
                                 "    554 5.7.1 Message rejected as spam\n")
              .rejection.command == "DATA");
}

TEST_CASE("explain formats: a bounce that says only 'not delivered' is never 0 findings") {
    const auto vague = one(k_bounce_headers + "This is the mail system at host gw.example.org.\n"
                                              "\n"
                                              "I'm sorry to have to inform you that your message "
                                              "could not\n"
                                              "be delivered to one or more recipients.\n");
    CHECK(vague.rule() == "undelivered-no-reason");
    CHECK(vague.category() == "unknown");
    CHECK(vague.explanation.exit_code == 1); // not worse than a warning: we cannot tell
    // A paragraph that says why wins over the one that says only that it failed.
    const auto dragonfly =
        one(k_bounce_headers + "There was an error delivering your mail to <user@nx.example>.\n"
                               "\n"
                               "DNS lookup failure: host nx.example not found\n"
                               "\n"
                               "Message headers follow.\n"
                               "\n"
                               "Subject: 550 not this one\n");
    CHECK(dragonfly.rule() == "recipient-domain");
    CHECK(dragonfly.rejection.recipient == "user@nx.example");
    // A status code says more than "not delivered".
    CHECK(reply("The following mail could not be delivered.").category() == "unknown");
    Rejection with_status;
    with_status.reply = "The following mail could not be delivered.";
    with_status.status = "5.1.1";
    CHECK(explain(with_status, knowledge(), &catalog()).category == RejectCategory::recipient);
}

TEST_CASE("explain formats: the recipient from X-Failed-Recipients or the returned message") {
    const auto found = one("From: MAILER-DAEMON@gw.example.org\n"
                           "Subject: Mail delivery failed\n"
                           "MIME-Version: 1.0\n"
                           "Content-Type: multipart/mixed; boundary=\"b\"\n"
                           "\n"
                           "--b\n"
                           "Content-Type: text/plain\n"
                           "\n"
                           "Your message could not be delivered: 550 5.7.1 Message refused\n"
                           "--b\n"
                           "Content-Type: message/rfc822\n"
                           "\n"
                           "From: sender@example.org\n"
                           "To: Someone <someone@gmail.com>\n"
                           "Subject: hello\n"
                           "\n"
                           "hello\n"
                           "--b--\n");
    CHECK(found.rejection.recipient == "someone@gmail.com");
    CHECK(found.provider() == "google"); // inferred from the recipient's domain
    CHECK(found.explanation.provider_inferred);
    // Sendmail's local mailer exit code in an X-Unix Diagnostic-Code.
    const auto x_unix = one("From: MAILER-DAEMON@gw.example.org\n"
                            "Subject: Warning: could not send message for past 4 hours\n"
                            "MIME-Version: 1.0\n"
                            "Content-Type: multipart/report; report-type=delivery-status; "
                            "boundary=\"d\"\n"
                            "\n"
                            "--d\n"
                            "Content-Type: text/plain\n"
                            "\n"
                            "451 4.0.0 Operating system error\n"
                            "--d\n"
                            "Content-Type: message/delivery-status\n"
                            "\n"
                            "Reporting-MTA: dns; gw.example.org\n"
                            "\n"
                            "Final-Recipient: RFC822; user@example.jp\n"
                            "Action: delayed\n"
                            "Status: 4.5.0\n"
                            "Diagnostic-Code: X-Unix; 71\n"
                            "--d--\n");
    CHECK(x_unix.rejection.reply == "local delivery program exited with status 71");
    CHECK(x_unix.rule() == "mailer-error");
}

TEST_CASE("explain formats: replies that name the recipient, the address or the relay") {
    // Microsoft 365's directory-based edge blocking: the recipient does not exist.
    CHECK(reply("550 5.4.1 Recipient address rejected: Access denied. [BL2NAM02FT061.eop-nam02."
                "prod.protection.outlook.com]")
              .category() == "recipient");
    CHECK(reply("525 5.7.13 <a@example.org>: Recipient address rejected: Disabled recipient "
                "address")
              .category() == "recipient");
    // Postfix's prefix with another reason keeps that reason.
    CHECK(reply("552 5.2.3 <a@example.org>: Recipient address rejected: Message length exceeds "
                "administrative limit")
              .category() == "size-quota");
    CHECK(reply("550 Sorry, you are sending to/from an address that has been blacklisted")
              .category() == "sender");
    CHECK(reply("550 Insecure Mail Relay").category() == "provider-blocklist");
}

TEST_CASE("explain formats: a refusal at the greeting names no cause but the address") {
    // Postfix's own sentence, after "delivery temporarily suspended:", in a bounce body and in
    // an X-Postfix Diagnostic-Code.
    const auto body = one("<user@example.com>: delivery temporarily suspended: host\n"
                          "    mx.example.net[192.0.2.7] refused to talk to me: 421 Service not\n"
                          "    available, closing transmission channel\n");
    CHECK(body.rejection.command == "greeting");
    CHECK(body.rejection.remote_ip == "192.0.2.7");
    CHECK(body.rule() == "greeting-refused");
    CHECK(body.category() == "provider-blocklist");
    const auto dsn = one("Final-Recipient: rfc822; user@example.com\n"
                         "Action: failed\n"
                         "Status: 4.0.0\n"
                         "Diagnostic-Code: X-Postfix; delivery temporarily suspended: host\n"
                         "    mx.example.net[192.0.2.7] refused to talk to me: 554 No SMTP\n"
                         "    service here\n");
    CHECK(dsn.rejection.remote_host == "mx.example.net");
    CHECK(dsn.rejection.reply == "554 No SMTP service here");
    CHECK(dsn.rule() == "greeting-refused");
    // A greeting that says why keeps its own rule.
    CHECK(reply("421 4.7.0 Too many connections from your IP", "greeting").rule() == "rate-limit");
    // The same vague words later in the session are not about the address.
    CHECK(reply("421 Service not available, closing transmission channel", "DATA").rule() ==
          "network");
}

TEST_CASE("explain formats: provider codes are data (Orange, Spectrum)") {
    const auto orange = [](std::string_view text) { return reply(text).category(); };
    CHECK(orange("421 mwinf5c77 ME Service refuse. Veuillez essayer plus tard. OFR_999 [999]") ==
          "provider-blocklist");
    CHECK(orange("554 5.7.1 <gw.example.net[192.0.2.1]:49309>: Client host rejected: #216 lpn "
                 "LPN000_630") == "policy");
    CHECK(orange("421 mwinf5c10 ME Trop de connexions, veuillez verifier votre configuration. "
                 "OFR004_104 [104]") == "rate-limit");
    CHECK(orange("550 5.1.1 Adresse d au moins un destinataire invalide. LPN007_416") ==
          "recipient");
    const auto spectrum = reply("550 5.1.0 <a@example.org> sender rejected. Please see "
                                "https://www.spectrum.net/support/internet/"
                                "understanding-email-error-codes for more information. "
                                "AUP#In-1310");
    CHECK(spectrum.category() == "rate-limit");
    CHECK(spectrum.provider() == "spectrum");
    CHECK(spectrum.explanation.provider_code == "1310");
    CHECK(reply("554 cmsmtp 192.0.2.1 blocked. AUP#In-1000").category() == "provider-blocklist");
    CHECK(reply("554 cmsmtp: 192.0.2.1 is listed by Spamhaus. AUP#In-1220").rule() ==
          "spectrum-spamhaus");
}

TEST_CASE("explain formats: the provider from its own wording") {
    CHECK(reply("550 Requested action not taken: mailbox unavailable "
                "(-1914195828:3840:-2147467259)")
              .provider() == "outlook-com");
    CHECK(reply("552-5.7.0 This message was blocked because its content presents a potential")
              .provider() == "google");
    CHECK(reply("550-5.7.26 The MAIL FROM domain [mail.example.jp] has an SPF record with a hard "
                "fail")
              .provider() == "google");
    CHECK(reply("550 5.1.1 <a@privaterelay.appleid.com>: user not found").provider() == "apple");
}

TEST_CASE("explain formats: pasted auto-replies and authentication failure reports") {
    CHECK(one("I am currently away, returning to the office on 5 May. I will have limited access "
              "to email and will respond upon my return.\n")
              .category() == "not-a-rejection");
    CHECK(one("This is an authentication failure report for an email message received from IP "
              "192.0.2.3.\n")
              .rule() == "report-feedback");
}

TEST_SUITE_END();
