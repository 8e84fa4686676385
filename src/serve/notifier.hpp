#pragma once
// serve's notifications (internal): the changes a refresh found go through the history's
// debounce (HistoryStore::confirm), are queued in its outbox per [[notify]] table that wants
// them, and are delivered from the exporter's loop (libcurl: HTTP POST or SMTP), one
// transfer per notifier at a time, within its rate limit, retried with backoff. A check
// never waits for a receiver.

#include "net/event_loop.hpp"
#include "net/http_client.hpp"
#include "rblscope/serve.hpp"

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace rblscope::exporter {

class Notifier {
  public:
    using Clock = std::chrono::steady_clock;

    Notifier(EventLoop& loop, HistoryStore& history, ServeLog log);

    /// Takes the [[notify]] tables (and catalog, CA file) of a newly applied setup.
    void configure(std::shared_ptr<const ServeSetup> setup);

    /// One refreshed target: its changes (from HistoryStore::record) held, and what the
    /// refresh confirmed queued for each notifier whose filters take it.
    void on_target(const TargetReport& report, const std::vector<ResultChange>& changes);

    /// Runs finished deliveries' callbacks and starts the deliveries that are due.
    void pump();

    /// When pump() has something to do next (a retry, a token of the rate limit).
    [[nodiscard]] std::optional<Clock::time_point> next_due() const;

  private:
    struct Channel {
        NotifierConfig config;
        double tokens = 0;
        Clock::time_point refilled = Clock::now();
        bool busy = false; ///< one delivery at a time keeps the order of changes
    };

    void refill(Channel& c, Clock::time_point now) const;
    void deliver(Channel& c, const std::vector<Notice>& notices);
    void delivered(const std::string& channel,
                   const std::vector<std::int64_t>& ids,
                   int attempts,
                   const HttpResponse& response);
    void schedule_from_outbox(std::int64_t now, const std::vector<std::string>& names);

    EventLoop& m_loop;
    HistoryStore& m_history;
    ServeLog m_log;
    std::shared_ptr<const ServeSetup> m_setup;
    std::unique_ptr<HttpClient> m_http;
    std::string m_ca_file;
    std::map<std::string, Channel> m_channels;
    std::string m_instance;
    /// Unix time of the next outbox row due; nullopt: nothing waits.
    std::optional<std::int64_t> m_next_row;
    std::optional<Clock::time_point> m_wake; ///< a token of a rate limit
};

/// Delay before retry number `attempts` (1, 2, ...): 30 s doubling up to an hour, or the
/// receiver's Retry-After when it gives one (within the same hour).
[[nodiscard]] std::chrono::seconds retry_delay(int attempts, std::optional<long> retry_after_s);

} // namespace rblscope::exporter
