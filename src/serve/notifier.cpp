// serve's notifications: filters, rate limits, delivery and retries (see notifier.hpp).

#include "serve/notifier.hpp"

#include "report/notification.hpp"
#include "serve/exporter.hpp"

#include <algorithm>
#include <fmt/format.h>

namespace rblscope::exporter {

namespace {

std::int64_t unix_seconds() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

/// An allowlist entry ("allow") is no news to page anyone about: below every min_severity.
int severity_rank(const std::string& s) {
    return s == "critical" ? 0 : s == "warning" ? 1 : s == "info" ? 2 : 3;
}

bool wants(const NotifierConfig& c, const Notice& n) {
    if (severity_rank(n.severity) > severity_rank(c.min_severity)) {
        return false;
    }
    const auto named =
        [](const std::vector<std::string>& list, const std::string& a, const std::string& b) {
            return list.empty() || std::find(list.begin(), list.end(), a) != list.end() ||
                   std::find(list.begin(), list.end(), b) != list.end();
        };
    return named(c.zones, n.zone_id, n.zone) && named(c.targets, n.target, n.target);
}

/// Seconds a confirmed change waits for others of the same refresh.
constexpr std::int64_t k_gather_s = 2;

/// Rows taken from the outbox per look; more wait for the next.
constexpr std::size_t k_rows_per_look = 500;

} // namespace

std::chrono::seconds retry_delay(int attempts, std::optional<long> retry_after_s) {
    constexpr long k_first = 30, k_most = 3600;
    long delay = k_first;
    for (int i = 1; i < attempts && delay < k_most; ++i) {
        delay *= 2;
    }
    if (retry_after_s && *retry_after_s > 0) {
        delay = *retry_after_s;
    }
    return std::chrono::seconds(std::clamp(delay, 1L, k_most));
}

Notifier::Notifier(EventLoop& loop, HistoryStore& history, ServeLog log)
    : m_loop(loop), m_history(history), m_log(std::move(log)) {
    m_instance = host_name();
    m_next_row = unix_seconds(); // what a previous run left undelivered
}

void Notifier::configure(std::shared_ptr<const ServeSetup> setup) {
    m_setup = std::move(setup);
    const auto& ca = m_setup->refresh.options.ca_file;
    if (!m_http || ca != m_ca_file) {
        m_ca_file = ca;
        m_http = std::make_unique<HttpClient>(m_loop, m_ca_file); // drops transfers in flight:
        for (auto& [name, c] : m_channels) {                      // their rows are retried
            c.busy = false;
        }
    }
    std::map<std::string, Channel> channels;
    for (const auto& config : m_setup->notifiers) {
        Channel c;
        if (auto old = m_channels.find(config.name); old != m_channels.end()) {
            c = std::move(old->second); // keeps its rate limit's state and its transfer
        } else {
            c.tokens = config.burst;
        }
        c.config = config;
        channels.emplace(config.name, std::move(c));
    }
    m_channels = std::move(channels);
    m_next_row = unix_seconds();
}

void Notifier::on_target(const TargetReport& report, const std::vector<ResultChange>& changes) {
    const auto now = unix_seconds();
    auto confirmed = m_history.confirm(report, changes, now);
    if (!confirmed) {
        m_log(ServeLogLevel::error, confirmed.error().to_string());
        return;
    }
    std::vector<Notice> queued;
    for (const auto& n : *confirmed) {
        for (const auto& [name, c] : m_channels) {
            if (wants(c.config, n)) {
                queued.push_back(n);
                queued.back().notifier = name;
            }
        }
    }
    if (queued.empty()) {
        return;
    }
    // Changes a refresh confirms within a moment of each other leave together, so that a
    // burst past the rate limit becomes one digest rather than a trickle that uses it up.
    const auto at = now + k_gather_s;
    if (auto e = m_history.enqueue(queued, at)) {
        m_log(ServeLogLevel::error, e->to_string());
        return;
    }
    m_next_row = m_next_row ? std::min(*m_next_row, at) : at;
}

void Notifier::refill(Channel& c, Clock::time_point now) const {
    const double hours = std::chrono::duration<double>(now - c.refilled).count() / 3600.0;
    c.tokens = std::min<double>(c.config.burst, c.tokens + hours * c.config.per_hour);
    c.refilled = now;
}

void Notifier::pump() {
    if (m_http) {
        m_http->drain();
    }
    const auto now_unix = unix_seconds();
    const auto now = Clock::now();
    const bool row_due = m_next_row && *m_next_row <= now_unix;
    const bool token_due = m_wake && *m_wake <= now;
    if (!row_due && !token_due) {
        return;
    }
    m_wake.reset();
    m_next_row.reset();
    std::vector<std::string> names;
    for (const auto& [name, c] : m_channels) {
        names.push_back(name);
    }
    auto due = m_history.due_notices(now_unix, k_rows_per_look, names);
    if (!due) {
        m_log(ServeLogLevel::error, due.error().to_string());
        m_next_row = now_unix + 60; // the file may come back
        return;
    }
    std::map<std::string, std::vector<Notice>> by_channel;
    for (auto& n : *due) {
        by_channel[n.notifier].push_back(std::move(n));
    }
    for (auto& [name, notices] : by_channel) {
        const auto it = m_channels.find(name);
        if (it->second.busy) {
            continue; // its delivery's end looks again
        }
        Channel& c = it->second;
        refill(c, now);
        if (c.tokens < 1) {
            const auto wait =
                std::chrono::duration<double>((1 - c.tokens) * 3600.0 / c.config.per_hour);
            const auto at = now + std::chrono::ceil<std::chrono::milliseconds>(wait);
            m_wake = m_wake ? std::min(*m_wake, at) : at;
            continue;
        }
        // Within the limit one message per change; beyond it the changes waiting go
        // together, so a burst of listings is one message, not a lost one.
        if (notices.size() > static_cast<std::size_t>(c.tokens)) {
            deliver(c, notices);
        } else {
            deliver(c, {std::move(notices.front())});
        }
        c.tokens -= 1;
    }
    schedule_from_outbox(now_unix, names);
}

void Notifier::deliver(Channel& c, const std::vector<Notice>& notices) {
    c.busy = true;
    std::vector<std::int64_t> ids;
    int attempts = 0;
    for (const auto& n : notices) {
        ids.push_back(n.id);
        attempts = std::max(attempts, n.attempts + 1);
    }
    NotificationContext context{&m_setup->catalog, m_instance, unix_seconds()};
    auto message = render_notification(c.config, notices, context);
    auto done = [this, name = c.config.name, ids, attempts](HttpResponse&& r) {
        delivered(name, ids, attempts, r);
    };
    if (c.config.type == NotifierConfig::Type::email) {
        MailRequest m;
        m.url = c.config.smtp_url;
        m.starttls = c.config.starttls;
        m.user = c.config.user;
        m.password = c.config.password;
        m.from = c.config.from;
        m.to = c.config.to;
        m.message = std::move(message.body);
        m_http->send_mail(m, std::move(done));
    } else {
        HttpRequest h;
        h.url = c.config.url;
        h.post_body = std::move(message.body);
        h.headers = {"Content-Type: " + message.content_type};
        h.max_body = std::size_t{64} * 1024;
        m_http->get(h, std::move(done));
    }
}

void Notifier::delivered(const std::string& channel,
                         const std::vector<std::int64_t>& ids,
                         int attempts,
                         const HttpResponse& r) {
    const auto it = m_channels.find(channel);
    if (it != m_channels.end()) {
        it->second.busy = false;
    }
    const bool email =
        it != m_channels.end() && it->second.config.type == NotifierConfig::Type::email;
    const bool ok = r.error.empty() && (email || (r.status >= 200 && r.status < 300));
    const auto now = unix_seconds();
    if (ok) {
        if (auto e = m_history.notices_sent(ids, now)) {
            m_log(ServeLogLevel::error, e->to_string());
        }
        m_log(ServeLogLevel::info,
              fmt::format("notify {}: delivered {} change{}",
                          channel,
                          ids.size(),
                          ids.size() == 1 ? "" : "s"));
    } else {
        // Never the URL or a password: the notifier's name, and what the receiver said.
        const std::string why = !r.error.empty() ? r.error : fmt::format("HTTP {}", r.status);
        const auto delay = retry_delay(attempts, r.retry_after_s);
        if (auto e = m_history.notices_failed(ids, now + delay.count(), why)) {
            m_log(ServeLogLevel::error, e->to_string());
        }
        m_log(ServeLogLevel::warning,
              fmt::format("notify {}: could not deliver {} change{} ({}); trying again in {} s",
                          channel,
                          ids.size(),
                          ids.size() == 1 ? "" : "s",
                          why,
                          delay.count()));
    }
    m_next_row = now; // the next change of this notifier may go now
}

void Notifier::schedule_from_outbox(std::int64_t now, const std::vector<std::string>& names) {
    auto next = m_history.next_notice_due(now, names);
    if (!next) {
        m_log(ServeLogLevel::error, next.error().to_string());
        m_next_row = now + 60;
        return;
    }
    if (*next && (!m_next_row || **next < *m_next_row)) {
        m_next_row = *next;
    }
}

std::optional<Notifier::Clock::time_point> Notifier::next_due() const {
    std::optional<Clock::time_point> at = m_wake;
    if (m_next_row) {
        const auto in =
            std::chrono::seconds(std::max<std::int64_t>(0, *m_next_row - unix_seconds()));
        const auto row_at = Clock::now() + in;
        at = at ? std::min(*at, row_at) : row_at;
    }
    return at;
}

} // namespace rblscope::exporter
