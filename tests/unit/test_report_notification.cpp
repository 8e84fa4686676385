// serve's notification messages: each format says the change, and text from the network
// cannot break out of it (Slack's <...> links, Markdown, JSON, email headers).

#include "report/notification.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

using namespace rblscope;
using nlohmann::json;

TEST_SUITE_BEGIN("report");

namespace {

Notice listing() {
    Notice n;
    n.kind = "newly-listed";
    n.target = "192.0.2.97";
    n.zone_id = "hist";
    n.zone = "hist.test";
    n.subject = "192.0.2.97";
    n.codes = {"127.0.0.2"};
    n.severity = "critical";
    n.meaning = "spam source";
    n.txt = "Listed <!channel> *now* [x](https://evil.test) \"quote\"";
    n.delist_url = "https://hist.test/remove?ip=192.0.2.97";
    n.seen = 1'765'000'000;
    n.confirmed = 1'765'000'060;
    return n;
}

NotifierConfig of(NotifierConfig::Type type) {
    NotifierConfig c;
    c.type = type;
    c.name = std::string(to_string(type));
    c.from = "rblscope@example.test";
    c.to = {"admin@example.test"};
    return c;
}

const NotificationContext k_context{nullptr, "mx1.example.test", 1'765'000'100};

} // namespace

TEST_CASE("notification: the generic webhook carries every field as JSON") {
    const auto m = render_notification(of(NotifierConfig::Type::webhook), {listing()}, k_context);
    CHECK(m.content_type == "application/json");
    const auto doc = json::parse(m.body);
    CHECK(doc["text"] == "192.0.2.97 is now listed on hist.test");
    const auto& c = doc["changes"][0];
    CHECK(c["change"] == "newly-listed");
    CHECK(c["codes"] == json::array({"127.0.0.2"}));
    CHECK(c["txt"] == listing().txt);
    CHECK(c["first_seen"] == "2025-12-06T05:46:40Z");
    CHECK(doc["instance"] == "mx1.example.test");
}

TEST_CASE("notification: Slack and Mattermost text cannot be turned into mentions or links") {
    const auto slack = json::parse(
        render_notification(of(NotifierConfig::Type::slack), {listing()}, k_context).body);
    const std::string text = slack["text"];
    CHECK(text.find("<!channel>") == std::string::npos);
    CHECK(text.find("&lt;!channel&gt;") != std::string::npos);
    CHECK(text.find("<https://hist.test/remove?ip=192.0.2.97|") != std::string::npos);
    const auto mm = json::parse(
        render_notification(of(NotifierConfig::Type::mattermost), {listing()}, k_context).body);
    const std::string md = mm["text"];
    CHECK(md.find("\\[x\\]\\(https://evil\\.test\\)") != std::string::npos);
    CHECK(md.find("\\*now\\*") != std::string::npos);
}

TEST_CASE("notification: the catalog's list name and next step are said") {
    Catalog catalog;
    Zone z;
    z.id = "hist";
    z.zone = "hist.test";
    z.name = "History Test List";
    z.next_step = "Ask History Test to remove it.";
    catalog.zones.push_back(z);
    const NotificationContext ctx{&catalog, "mx1.example.test", 1'765'000'100};
    const auto m = render_notification(of(NotifierConfig::Type::email), {listing()}, ctx);
    CHECK(m.body.find("Subject: 192.0.2.97 is now listed on History Test List (hist.test)") !=
          std::string::npos);
    CHECK(m.body.find("  Next step: Ask History Test to remove it.\r\n") != std::string::npos);
    const auto doc =
        json::parse(render_notification(of(NotifierConfig::Type::webhook), {listing()}, ctx).body);
    CHECK(doc["changes"][0]["next_step"] == "Ask History Test to remove it.");
    CHECK(doc["changes"][0]["list"] == "History Test List");
    auto gone = listing();
    gone.kind = "delisted";
    const auto d = render_notification(of(NotifierConfig::Type::email), {gone}, ctx);
    CHECK(d.body.find("Next step") == std::string::npos); // nothing left to do
}

TEST_CASE("notification: Teams gets an Adaptive Card with a removal button") {
    const auto doc = json::parse(
        render_notification(of(NotifierConfig::Type::teams), {listing()}, k_context).body);
    const auto& card = doc["attachments"][0]["content"];
    CHECK(doc["attachments"][0]["contentType"] == "application/vnd.microsoft.card.adaptive");
    CHECK(card["type"] == "AdaptiveCard");
    CHECK(card["actions"][0]["url"] == "https://hist.test/remove?ip=192.0.2.97");
}

TEST_CASE("notification: email headers hold no line break from the network; digests count") {
    auto n = listing();
    n.target = "192.0.2.97\r\nBcc: victim@example.test";
    auto second = listing();
    second.kind = "delisted";
    const auto m = render_notification(of(NotifierConfig::Type::email), {n, second}, k_context);
    const auto head = m.body.substr(0, m.body.find("\r\n\r\n"));
    CHECK(head.find("\r\nBcc:") == std::string::npos);
    CHECK(head.find("Subject: rblscope: 2 changes (1 delisted, 1 newly-listed)") !=
          std::string::npos);
    CHECK(head.find("To: admin@example.test") != std::string::npos);
    CHECK(head.find("Date: Sat, 06 Dec 2025 05:48:20 +0000") != std::string::npos);
    CHECK(m.body.find("is no longer listed on hist.test") != std::string::npos);
    // Every line ends in CRLF.
    for (std::size_t i = m.body.find('\n'); i != std::string::npos; i = m.body.find('\n', i + 1)) {
        REQUIRE(m.body[i - 1] == '\r');
    }
    auto idn = listing();
    idn.target = "bücher-und-zeitschriften-aus-aller-welt.example";
    const auto encoded = render_notification(of(NotifierConfig::Type::email), {idn}, k_context);
    const auto subject = encoded.body.find("Subject: =?UTF-8?B?");
    REQUIRE(subject != std::string::npos);
    // RFC 2047: words of at most 75 characters, folded onto lines of their own.
    const auto end = encoded.body.find("\r\nDate:");
    const auto value = encoded.body.substr(subject + 9, end - subject - 9);
    CHECK(value.find("?=\r\n =?UTF-8?B?") != std::string::npos);
    for (std::size_t at = 0; at < value.size();) {
        const auto next = value.find("\r\n ", at);
        const auto word =
            value.substr(at, next == std::string::npos ? std::string::npos : next - at);
        CHECK(word.size() <= 75);
        at = next == std::string::npos ? value.size() : next + 3;
    }
}

TEST_SUITE_END();
