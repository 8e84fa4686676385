#pragma once
// What serve's notifiers send: one confirmed change (or several, when the rate limit
// gathers them) as a generic JSON webhook, a Slack, Mattermost or Microsoft Teams message,
// or an email. Every text from the network (TXT reasons, meanings, errors) is escaped for
// the format it goes into; nothing here knows a secret.

#include "rblscope/catalog.hpp"
#include "rblscope/config.hpp"
#include "rblscope/history.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace rblscope {

struct NotificationContext {
    const Catalog* catalog = nullptr; ///< for list names; may be null
    std::string instance;             ///< the host serve runs on, said in every message
    std::int64_t now = 0;             ///< Unix time of sending (the email's Date)
};

struct NotificationMessage {
    std::string content_type; ///< webhooks: the POST's Content-Type
    std::string body;         ///< webhooks: the POST body; email: the whole message (CRLF)
};

/// One line a person reads first, e.g. "192.0.2.97 is now listed on Spamhaus ZEN
/// (zen.spamhaus.org)".
[[nodiscard]] std::string notice_headline(const Notice& notice, const Catalog* catalog);

/// The message for `notices` (one, or a digest of several) in `notifier`'s format.
[[nodiscard]] NotificationMessage render_notification(const NotifierConfig& notifier,
                                                      const std::vector<Notice>& notices,
                                                      const NotificationContext& context);

} // namespace rblscope
