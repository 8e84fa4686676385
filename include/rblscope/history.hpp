#pragma once
/// \file history.hpp
/// \brief Listing history in SQLite (`serve --history FILE`, `rblscope history FILE`): every
/// change per (target, zone) as track_changes() defines it, each refresh's summary, and the
/// state the next refresh compares with, so a restart neither forgets nor repeats.
///
/// One writer at a time (a second gets a clear Error, never a damaged file); readers work
/// beside it (WAL). Events are committed as they are found and synced (synchronous=FULL): a
/// crash or power loss loses none, and the file always opens.

#include "rblscope/changes.hpp"
#include "rblscope/engine.hpp"
#include "rblscope/error.hpp"

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

struct sqlite3;

namespace rblscope {

namespace history {
class KnownResults;
}

/// One recorded change.
struct HistoryEvent {
    std::int64_t at = 0; ///< Unix time
    std::string target, zone_id, zone, subject;
    ChangeKind kind = ChangeKind::listed;
    std::vector<std::string> codes, previous_codes;
    std::string meaning, txt, delist_url, error;
};

/// A listing: from the event that started it to the delisting that ended it (open: none yet).
struct HistoryListing {
    std::string zone_id, zone, subject;
    std::vector<std::string> codes; ///< the latest codes
    std::string meaning, txt, delist_url;
    std::int64_t since = 0;
    std::optional<std::int64_t> until;
};

/// One target's history: its listings, and the other events (a list broke or recovered).
struct HistoryTimeline {
    std::string target;
    std::vector<HistoryListing> listings; ///< by start
    std::vector<HistoryEvent> events;     ///< broke, recovered; by time
};

/// A change worth a notification: confirmed by the refresh after the one that saw it (a
/// listing seen in two refreshes in a row), then one outbox row per notifier until sent.
struct Notice {
    std::int64_t id = 0; ///< outbox row; 0 before it is queued
    std::string notifier;
    /// A ChangeKind's name, or "flapping": changes of this (target, zone) that kept undoing
    /// each other before a refresh could confirm them, `flaps` of them.
    std::string kind;
    std::string target, zone_id, zone, subject;
    std::vector<std::string> codes, previous_codes;
    std::string severity; ///< of the listing ("critical", "warning", "info"); of the codes
                          ///< before, for a delisting
    std::string meaning, txt, delist_url, error;
    std::int64_t seen = 0;      ///< when the change was first seen
    std::int64_t confirmed = 0; ///< when a refresh confirmed it
    int flaps = 0;              ///< changes that did not last, before this one
    int attempts = 0;           ///< deliveries tried
    std::string last_error;
};

/// The writer of a history file.
class HistoryStore {
  public:
    static constexpr int k_schema_version = 2;

    /// Opens (creating or migrating) `path` for writing; `retention_days` of events are kept
    /// (the latest event of each (target, zone) always: an open listing keeps its start).
    /// An Error when the file is not a history, is newer than this build, or another
    /// process writes it.
    [[nodiscard]] static Result<std::unique_ptr<HistoryStore>> open(const std::string& path,
                                                                    int retention_days);
    ~HistoryStore();
    HistoryStore(const HistoryStore&) = delete;
    HistoryStore& operator=(const HistoryStore&) = delete;
    HistoryStore(HistoryStore&&) = delete;
    HistoryStore& operator=(HistoryStore&&) = delete;

    /// Records one target's results at `now`: its changes since the last recorded results,
    /// which are returned (for notifications); the state moves on.
    [[nodiscard]] Result<std::vector<ResultChange>> record(const TargetReport& report,
                                                           std::int64_t now);
    /// Records a finished refresh, commits what is pending, and prunes old events once a day.
    [[nodiscard]] std::optional<Error>
    record_refresh(const RunSummary& summary, std::int64_t started, std::int64_t finished);
    [[nodiscard]] const std::string& path() const noexcept { return m_path; }

    /// When the first refresh still in the file started (what came before is not known);
    /// nullopt before the first refresh ends.
    [[nodiscard]] std::optional<std::int64_t> first_refresh();

    /// Deletes events older than the retention (see open()). Returns how many.
    [[nodiscard]] Result<std::int64_t> prune(std::int64_t now);

    // Notifications (history/notices.cpp).

    /// The debounce: `changes` (what record() returned for `report`) are held until the
    /// target's next refresh; returned are the held changes that refresh confirmed (the
    /// result still says the same), and a "flapping" notice once a (target, zone) has undone
    /// its own change k_flaps_to_tell times. An unanswered result neither confirms nor undoes.
    [[nodiscard]] Result<std::vector<Notice>>
    confirm(const TargetReport& report, const std::vector<ResultChange>& changes, std::int64_t now);
    static constexpr int k_flaps_to_tell = 3;
    /// Queues notices (each with its `notifier` set) for delivery at `not_before`.
    [[nodiscard]] std::optional<Error> enqueue(const std::vector<Notice>& notices,
                                               std::int64_t not_before);
    /// Notices for `notifiers` not delivered whose time has come, oldest first.
    [[nodiscard]] Result<std::vector<Notice>>
    due_notices(std::int64_t now, std::size_t limit, const std::vector<std::string>& notifiers);
    /// When the next undelivered notice for `notifiers` is due after `after`; nullopt when
    /// none waits.
    [[nodiscard]] Result<std::optional<std::int64_t>>
    next_notice_due(std::int64_t after, const std::vector<std::string>& notifiers);
    [[nodiscard]] std::optional<Error> notices_sent(const std::vector<std::int64_t>& ids,
                                                    std::int64_t now);
    [[nodiscard]] std::optional<Error> notices_failed(const std::vector<std::int64_t>& ids,
                                                      std::int64_t retry_at,
                                                      const std::string& error);

  private:
    HistoryStore() = default;
    [[nodiscard]] std::optional<Error> load_state();
    [[nodiscard]] std::optional<Error> commit_if_due(bool now);
    [[nodiscard]] std::optional<Error> load_held();
    [[nodiscard]] std::optional<Error> begin();

    std::string m_path;
    sqlite3* m_db = nullptr;
    int m_lock_fd = -1;
    int m_retention_days = 400;
    std::unique_ptr<history::KnownResults> m_known; ///< what the next results are compared with
    std::map<std::string, Notice> m_held; ///< the held table: "KEY\tlisting" / "KEY\tanswer"
    bool m_in_transaction = false;
    std::int64_t m_last_commit = 0;
    std::int64_t m_last_prune = 0;
};

/// What `rblscope history` shows: each target's timeline (`targets` empty: every target),
/// with the events at or after `since` and the listings that were open then or began later.
/// Opens the file read-only; works while a serve writes it.
[[nodiscard]] Result<std::vector<HistoryTimeline>>
read_history(const std::string& path, const std::vector<std::string>& targets, std::int64_t since);

/// `--since`: a date ("2026-12-01", midnight UTC), a time ("2026-12-01T08:00:00Z") or an
/// age before `now` ("7d", "12h"). An Error says which forms are accepted.
[[nodiscard]] Result<std::int64_t> parse_since(std::string_view text, std::int64_t now);

} // namespace rblscope
