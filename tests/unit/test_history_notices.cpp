// Notifications' side of the history file: the debounce (a change is told once the next
// refresh still sees it), flapping, the outbox across reopening, and the schema 1 -> 2 step.

#include "one_result.hpp"
#include "rblscope/history.hpp"
#include "temp_dir.hpp"

#include <doctest/doctest.h>
#include <filesystem>
#include <sqlite3.h>
#include <unistd.h>

using namespace rblscope;
using rblscope::test::report_of;
using rblscope::test::zone_a;

TEST_SUITE_BEGIN("history");

namespace {

/// A history file in a temporary directory of its own.
struct TempFile {
    rblscope::test::TempDir dir;
    std::string path = dir.path + "/history.db";
};

/// One refresh of the one-result target at `at`: what it confirmed.
std::vector<Notice> refresh(HistoryStore& h, const TargetReport& rep, std::int64_t at) {
    auto changes = h.record(rep, at);
    REQUIRE(changes);
    auto confirmed = h.confirm(rep, *changes, at);
    REQUIRE(confirmed);
    return std::move(*confirmed);
}

std::vector<std::string> kinds(const std::vector<Notice>& notices) {
    std::vector<std::string> out;
    for (const auto& n : notices) {
        out.push_back(n.kind);
    }
    return out;
}

} // namespace

TEST_CASE("notices: a listing is told when the next refresh still sees it, once") {
    TempFile f;
    const Zone z = zone_a();
    auto h = HistoryStore::open(f.path, 400);
    REQUIRE(h);
    CHECK(refresh(**h, report_of(z, Status::clean), 1000).empty());
    CHECK(refresh(**h, report_of(z, Status::listed, {"127.0.0.2"}), 2000).empty()); // held
    auto listed = report_of(z, Status::listed, {"127.0.0.2"});
    listed.results[0].severity = Severity::warning; // as the engine read the code
    const auto told = refresh(**h, listed, 3000);
    REQUIRE(told.size() == 1);
    CHECK(told[0].kind == "newly-listed");
    CHECK(told[0].seen == 2000);
    CHECK(told[0].confirmed == 3000);
    CHECK(told[0].codes == std::vector<std::string>{"127.0.0.2"});
    CHECK(told[0].txt == "listed for spam <b>");
    CHECK(told[0].delist_url == "https://a.test/remove");
    CHECK(told[0].severity == "warning");
    CHECK(refresh(**h, report_of(z, Status::listed, {"127.0.0.2"}), 4000).empty());
    // The delisting the same way; its severity is that of the codes it had (outside the
    // zone's table: critical).
    CHECK(refresh(**h, report_of(z, Status::clean), 5000).empty());
    const auto gone = refresh(**h, report_of(z, Status::clean), 6000);
    CHECK(kinds(gone) == std::vector<std::string>{"delisted"});
    CHECK(gone[0].previous_codes == std::vector<std::string>{"127.0.0.2"});
    CHECK(gone[0].severity == "critical");
}

TEST_CASE("notices: changes that undo themselves are not told; flapping is, once") {
    TempFile f;
    const Zone z = zone_a();
    auto h = HistoryStore::open(f.path, 400);
    REQUIRE(h);
    CHECK(refresh(**h, report_of(z, Status::clean), 1000).empty());
    std::vector<Notice> all;
    std::int64_t at = 2000;
    for (int i = 0; i < HistoryStore::k_flaps_to_tell; ++i) {
        for (const auto& n : refresh(**h, report_of(z, Status::listed, {"127.0.0.2"}), at += 10)) {
            all.push_back(n);
        }
        for (const auto& n : refresh(**h, report_of(z, Status::clean), at += 10)) {
            all.push_back(n);
        }
    }
    REQUIRE(kinds(all) == std::vector<std::string>{"flapping"});
    CHECK(all[0].flaps == HistoryStore::k_flaps_to_tell);
    CHECK(refresh(**h, report_of(z, Status::clean), at += 10).empty());
}

TEST_CASE("notices: an unanswered refresh neither confirms nor undoes; a short outage is quiet") {
    TempFile f;
    const Zone z = zone_a();
    auto h = HistoryStore::open(f.path, 400);
    REQUIRE(h);
    CHECK(refresh(**h, report_of(z, Status::clean), 1000).empty());
    CHECK(refresh(**h, report_of(z, Status::listed, {"127.0.0.2"}), 2000).empty());
    CHECK(refresh(**h, report_of(z, Status::timeout), 3000).empty()); // broke: held as well
    const auto back = refresh(**h, report_of(z, Status::listed, {"127.0.0.2"}), 4000);
    // The outage undid itself (no news); the listing was seen again: told.
    CHECK(kinds(back) == std::vector<std::string>{"newly-listed"});
    // A list that stays down is told at its second refresh.
    CHECK(refresh(**h, report_of(z, Status::timeout), 5000).empty());
    CHECK(kinds(refresh(**h, report_of(z, Status::timeout), 6000)) ==
          std::vector<std::string>{"broke"});
}

TEST_CASE("notices: held changes and the outbox survive reopening; sent is never due again") {
    TempFile f;
    const Zone z = zone_a();
    {
        auto h = HistoryStore::open(f.path, 400);
        REQUIRE(h);
        CHECK(refresh(**h, report_of(z, Status::clean), 1000).empty());
        CHECK(refresh(**h, report_of(z, Status::listed, {"127.0.0.2"}), 2000).empty());
    }
    auto h = HistoryStore::open(f.path, 400);
    REQUIRE(h);
    auto told = refresh(**h, report_of(z, Status::listed, {"127.0.0.2"}), 3000);
    REQUIRE(told.size() == 1);
    told[0].notifier = "mail";
    auto other = told[0];
    other.notifier = "slack";
    REQUIRE_FALSE((*h)->enqueue({told[0], other}, 3000));
    const std::vector<std::string> mail{"mail"};
    auto due = (*h)->due_notices(3000, 10, mail);
    REQUIRE(due);
    REQUIRE(due->size() == 1);
    CHECK(due->front().notifier == "mail");
    const auto id = due->front().id;
    REQUIRE_FALSE((*h)->notices_failed({id}, 3100, "HTTP 503"));
    CHECK((*h)->due_notices(3050, 10, mail)->empty());
    CHECK((*h)->next_notice_due(3050, mail).value() == std::optional<std::int64_t>(3100));
    h->reset(); // a restart
    h = HistoryStore::open(f.path, 400);
    REQUIRE(h);
    due = (*h)->due_notices(3100, 10, mail);
    REQUIRE(due->size() == 1);
    CHECK(due->front().attempts == 1);
    CHECK(due->front().last_error == "HTTP 503");
    CHECK(due->front().txt == "listed for spam <b>");
    REQUIRE_FALSE((*h)->notices_sent({id}, 3100));
    CHECK((*h)->due_notices(9999, 10, mail)->empty());
    CHECK_FALSE((*h)->next_notice_due(0, mail).value().has_value());
    CHECK((*h)->due_notices(9999, 10, {"slack"})->size() == 1); // each notifier its own row
    CHECK((*h)->due_notices(9999, 10, {})->empty());
}

TEST_CASE("notices: a schema 1 file is brought to schema 2 with its state kept") {
    TempFile f;
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(f.path.c_str(), &db) == SQLITE_OK);
    // What schema 1 wrote (a released step: never edited).
    const char* v1 =
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
        "CREATE TABLE answered(key TEXT PRIMARY KEY, zones TEXT NOT NULL) WITHOUT ROWID;"
        "INSERT INTO state VALUES('192.0.2.1\ta\t192.0.2.1', 'listed', '127.0.0.2', 0, '');"
        "PRAGMA application_id=1919052915; PRAGMA user_version=1;";
    REQUIRE(sqlite3_exec(db, v1, nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(db);
    const Zone z = zone_a();
    auto h = HistoryStore::open(f.path, 400);
    REQUIRE(h);
    // The state came through: the same listing is no change; a delisting is.
    CHECK((*h)->record(report_of(z, Status::listed, {"127.0.0.2"}), 1000)->empty());
    CHECK((*h)->record(report_of(z, Status::clean), 2000)->size() == 1);
    h->reset();
    REQUIRE(sqlite3_open(f.path.c_str(), &db) == SQLITE_OK);
    sqlite3_stmt* s = nullptr;
    sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &s, nullptr);
    REQUIRE(sqlite3_step(s) == SQLITE_ROW);
    CHECK(sqlite3_column_int(s, 0) == HistoryStore::k_schema_version);
    sqlite3_finalize(s);
    CHECK(sqlite3_exec(db,
                       "SELECT count(*) FROM outbox; SELECT count(*) FROM held",
                       nullptr,
                       nullptr,
                       nullptr) == SQLITE_OK);
    sqlite3_close(db);
}

TEST_SUITE_END();
