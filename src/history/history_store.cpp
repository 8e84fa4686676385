// HistoryStore: the writer of a history file (schema, migrations, the single-writer lock,
// events as they are found, the state between refreshes, retention).

#include "history/codes.hpp"
#include "history/known_results.hpp"
#include "history/sqlite.hpp"
#include "rblscope/catalog.hpp"
#include "rblscope/history.hpp"

#include <cerrno>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <unistd.h>

namespace rblscope {

namespace {

using history::exec;
using history::sqlite_error;
using history::Statement;

/// 'rbls': marks the file as ours (PRAGMA application_id).
constexpr std::int64_t k_application_id = 0x72626c73;

/// Migration N brings the schema from version N to N + 1 (PRAGMA user_version). Append
/// only: a released step is never edited.
constexpr const char* k_migrations[] = {
    // 0 -> 1
    "CREATE TABLE events(id INTEGER PRIMARY KEY, at INTEGER NOT NULL, target TEXT NOT NULL,"
    " zone_id TEXT NOT NULL, zone TEXT NOT NULL, subject TEXT NOT NULL, kind TEXT NOT NULL,"
    " codes TEXT NOT NULL, previous_codes TEXT NOT NULL, meaning TEXT NOT NULL,"
    " txt TEXT NOT NULL, delist_url TEXT NOT NULL, error TEXT NOT NULL);"
    "CREATE INDEX events_by_target ON events(target, at);"
    "CREATE TABLE refreshes(id INTEGER PRIMARY KEY, started INTEGER NOT NULL,"
    " finished INTEGER NOT NULL, targets INTEGER NOT NULL, listed INTEGER NOT NULL,"
    " clean INTEGER NOT NULL, unknown INTEGER NOT NULL, queries INTEGER NOT NULL,"
    " interrupted INTEGER NOT NULL);"
    "CREATE TABLE state(key TEXT PRIMARY KEY, status TEXT NOT NULL, codes TEXT NOT NULL,"
    " unanswered INTEGER NOT NULL, error TEXT NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE answered(key TEXT PRIMARY KEY, zones TEXT NOT NULL) WITHOUT ROWID;",
    // 1 -> 2: notifications. `held`: changes seen once, waiting for the next refresh to
    // confirm them (kind '' keeps only a count of changes that did not last); `outbox`: one
    // row per (notifier, confirmed change) until it is delivered.
    "CREATE TABLE held(key TEXT PRIMARY KEY, target TEXT NOT NULL, zone_id TEXT NOT NULL,"
    " zone TEXT NOT NULL, subject TEXT NOT NULL, kind TEXT NOT NULL, codes TEXT NOT NULL,"
    " previous_codes TEXT NOT NULL, severity TEXT NOT NULL, meaning TEXT NOT NULL,"
    " txt TEXT NOT NULL, delist_url TEXT NOT NULL, error TEXT NOT NULL, seen INTEGER NOT NULL,"
    " flaps INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE outbox(id INTEGER PRIMARY KEY, notifier TEXT NOT NULL, target TEXT NOT NULL,"
    " zone_id TEXT NOT NULL, zone TEXT NOT NULL, subject TEXT NOT NULL, kind TEXT NOT NULL,"
    " codes TEXT NOT NULL, previous_codes TEXT NOT NULL, severity TEXT NOT NULL,"
    " meaning TEXT NOT NULL, txt TEXT NOT NULL, delist_url TEXT NOT NULL, error TEXT NOT NULL,"
    " seen INTEGER NOT NULL, confirmed INTEGER NOT NULL, flaps INTEGER NOT NULL,"
    " attempts INTEGER NOT NULL, next_attempt INTEGER NOT NULL, last_error TEXT NOT NULL,"
    " sent INTEGER);"
    "CREATE INDEX outbox_waiting ON outbox(sent, next_attempt);",
};
static_assert(std::size(k_migrations) == HistoryStore::k_schema_version);

/// Commits of state alone wait this long (events are committed at once).
constexpr std::int64_t k_commit_every_s = 1;
constexpr std::int64_t k_day_s = 86400;

std::int64_t pragma_value(sqlite3* db, const char* sql) {
    Statement s(db, sql);
    return s.step() == SQLITE_ROW ? s.integer(0) : -1;
}

} // namespace

Result<std::unique_ptr<HistoryStore>> HistoryStore::open(const std::string& path,
                                                         int retention_days) {
    std::unique_ptr<HistoryStore> h(new HistoryStore());
    h->m_path = path;
    h->m_retention_days = retention_days;
    // One writer: a lock of our own beside SQLite's (flock and SQLite's fcntl locks do not
    // meet), held while the store is open. The file is created private: it names the
    // addresses watched.
    h->m_lock_fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (h->m_lock_fd < 0) {
        return Error{fmt::format("cannot open the history: {}", std::strerror(errno)), path};
    }
    if (::flock(h->m_lock_fd, LOCK_EX | LOCK_NB) != 0) {
        return Error{"another process is writing this history (a second rblscope serve "
                     "--history with the same file?); each serve needs a file of its own",
                     path};
    }
    if (sqlite3_open_v2(
            path.c_str(), &h->m_db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) !=
        SQLITE_OK) {
        return sqlite_error(h->m_db, path, "cannot open the history");
    }
    sqlite3_busy_timeout(h->m_db, 5000); // a reader's checkpoint
    const auto app = pragma_value(h->m_db, "PRAGMA application_id");
    if (app < 0) {
        return sqlite_error(h->m_db, path, "not a rblscope history file");
    }
    const auto tables = pragma_value(h->m_db, "SELECT count(*) FROM sqlite_master");
    if (app != k_application_id && tables > 0) {
        return Error{"not a rblscope history file (a SQLite database of something else)", path};
    }
    const auto version = pragma_value(h->m_db, "PRAGMA user_version");
    if (version > k_schema_version) {
        return Error{fmt::format("written by a newer rblscope (history schema {}; this one "
                                 "knows up to {})",
                                 version,
                                 k_schema_version),
                     path};
    }
    if (auto e = exec(h->m_db, path, "PRAGMA journal_mode=WAL", "cannot use WAL mode")) {
        return *e;
    }
    if (auto e = exec(h->m_db, path, "PRAGMA synchronous=FULL", "cannot set synchronous")) {
        return *e;
    }
    for (auto v = version; v < k_schema_version; ++v) {
        const auto step = fmt::format("BEGIN IMMEDIATE;{}PRAGMA application_id={};"
                                      "PRAGMA user_version={};COMMIT;",
                                      k_migrations[v],
                                      k_application_id,
                                      v + 1);
        if (auto e = exec(h->m_db, path, step.c_str(), "cannot update the history's schema")) {
            (void)exec(h->m_db, path, "ROLLBACK", ""); // the error above says it
            return *e;
        }
    }
    if (auto e = h->load_state()) {
        return *e;
    }
    if (auto e = h->load_held()) {
        return *e;
    }
    return h;
}

HistoryStore::~HistoryStore() {
    if (m_db != nullptr) {
        if (m_in_transaction) {
            (void)exec(m_db, m_path, "COMMIT", ""); // nothing to tell at this point
        }
        sqlite3_close(m_db);
    }
    if (m_lock_fd >= 0) {
        ::close(m_lock_fd); // after SQLite's: closing a descriptor of the file drops its locks
    }
}

std::optional<Error> HistoryStore::load_state() {
    m_known = std::make_unique<history::KnownResults>();
    Statement s(m_db, "SELECT key, status, codes, unanswered, error FROM state");
    int rc = SQLITE_ERROR;
    while (s.ok() && (rc = s.step()) == SQLITE_ROW) {
        RunState::Entry e;
        e.status = s.text(1) == "listed" ? Status::listed : Status::clean;
        e.codes = history::split_codes(s.text(2));
        e.unanswered = s.integer(3) != 0;
        e.error = s.text(4);
        m_known->load_entry(s.text(0), std::move(e));
    }
    if (rc != SQLITE_DONE) {
        return sqlite_error(m_db, m_path, "cannot read the history's state");
    }
    Statement a(m_db, "SELECT key, zones FROM answered");
    rc = SQLITE_ERROR;
    while (a.ok() && (rc = a.step()) == SQLITE_ROW) {
        m_known->load_answered(a.text(0), a.text(1));
    }
    if (rc != SQLITE_DONE) {
        return sqlite_error(m_db, m_path, "cannot read the history's state");
    }
    return std::nullopt;
}

std::optional<Error> HistoryStore::begin() {
    if (!m_in_transaction) {
        if (auto e = exec(m_db, m_path, "BEGIN IMMEDIATE", "cannot write the history")) {
            return e;
        }
        m_in_transaction = true;
    }
    return std::nullopt;
}

std::optional<Error> HistoryStore::commit_if_due(bool now_please) {
    if (!m_in_transaction) {
        return std::nullopt;
    }
    const auto now = static_cast<std::int64_t>(std::time(nullptr));
    if (!now_please && now - m_last_commit < k_commit_every_s) {
        return std::nullopt;
    }
    m_in_transaction = false;
    m_last_commit = now;
    return exec(m_db, m_path, "COMMIT", "cannot write the history");
}

Result<std::vector<ResultChange>> HistoryStore::record(const TargetReport& report,
                                                       std::int64_t now) {
    const RunState before = m_known->previous_of(report);
    RunState after = before;
    auto changes = track_changes(report, &before, after);
    const auto update = m_known->update(report, after);
    if (update.empty() && changes.empty()) {
        return changes; // nothing new to write (the usual refresh of a target)
    }
    if (auto e = begin()) {
        return *e;
    }
    Statement put(m_db,
                  "INSERT INTO state(key, status, codes, unanswered, error) VALUES(?,?,?,?,?)"
                  " ON CONFLICT(key) DO UPDATE SET status=excluded.status,"
                  " codes=excluded.codes, unanswered=excluded.unanswered, error=excluded.error");
    for (const auto& [key, e] : update.put) {
        put.bind(1, key)
            .bind(2, e.status == Status::listed ? "listed" : "clean")
            .bind(3, history::join_codes(e.codes))
            .bind(4, std::int64_t{e.unanswered ? 1 : 0})
            .bind(5, e.error);
        if (put.step() != SQLITE_DONE) {
            return sqlite_error(m_db, m_path, "cannot write the history's state");
        }
        put.reset();
    }
    Statement erase(m_db, "DELETE FROM state WHERE key = ?");
    for (const auto& key : update.erase) {
        erase.bind(1, key);
        if (erase.step() != SQLITE_DONE) {
            return sqlite_error(m_db, m_path, "cannot write the history's state");
        }
        erase.reset();
    }
    Statement answered(m_db, "INSERT OR REPLACE INTO answered(key, zones) VALUES(?,?)");
    for (const auto& [key, zones] : update.answered) {
        answered.bind(1, key).bind(2, zones);
        if (answered.step() != SQLITE_DONE) {
            return sqlite_error(m_db, m_path, "cannot write the history's state");
        }
        answered.reset();
    }
    Statement add(m_db,
                  "INSERT INTO events(at, target, zone_id, zone, subject, kind, codes,"
                  " previous_codes, meaning, txt, delist_url, error)"
                  " VALUES(?,?,?,?,?,?,?,?,?,?,?,?)");
    for (const auto& c : changes) {
        const ZoneResult& r = *c.result;
        add.bind(1, now)
            .bind(2, report.target.text)
            .bind(3, r.zone->id)
            .bind(4, r.zone->zone)
            .bind(5, r.subject)
            .bind(6, to_string(c.kind))
            .bind(7, history::join_codes(r.codes))
            .bind(8, history::join_codes(c.previous_codes))
            .bind(9, r.meaning)
            .bind(10, r.txt)
            .bind(11, r.delist_url)
            .bind(12, r.error);
        if (add.step() != SQLITE_DONE) {
            return sqlite_error(m_db, m_path, "cannot write a history event");
        }
        add.reset();
    }
    // An event is on disk before the next target is looked at; state alone may wait a moment.
    if (auto e = commit_if_due(!changes.empty())) {
        return *e;
    }
    return changes;
}

std::optional<Error> HistoryStore::record_refresh(const RunSummary& summary,
                                                  std::int64_t started,
                                                  std::int64_t finished) {
    Statement add(m_db,
                  "INSERT INTO refreshes(started, finished, targets, listed, clean, unknown,"
                  " queries, interrupted) VALUES(?,?,?,?,?,?,?,?)");
    add.bind(1, started)
        .bind(2, finished)
        .bind(3, static_cast<std::int64_t>(summary.targets))
        .bind(4, static_cast<std::int64_t>(summary.listed))
        .bind(5, static_cast<std::int64_t>(summary.clean))
        .bind(6, static_cast<std::int64_t>(summary.unknown))
        .bind(7, static_cast<std::int64_t>(summary.queries))
        .bind(8, std::int64_t{summary.interrupted || summary.deadline_reached ? 1 : 0});
    if (add.step() != SQLITE_DONE) {
        return sqlite_error(m_db, m_path, "cannot write a refresh to the history");
    }
    if (auto e = commit_if_due(true)) {
        return e;
    }
    if (finished - m_last_prune >= k_day_s) {
        if (auto pruned = prune(finished); !pruned) {
            return pruned.error();
        }
    }
    return std::nullopt;
}

std::optional<std::int64_t> HistoryStore::first_refresh() {
    Statement s(m_db, "SELECT coalesce(min(started), -1) FROM refreshes");
    const auto at = s.step() == SQLITE_ROW ? s.integer(0) : -1;
    return at < 0 ? std::nullopt : std::optional<std::int64_t>(at);
}

Result<std::int64_t> HistoryStore::prune(std::int64_t now) {
    if (auto e = commit_if_due(true)) {
        return *e;
    }
    m_last_prune = now;
    // The latest event of each (target, zone, subject), and its latest listing start, stay:
    // an open listing keeps when it began, however old.
    Statement del(m_db,
                  "DELETE FROM events WHERE at < ?"
                  " AND id NOT IN (SELECT max(id) FROM events GROUP BY target, zone_id, subject)"
                  " AND id NOT IN (SELECT max(id) FROM events WHERE kind IN ('listed',"
                  " 'newly-listed') GROUP BY target, zone_id, subject)");
    del.bind(1, now - std::int64_t{m_retention_days} * k_day_s);
    if (del.step() != SQLITE_DONE) {
        return sqlite_error(m_db, m_path, "cannot prune the history");
    }
    const std::int64_t deleted = sqlite3_changes(m_db);
    // Notifications not delivered within the retention are given up with the rest.
    for (const char* sql : {"DELETE FROM refreshes WHERE finished < ?",
                            "DELETE FROM outbox WHERE coalesce(sent, confirmed) < ?"}) {
        Statement old(m_db, sql);
        old.bind(1, now - std::int64_t{m_retention_days} * k_day_s);
        if (old.step() != SQLITE_DONE) {
            return sqlite_error(m_db, m_path, "cannot prune the history");
        }
    }
    return deleted;
}

} // namespace rblscope
