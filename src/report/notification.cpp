// serve's notifications in each receiver's format (see notification.hpp).

#include "report/notification.hpp"

#include "core/sanitize.hpp"
#include "report/history_report.hpp"
#include "report/time_text.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>
#include <openssl/evp.h>
#include <openssl/rand.h>

namespace rblscope {

namespace {

using nlohmann::json;

/// A digest names this many changes in full; the rest are counted.
constexpr std::size_t k_digest_items = 25;
/// Texts from the network are cut to this many bytes in a message.
constexpr std::size_t k_field_max = 400;

/// A value as a message carries it: sanitised again (it may come from the history file)
/// and cut at a character boundary.
std::string cut(const std::string& text) {
    return sanitize_text(text, k_field_max);
}

std::string list_name(const Notice& n, const Catalog* catalog) {
    const Zone* z = catalog != nullptr ? catalog->find(n.zone_id) : nullptr;
    if (z != nullptr && !z->name.empty() && z->name != n.zone) {
        return fmt::format("{} ({})", z->name, n.zone);
    }
    return n.zone;
}

std::string codes_text(const std::vector<std::string>& codes) {
    return fmt::format("{}", fmt::join(codes, ", "));
}

/// The facts under the headline, as (label, value) pairs; empty values left out.
std::vector<std::pair<std::string, std::string>> facts(const Notice& n, const Catalog* catalog) {
    std::vector<std::pair<std::string, std::string>> out;
    const auto add = [&](const char* label, const std::string& value) {
        if (!value.empty()) {
            out.emplace_back(label, cut(value));
        }
    };
    if (n.subject != n.target) {
        add("Asked about", n.subject);
    }
    if (n.kind != "broke" && n.kind != "recovered") {
        add("Codes", codes_text(n.codes));
        add(n.kind == "delisted" ? "Codes before" : "Codes before change",
            n.kind == "codes-changed" || n.kind == "delisted" ? codes_text(n.previous_codes) : "");
        add("Meaning", n.kind == "delisted" ? "" : n.meaning);
        add("Severity", n.severity);
        add("Reason (TXT)", n.txt);
        add("Request removal", n.kind == "delisted" ? "" : n.delist_url);
        const Zone* z = catalog != nullptr ? catalog->find(n.zone_id) : nullptr;
        const bool listing = n.kind == "newly-listed" || n.kind == "listed";
        add("Next step", z != nullptr && listing ? z->next_step : "");
    }
    add("Error", n.kind == "broke" || n.kind == "flapping" ? n.error : "");
    add("First seen", utc_text(n.seen));
    if (n.flaps > 0 && n.kind != "flapping") {
        add("Did not last before", fmt::format("{} change{}", n.flaps, n.flaps == 1 ? "" : "s"));
    }
    return out;
}

std::string digest_title(const std::vector<Notice>& notices) {
    std::map<std::string, int> kinds;
    for (const auto& n : notices) {
        ++kinds[n.kind];
    }
    std::string parts;
    for (const auto& [k, count] : kinds) {
        parts += fmt::format("{}{} {}", parts.empty() ? "" : ", ", count, k);
    }
    return fmt::format("rblscope: {} changes ({})", notices.size(), parts);
}

std::string title(const std::vector<Notice>& notices, const Catalog* catalog) {
    return notices.size() == 1 ? notice_headline(notices.front(), catalog) : digest_title(notices);
}

std::string more_text(std::size_t shown, std::size_t total) {
    return total > shown
               ? fmt::format("... and {} more (rblscope history FILE shows all)", total - shown)
               : std::string();
}

// --- Slack mrkdwn: only &, < and > are special (Slack's "Formatting text" guide).
std::string slack_escape(const std::string& text) {
    std::string out;
    for (const char c : text) {
        out += c == '&' ? "&amp;" : c == '<' ? "&lt;" : c == '>' ? "&gt;" : std::string(1, c);
    }
    return out;
}

// --- Mattermost (and Teams' TextBlock) Markdown: specials escaped with a backslash.
std::string markdown_escape(const std::string& text) {
    std::string out;
    for (const char c : text) {
        if (std::string_view("\\`*_{}[]()<>#+-.!|~").find(c) != std::string_view::npos) {
            out += '\\';
        }
        out += c;
    }
    return out;
}

/// A URL inside Markdown's (...): characters that would end it or break the line encoded.
std::string markdown_url(const std::string& url) {
    std::string out;
    for (const char c : url) {
        if (c == '(' || c == ')' || c == ' ' || c == '<' || c == '>' || c == '[' || c == ']') {
            out += fmt::format("%{:02X}", static_cast<unsigned char>(c));
        } else {
            out += c;
        }
    }
    return out;
}

/// How a text message marks up its parts; the layout (digest title, per change its
/// headline and facts, the rest counted, the footer) is the same for every text format.
struct TextStyle {
    std::string (*escape)(const std::string&);
    std::string (*link)(const std::string& url); ///< "Request removal"'s value
    const char* title;    ///< the digest's title, "{}" for the text; "" = none
    const char* headline; ///< "{}" for the headline
    const char* fact;     ///< "{}" label, "{}" value
    const char* after_change;
    const char* footer; ///< "{}" for the instance
};

std::string text_message(const std::vector<Notice>& notices,
                         const NotificationContext& ctx,
                         const TextStyle& style) {
    std::string out;
    const auto shown = std::min(notices.size(), k_digest_items);
    if (notices.size() > 1 && *style.title != '\0') {
        out += fmt::format(fmt::runtime(style.title), style.escape(digest_title(notices)));
    }
    for (std::size_t i = 0; i < shown; ++i) {
        const auto& n = notices[i];
        out += fmt::format(fmt::runtime(style.headline),
                           style.escape(notice_headline(n, ctx.catalog)));
        for (const auto& [label, value] : facts(n, ctx.catalog)) {
            out +=
                fmt::format(fmt::runtime(style.fact),
                            label,
                            label == "Request removal" ? style.link(value) : style.escape(value));
        }
        out += style.after_change;
    }
    if (const auto more = more_text(shown, notices.size()); !more.empty()) {
        out += style.escape(more) + "\n";
    }
    return out + fmt::format(fmt::runtime(style.footer), style.escape(ctx.instance));
}

std::string slack_link(const std::string& url) {
    return "<" + slack_escape(url) + "|" + slack_escape(url) + ">";
}

std::string markdown_link(const std::string& url) {
    return "[" + markdown_escape(url) + "](" + markdown_url(url) + ")";
}

std::string as_is(const std::string& text) {
    return text;
}

constexpr TextStyle k_slack{
    slack_escape, slack_link, "*{}*\n", "*{}*\n", "{}: {}\n", "", "_rblscope on {}_"};
constexpr TextStyle k_markdown{markdown_escape,
                               markdown_link,
                               "#### {}\n",
                               "**{}**\n",
                               "- {}: {}\n",
                               "",
                               "\n_rblscope on {}_"};
/// An email's body; its Subject says the digest's title.
constexpr TextStyle k_plain{
    as_is, as_is, "", "{}\n", "  {}: {}\n", "\n", "-- \nrblscope serve on {}\n"};

json change_json(const Notice& n, const Catalog* catalog) {
    const Zone* z = catalog != nullptr ? catalog->find(n.zone_id) : nullptr;
    return json{{"change", n.kind},
                {"target", n.target},
                {"zone", n.zone},
                {"zone_id", n.zone_id},
                {"list", z != nullptr ? z->name : n.zone},
                {"subject", n.subject},
                {"severity", n.severity},
                {"codes", n.codes},
                {"previous_codes", n.previous_codes},
                {"meaning", n.meaning},
                {"txt", n.txt},
                {"delist_url", n.delist_url},
                {"next_step", z != nullptr ? z->next_step : ""},
                {"error", n.error},
                {"first_seen", utc_text(n.seen, true)},
                {"confirmed", utc_text(n.confirmed, true)},
                {"flaps", n.flaps},
                {"summary", notice_headline(n, catalog)}};
}

std::string webhook_body(const std::vector<Notice>& notices, const NotificationContext& ctx) {
    json changes = json::array();
    for (const auto& n : notices) {
        changes.push_back(change_json(n, ctx.catalog));
    }
    return json{{"source", "rblscope"},
                {"version", 1},
                {"instance", ctx.instance},
                {"text", title(notices, ctx.catalog)},
                {"changes", std::move(changes)}}
        .dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string teams_body(const std::vector<Notice>& notices, const NotificationContext& ctx) {
    // An Adaptive Card in a message: what Teams' Workflows ("Post to a channel when a
    // webhook request is received") and the older connectors both accept.
    json body = json::array();
    body.push_back({{"type", "TextBlock"},
                    {"text", markdown_escape(title(notices, ctx.catalog))},
                    {"weight", "Bolder"},
                    {"size", "Medium"},
                    {"wrap", true}});
    json actions = json::array();
    const auto shown = std::min(notices.size(), k_digest_items);
    for (std::size_t i = 0; i < shown; ++i) {
        const auto& n = notices[i];
        if (notices.size() > 1) {
            body.push_back({{"type", "TextBlock"},
                            {"text", markdown_escape(notice_headline(n, ctx.catalog))},
                            {"weight", "Bolder"},
                            {"wrap", true}});
        }
        json fact_set = json::array();
        for (const auto& [label, value] : facts(n, ctx.catalog)) {
            fact_set.push_back({{"title", label}, {"value", markdown_escape(value)}});
            if (label == "Request removal" && actions.size() < 5) {
                actions.push_back({{"type", "Action.OpenUrl"},
                                   {"title", "Request removal: " + n.zone},
                                   {"url", value}});
            }
        }
        body.push_back({{"type", "FactSet"}, {"facts", std::move(fact_set)}});
    }
    if (const auto more = more_text(shown, notices.size()); !more.empty()) {
        body.push_back({{"type", "TextBlock"}, {"text", markdown_escape(more)}, {"wrap", true}});
    }
    body.push_back({{"type", "TextBlock"},
                    {"text", markdown_escape("rblscope on " + ctx.instance)},
                    {"isSubtle", true},
                    {"size", "Small"}});
    json card{{"type", "AdaptiveCard"},
              {"$schema", "http://adaptivecards.io/schemas/adaptive-card.json"},
              {"version", "1.4"},
              {"body", std::move(body)}};
    if (!actions.empty()) {
        card["actions"] = std::move(actions);
    }
    return json{{"type", "message"},
                {"attachments",
                 json::array({{{"contentType", "application/vnd.microsoft.card.adaptive"},
                               {"content", std::move(card)}}})}}
        .dump(-1, ' ', false, json::error_handler_t::replace);
}

// --- Email (RFC 5322, 8-bit UTF-8 text).

/// A header value: line breaks never (header injection); non-ASCII as RFC 2047 encoded
/// words of at most 75 characters, each on a folded line of its own.
std::string header_text(const std::string& text) {
    std::string clean = cut(text); // no control character is left, CR and LF included
    if (std::all_of(clean.begin(), clean.end(), [](char c) {
            return static_cast<unsigned char>(c) < 0x80;
        })) {
        return clean;
    }
    constexpr std::size_t k_word_bytes = 45; // 60 characters of base64
    std::string out;
    for (std::size_t at = 0; at < clean.size();) {
        auto n = std::min(k_word_bytes, clean.size() - at);
        while (at + n < clean.size() && n > 1 &&
               (static_cast<unsigned char>(clean[at + n]) & 0xC0) == 0x80) {
            --n; // a word holds whole characters
        }
        std::string b64(4 * ((n + 2) / 3) + 1, '\0');
        const int len = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(b64.data()),
                                        reinterpret_cast<const unsigned char*>(clean.data() + at),
                                        static_cast<int>(n));
        b64.resize(static_cast<std::size_t>(std::max(len, 0)));
        out += (out.empty() ? "" : "\r\n ") + ("=?UTF-8?B?" + b64 + "?=");
        at += n;
    }
    return out;
}

std::string message_id(const NotificationContext& ctx) {
    unsigned char random[12];
    if (RAND_bytes(random, sizeof random) != 1) {
        std::fill(std::begin(random), std::end(random), 0);
    }
    std::string hex;
    for (const auto b : random) {
        hex += fmt::format("{:02x}", b);
    }
    std::string host;
    for (const char c : ctx.instance) {
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '.' || c == '-') {
            host += c;
        }
    }
    return fmt::format("<{}.{}@{}>", ctx.now, hex, host.empty() ? "rblscope.invalid" : host);
}

std::string rfc5322_date(std::int64_t unix_seconds) {
    const auto t = static_cast<std::time_t>(unix_seconds);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[64];
    std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S +0000", &tm);
    return buf;
}

std::string email_message(const NotifierConfig& notifier,
                          const std::vector<Notice>& notices,
                          const NotificationContext& ctx) {
    const std::string text = text_message(notices, ctx, k_plain);
    std::string to;
    for (const auto& a : notifier.to) {
        to += (to.empty() ? "" : ", ") + a;
    }
    std::string out = fmt::format("From: rblscope <{}>\r\nTo: {}\r\nSubject: {}\r\nDate: {}\r\n"
                                  "Message-ID: {}\r\nMIME-Version: 1.0\r\n"
                                  "Content-Type: text/plain; charset=utf-8\r\n"
                                  "Content-Transfer-Encoding: 8bit\r\n"
                                  "Auto-Submitted: auto-generated\r\n\r\n",
                                  notifier.from,
                                  to,
                                  header_text(title(notices, ctx.catalog)),
                                  rfc5322_date(ctx.now),
                                  message_id(ctx));
    // Body lines end in CRLF and stay far below SMTP's 998 bytes (cut() bounds the values);
    // libcurl doubles a leading dot.
    for (const char c : text) {
        if (c == '\n') {
            out += "\r\n";
        } else if (c != '\r') {
            out += c;
        }
    }
    return out;
}

} // namespace

std::string notice_headline(const Notice& n, const Catalog* catalog) {
    const auto list = list_name(n, catalog);
    if (n.kind == "newly-listed") {
        return fmt::format("{} is now listed on {}", n.target, list);
    }
    if (n.kind == "listed") {
        return fmt::format("{} is listed on {} (found by the first checks)", n.target, list);
    }
    if (n.kind == "codes-changed") {
        return fmt::format("{} is listed on {} with other codes", n.target, list);
    }
    if (n.kind == "delisted") {
        return fmt::format("{} is no longer listed on {}", n.target, list);
    }
    if (n.kind == "broke") {
        return fmt::format("{} stopped answering (checking {}): no verdict from it until it "
                           "answers again",
                           list,
                           n.target);
    }
    if (n.kind == "recovered") {
        return fmt::format("{} answers again (checking {})", list, n.target);
    }
    if (n.kind == "flapping") {
        return fmt::format("{} keeps changing on {}: {} changes that did not last two refreshes",
                           n.target,
                           list,
                           n.flaps);
    }
    return fmt::format("{}: {} on {}", n.target, n.kind, list);
}

NotificationMessage render_notification(const NotifierConfig& notifier,
                                        const std::vector<Notice>& notices,
                                        const NotificationContext& context) {
    constexpr const char* k_json = "application/json";
    switch (notifier.type) {
    case NotifierConfig::Type::webhook:
        return {k_json, webhook_body(notices, context)};
    case NotifierConfig::Type::slack:
        return {k_json,
                json{{"text", text_message(notices, context, k_slack)}}.dump(
                    -1, ' ', false, json::error_handler_t::replace)};
    case NotifierConfig::Type::mattermost:
        return {k_json,
                json{{"text", text_message(notices, context, k_markdown)}, {"username", "rblscope"}}
                    .dump(-1, ' ', false, json::error_handler_t::replace)};
    case NotifierConfig::Type::teams:
        return {k_json, teams_body(notices, context)};
    case NotifierConfig::Type::email:
        return {"message/rfc822", email_message(notifier, notices, context)};
    }
    return {};
}

} // namespace rblscope
