// explain's reader on whatever a user pastes: replies with text before them, bounce bodies
// that start with the recipient line, folded and quoted text, HTML-only NDRs, pasted DSN
// blocks, mboxes, and the reports that are not rejections. Short synthetic texts.

#include "explain_fixture.hpp"

#include <string>

using namespace rblscope;
using explain_test::catalog;
using explain_test::knowledge;
using explain_test::read_all;

namespace {

/// The rejections in `text` (read as the CLI reads: with the knowledge) and their meaning.
std::vector<std::pair<Rejection, Explanation>> explained(std::string_view text) {
    std::vector<std::pair<Rejection, Explanation>> out;
    for (auto& r : read_all(text, 5, true)) {
        auto e = explain(r, knowledge(), &catalog());
        out.emplace_back(std::move(r), std::move(e));
    }
    return out;
}

std::string category(std::string_view text) {
    const auto found = explained(text);
    REQUIRE(found.size() == 1);
    return std::string(to_string(found[0].second.category));
}

} // namespace

TEST_SUITE_BEGIN("explain");

TEST_CASE("explain reader: a reply with any text before it is found") {
    for (const std::string prefix : {"Deferred: ",
                                     "Error: ",
                                     "Reason: ",
                                     "Diagnostic: smtp; ",
                                     "The server said '",
                                     "smtp;",
                                     "Remote server replied 550 "}) {
        const auto text =
            (prefix.ends_with("550 ") ? prefix.substr(0, prefix.size() - 4) : prefix) +
            "550 5.7.1 Service unavailable; Client host [192.0.2.9] blocked using "
            "zen.spamhaus.org\n";
        CAPTURE(text);
        const auto found = explained(text);
        REQUIRE(found.size() == 1);
        CHECK(found[0].first.reply.starts_with("550 5.7.1 Service unavailable"));
        CHECK(found[0].second.category == RejectCategory::public_blocklist);
        CHECK(found[0].second.enhanced_code == "5.7.1");
        CHECK(found[0].second.sending_ip == "192.0.2.9");
    }
    // A number is not a reply: "size 500 bytes" alone gives nothing.
    CHECK(explained("The message of size 500 bytes was sent at 10:00\n").empty());
}

TEST_CASE("explain reader: bounce bodies that start with the recipient line") {
    const auto postfix = explained(
        "<user@example.com>: host mx.example.net[192.0.2.1] said: 550 5.7.1\n"
        "    Client host [192.0.2.9] blocked using zen.spamhaus.org (in reply to RCPT TO\n"
        "    command)\n");
    REQUIRE(postfix.size() == 1);
    CHECK(postfix[0].first.recipient == "user@example.com");
    CHECK(postfix[0].first.remote_host == "mx.example.net");
    CHECK(postfix[0].first.remote_ip == "192.0.2.1");
    CHECK(postfix[0].first.command == "RCPT TO");
    CHECK(postfix[0].second.category == RejectCategory::public_blocklist);

    const auto qmail = explained("<user@example.com>:\n"
                                 "192.0.2.1 failed after I sent the message.\n"
                                 "Remote host said: 554 5.7.1 Message rejected:\n"
                                 "the message looks like spam\n");
    REQUIRE(qmail.size() == 1);
    CHECK(qmail[0].first.recipient == "user@example.com");
    CHECK(qmail[0].first.remote_ip == "192.0.2.1");
    CHECK(qmail[0].second.category == RejectCategory::content);

    CHECK(category("<user@example.com>:\n"
                   "Connected to 192.0.2.1 but my name was rejected.\n"
                   "Remote host said: 550 Go away\n") == "reverse-dns");
    // Postfix's greeting refusal: an "Access denied" before MAIL FROM is about the IP.
    const auto greeting = explained("<user@example.com>: host mx.example.net[192.0.2.1] refused "
                                    "to talk to me:\n    554 5.7.1 Access denied\n");
    REQUIRE(greeting.size() == 1);
    CHECK(greeting[0].first.command == "greeting");
    CHECK(greeting[0].second.category == RejectCategory::provider_blocklist);
}

TEST_CASE("explain reader: quoted, folded, HTML-only and pasted DSN text") {
    CHECK(category("> ----- Forwarded message -----\n"
                   "> <user@example.com>: host mx.example.net[192.0.2.1] said: 552 5.2.2\n"
                   ">     Mailbox full (in reply to RCPT TO command)\n") == "size-quota");
    // Folded at 72 columns, the reply code at the start of the second line.
    CHECK(category("We could not deliver your message to user@example.com. The remote server\n"
                   "550 5.1.1 The email account that you tried to reach does not exist.\n") ==
          "recipient");
    const auto html =
        explained("From: postmaster@example.com\n"
                  "Subject: Undeliverable: hello\n"
                  "MIME-Version: 1.0\n"
                  "Content-Type: text/html; charset=utf-8\n"
                  "\n"
                  "<html><body><p>Your message to <b>user@example.com</b> couldn&#39;t be "
                  "delivered.</p><p><b>user</b> wasn't found at example.com.</p></body></html>\n");
    REQUIRE(html.size() >= 1);
    CHECK(html[0].second.category == RejectCategory::recipient);
    CHECK(html[0].first.recipient == "user@example.com");

    const auto dsn =
        explained("Final-Recipient: rfc822; user@example.com\n"
                  "Action: failed\n"
                  "Status: 5.1.1\n"
                  "Remote-MTA: dns; mx.example.net\n"
                  "Diagnostic-Code: smtp; 550 5.1.1 <user@example.com>: User unknown\n");
    REQUIRE(dsn.size() == 1);
    CHECK(dsn[0].first.recipient == "user@example.com");
    CHECK(dsn[0].first.remote_host == "mx.example.net");
    CHECK(dsn[0].second.category == RejectCategory::recipient);

    // Exchange 2003: no reply code, only the sentence.
    CHECK(category("Your message did not reach some or all of the intended recipients.\n\n"
                   "      Subject: hello\n\n"
                   "The following recipient(s) cannot be reached:\n\n"
                   "      user@example.com on 1/1/2026 10:00 AM\n"
                   "            The e-mail account does not exist at the organization this "
                   "message was sent to.\n") == "recipient");
}

TEST_CASE("explain reader: an mbox holds several bounces") {
    const std::string one = "From MAILER-DAEMON Thu Jan  1 00:00:00 2026\n"
                            "From: MAILER-DAEMON@gw.example.org\n"
                            "Subject: Undelivered Mail Returned to Sender\n"
                            "\n"
                            "<a@example.com>: host mx.example.com[192.0.2.1] said: 550 5.1.1 "
                            "User unknown (in reply to RCPT TO command)\n"
                            "\n";
    const std::string two = "From MAILER-DAEMON Thu Jan  1 00:00:01 2026\n"
                            "From: MAILER-DAEMON@gw.example.org\n"
                            "Subject: Undelivered Mail Returned to Sender\n"
                            "\n"
                            "<b@example.net>: host mx.example.net[192.0.2.2] said: 554 5.7.1 "
                            "Client host rejected: Access denied\n";
    const auto found = explained(one + two);
    REQUIRE(found.size() == 2);
    CHECK(found[0].first.recipient == "a@example.com");
    CHECK(found[1].first.recipient == "b@example.net");
}

TEST_CASE("explain reader: reports that are not rejections say what they are") {
    const auto arf =
        explained("From: staff@feedback.example.net\n"
                  "Subject: complaint about message from 192.0.2.7\n"
                  "MIME-Version: 1.0\n"
                  "Content-Type: multipart/report; report-type=feedback-report; boundary=\"b\"\n"
                  "\n"
                  "--b\n"
                  "Content-Type: text/plain\n"
                  "\n"
                  "This is an email abuse report for a message received from IP 192.0.2.7.\n"
                  "--b\n"
                  "Content-Type: message/feedback-report\n"
                  "\n"
                  "Feedback-Type: abuse\n"
                  "User-Agent: ExampleFBL/1.0\n"
                  "Version: 1\n"
                  "Source-IP: 192.0.2.7\n"
                  "Original-Rcpt-To: <one@example.net>\n"
                  "Reporting-MTA: dns; mx.yahoo.com\n"
                  "\n"
                  "--b\n"
                  "Content-Type: message/rfc822\n"
                  "\n"
                  "Subject: buy now\n"
                  "\n"
                  "spam spam\n"
                  "--b--\n");
    REQUIRE(arf.size() == 1);
    CHECK(arf[0].first.action == "feedback");
    CHECK(arf[0].second.category == RejectCategory::not_a_rejection);
    CHECK(arf[0].second.sending_ip == "192.0.2.7");
    REQUIRE(arf[0].second.provider != nullptr);
    CHECK(arf[0].second.provider->id == "yahoo");

    const auto away = explained("From: Someone <someone@example.org>\n"
                                "Subject: Out of Office: hello\n"
                                "Auto-Submitted: auto-replied\n"
                                "\n"
                                "I am away until Monday and will read mail then.\n");
    REQUIRE(away.size() == 1);
    CHECK(away[0].first.action == "auto-reply");
    CHECK(away[0].second.category == RejectCategory::not_a_rejection);
    CHECK(away[0].second.exit_code == 0);

    const auto delivered = explained("From: MAILER-DAEMON@gw.example.org\n"
                                     "Subject: Successful Mail Delivery Report\n"
                                     "MIME-Version: 1.0\n"
                                     "Content-Type: multipart/report; report-type=delivery-status;"
                                     " boundary=\"d\"\n"
                                     "\n"
                                     "--d\n"
                                     "Content-Type: text/plain\n"
                                     "\n"
                                     "Your message was successfully delivered to the destination.\n"
                                     "--d\n"
                                     "Content-Type: message/delivery-status\n"
                                     "\n"
                                     "Reporting-MTA: dns; gw.example.org\n"
                                     "\n"
                                     "Final-Recipient: rfc822; a@example.com\n"
                                     "Action: delivered\n"
                                     "Status: 2.0.0\n"
                                     "--d--\n");
    REQUIRE(delivered.size() == 1);
    CHECK(delivered[0].first.action == "delivered");
    CHECK(delivered[0].second.category == RejectCategory::not_a_rejection);

    // A pasted auto-reply or complaint, without the headers.
    CHECK(category("Automatic reply: I am out of the office until 5 May.\n") == "not-a-rejection");
}

TEST_CASE("explain reader: delays and expiries are named as such") {
    for (const std::string_view text :
         {"<user@example.com>: retry timeout exceeded\n",
          "Delivery to the following recipient has been delayed: user@example.com\n",
          "451 4.4.7 Envelope expired for user@example.com\n",
          "Could not deliver for the last 432000 seconds. Giving up.\n"}) {
        CAPTURE(text);
        const auto found = explained(text);
        REQUIRE(found.size() == 1);
        CHECK(found[0].second.rule != nullptr);
        CHECK(found[0].second.rule->id == "queue-expired");
    }
}

TEST_CASE("explain: sharper categories") {
    const auto cat = [](std::string_view reply, std::string_view command = "") {
        Rejection r;
        r.reply = std::string(reply);
        r.command = std::string(command);
        return std::string(to_string(explain(r, knowledge(), &catalog()).category));
    };
    CHECK(cat("554 5.7.1 Please use your ISP's relay to send mail") == "provider-blocklist");
    CHECK(cat("550 5.7.1 Mail from dynamic IP addresses is not accepted") == "provider-blocklist");
    CHECK(cat("554 5.7.1 Access denied", "greeting") == "provider-blocklist");
    CHECK(cat("550 5.7.1 Access denied", "MAIL FROM") == "sender");
    CHECK(cat("550 5.7.1 <mx.local>: Helo command rejected: Host not found") == "reverse-dns");
    CHECK(cat("530 5.7.0 Unauthenticated senders not allowed") == "policy");
    CHECK(cat("550 5.1.8 <a@nx.example>: Sender address rejected: Domain not found") == "sender");
    CHECK(cat("554 5.7.1 <a@example.com>: Relay access denied") == "sender");
    CHECK(cat("552 5.3.4 Message size exceeds fixed maximum message size") == "size-quota");
    CHECK(cat("452 4.2.2 The email account that you tried to reach is over quota") == "size-quota");
    CHECK(cat("550 5.7.1 This message is not RFC 5322 compliant. There are multiple From "
              "addresses") == "policy");
    CHECK(cat("Host or domain name not found. Name service error for name=nx.example type=MX: "
              "Host not found") == "recipient");
    CHECK(cat("Host or domain name not found. Name service error for name=example.com type=MX: "
              "Host not found, try again") == "network");
}

TEST_CASE("explain: the provider from host names and addresses in the text") {
    const auto provider = [](std::string_view reply) {
        Rejection r;
        r.reply = std::string(reply);
        const auto e = explain(r, knowledge(), &catalog());
        return e.provider == nullptr ? std::string() : e.provider->id;
    };
    CHECK(provider("550 5.4.1 Recipient address rejected: Access denied "
                   "[BL2NAM02FT061.eop-nam02.prod.protection.outlook.com]") == "microsoft-365");
    CHECK(provider("550 <someone@docomo.ne.jp>: User unknown") == "docomo");
    CHECK(provider("550 Ip frequency limited. http://service.mail.qq.com/detail/0/34") ==
          "tencent");
    CHECK(provider("554 5.7.9 Message not accepted for policy reasons. See "
                   "https://postmaster.verizonmedia.com/error-codes") == "yahoo");
    CHECK(provider("550 5.7.1 nothing that names anyone") == "");
}

TEST_CASE("explain reader: no input with a reply code ends in 0 findings") {
    for (const std::string_view text : {
             "Error: 421 4.7.0 Try again later\n",
             "queue 4F1: said 451 Temporary local problem\n",
             "(reason: 550 5.7.1 Rejected)\n",
             "Final answer was: 554 Transaction failed\n",
             "From: a@example.com\nSubject: x\n\nThe receiving server answered: 550 No.\n",
             "<x@example.com>:\nSorry, I couldn't find any host named example.invalid. (#5.1.2)\n",
         }) {
        CAPTURE(text);
        CHECK(!explained(text).empty());
    }
}

TEST_SUITE_END();
