// The history file on disk: schema, the single writer, events and the state across
// reopening and a killed writer, retention, and the timelines read back.

#include "history/known_results.hpp"
#include "one_result.hpp"
#include "rblscope/history.hpp"
#include "temp_dir.hpp"

#include <csignal>
#include <doctest/doctest.h>
#include <filesystem>
#include <fstream>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace rblscope;
using rblscope::test::report_of;
using rblscope::test::TempDir;
using rblscope::test::zone_a;

TEST_SUITE_BEGIN("history");

namespace {

std::size_t changes_at(HistoryStore& h, const TargetReport& rep, std::int64_t at) {
    auto c = h.record(rep, at);
    REQUIRE(c);
    return c->size();
}

} // namespace

TEST_CASE("history: a listing's life is recorded, read back, and survives reopening") {
    TempDir dir;
    const auto file = dir.path + "/history.db";
    const Zone z = zone_a();
    {
        auto h = HistoryStore::open(file, 400);
        REQUIRE(h);
        struct stat st {};
        REQUIRE(::stat(file.c_str(), &st) == 0);
        CHECK((st.st_mode & 0777) == 0600); // it names the addresses watched
        CHECK(changes_at(**h, report_of(z, Status::clean), 1000) == 0);
        CHECK(changes_at(**h, report_of(z, Status::listed, {"127.0.0.2"}), 2000) == 1);
        CHECK(changes_at(**h, report_of(z, Status::listed, {"127.0.0.2"}), 3000) == 0);
        CHECK(changes_at(**h, report_of(z, Status::timeout), 4000) == 1); // broke
        // Readers work beside the writer.
        const auto read = read_history(file, {}, 0);
        REQUIRE(read);
        REQUIRE(read->size() == 1);
        CHECK(read->front().listings.size() == 1);
        CHECK_FALSE(read->front().listings.front().until);
        REQUIRE(h.value()->record_refresh(RunSummary{}, 4000, 4010) == std::nullopt);
    }
    // Reopened: the state is as it was, so an unchanged listing is no news, and its end is.
    auto h = HistoryStore::open(file, 400);
    REQUIRE(h);
    CHECK(changes_at(**h, report_of(z, Status::timeout), 5000) == 0);
    auto changes = h.value()->record(report_of(z, Status::clean), 6000);
    REQUIRE(changes);
    REQUIRE(changes->size() == 2);
    CHECK(changes->at(0).kind == ChangeKind::recovered);
    CHECK(changes->at(1).kind == ChangeKind::delisted);

    const auto read = read_history(file, {"192.0.2.1"}, 0);
    REQUIRE(read);
    REQUIRE(read->size() == 1);
    const auto& t = read->front();
    CHECK(t.target == "192.0.2.1");
    REQUIRE(t.listings.size() == 1);
    const auto& l = t.listings.front();
    CHECK(l.zone == "a.test");
    CHECK(l.codes == std::vector<std::string>{"127.0.0.2"});
    CHECK(l.txt == "listed for spam <b>");
    CHECK(l.delist_url == "https://a.test/remove");
    CHECK(l.since == 2000);
    CHECK(l.until == 6000);
    REQUIRE(t.events.size() == 2);
    CHECK(t.events[0].kind == ChangeKind::broke);
    CHECK(t.events[0].error == "no answer");
    CHECK(t.events[1].kind == ChangeKind::recovered);
    // --since: what ended before is left out.
    CHECK(read_history(file, {}, 7000).value().empty());
    CHECK(read_history(file, {"198.51.100.1"}, 0).value().empty());
    CHECK(read_history(file, {"198.51.100.1", "192.0.2.1"}, 0).value().size() == 1);
}

TEST_CASE("history: one writer; other files and newer schemas are refused by name") {
    TempDir dir;
    const auto file = dir.path + "/history.db";
    auto first = HistoryStore::open(file, 400);
    REQUIRE(first);
    const auto second = HistoryStore::open(file, 400);
    REQUIRE_FALSE(second);
    CHECK(second.error().to_string().find("another process is writing this history") !=
          std::string::npos);
    first.value().reset();
    CHECK(HistoryStore::open(file, 400)); // free again once the first is closed

    const auto text = dir.path + "/notes.txt";
    std::ofstream(text) << "not a database at all, just some words in a file\n";
    const auto not_sqlite = HistoryStore::open(text, 400);
    REQUIRE_FALSE(not_sqlite);
    CHECK(not_sqlite.error().where == text);

    const auto other = dir.path + "/other.db";
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(other.c_str(), &db) == SQLITE_OK);
    REQUIRE(sqlite3_exec(db, "CREATE TABLE t(x)", nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(db);
    const auto foreign = HistoryStore::open(other, 400);
    REQUIRE_FALSE(foreign);
    CHECK(foreign.error().message.find("not a rblscope history") != std::string::npos);

    const auto newer = dir.path + "/newer.db";
    REQUIRE(sqlite3_open(newer.c_str(), &db) == SQLITE_OK);
    REQUIRE(sqlite3_exec(db,
                         "PRAGMA application_id=1919052915; PRAGMA user_version=99;"
                         " CREATE TABLE future(x)",
                         nullptr,
                         nullptr,
                         nullptr) == SQLITE_OK);
    sqlite3_close(db);
    const auto future = HistoryStore::open(newer, 400);
    REQUIRE_FALSE(future);
    CHECK(future.error().message.find("newer rblscope (history schema 99") != std::string::npos);
}

TEST_CASE(
    "history: a writer killed right after an event leaves it on disk, and a file that opens") {
    TempDir dir;
    const auto file = dir.path + "/history.db";
    const Zone z = zone_a();
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        auto h = HistoryStore::open(file, 400);
        if (h) {
            (void)h.value()->record(report_of(z, Status::clean), 1000);
            (void)h.value()->record(report_of(z, Status::listed, {"127.0.0.2"}), 2000);
        }
        ::raise(SIGKILL); // no destructor, no commit at exit
        ::_exit(1);
    }
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    CHECK(WIFSIGNALED(status));
    auto h = HistoryStore::open(file, 400); // the lock died with the process
    REQUIRE(h);
    const auto read = read_history(file, {}, 0);
    REQUIRE(read);
    REQUIRE(read->size() == 1);
    CHECK(read->front().listings.front().since == 2000);
    // The state of the event's commit came with it: the listing is not news again.
    CHECK(changes_at(**h, report_of(z, Status::listed, {"127.0.0.2"}), 3000) == 0);
}

TEST_CASE("history: retention drops old events but keeps an open listing's start") {
    TempDir dir;
    const auto file = dir.path + "/history.db";
    const Zone z = zone_a();
    auto h = HistoryStore::open(file, 1);
    REQUIRE(h);
    const std::int64_t day = 86400;
    CHECK(changes_at(**h, report_of(z, Status::clean), 0) == 0);
    CHECK(changes_at(**h, report_of(z, Status::listed, {"127.0.0.2"}), 1) == 1);
    CHECK(changes_at(**h, report_of(z, Status::clean), 2) == 1);
    CHECK(changes_at(**h, report_of(z, Status::listed, {"127.0.0.2"}), 3) == 1);
    CHECK(changes_at(**h, report_of(z, Status::listed, {"127.0.0.3"}), 4) == 1);
    const auto pruned = h.value()->prune(10 * day);
    REQUIRE(pruned);
    CHECK(pruned.value() == 2); // the first listing and its end; not the open one's start
    const auto read = read_history(file, {}, 0);
    REQUIRE(read);
    REQUIRE(read->front().listings.size() == 1);
    CHECK(read->front().listings.front().since == 3);
    CHECK(read->front().listings.front().codes == std::vector<std::string>{"127.0.0.3"});
    CHECK_FALSE(read->front().listings.front().until);
}

TEST_CASE("history: --since takes dates, times and ages") {
    CHECK(parse_since("2026-12-01", 0).value() == 1796083200);
    CHECK(parse_since("2026-12-01T08:00:00Z", 0).value() == 1796083200 + 8 * 3600);
    CHECK(parse_since("7d", 1000000).value() == 1000000 - 7 * 86400);
    CHECK(parse_since("12h", 100000).value() == 100000 - 12 * 3600);
    for (const auto* bad : {"yesterday", "2026-13-01", "2026-12-01 08:00", "d", "-3d", ""}) {
        CAPTURE(bad);
        const auto r = parse_since(bad, 0);
        REQUIRE_FALSE(r);
        CHECK(r.error().to_string().find("--since") == 0);
    }
}

TEST_CASE("history: clean answers are kept as bits, and a list that never answered is no news") {
    const Zone z = zone_a();
    history::KnownResults known;
    const auto step = [&](const TargetReport& rep) {
        const auto before = known.previous_of(rep);
        auto after = before;
        const auto changes = track_changes(rep, &before, after);
        (void)known.update(rep, after);
        return changes.size();
    };
    // Never answered: its errors say nothing, however often.
    CHECK(step(report_of(z, Status::timeout)) == 0);
    CHECK(step(report_of(z, Status::timeout)) == 0);
    CHECK(known.previous_of(report_of(z, Status::timeout)).results.empty());
    // Answered clean once: remembered as a bit, not as an entry; then a listing is news.
    const auto clean = report_of(z, Status::clean);
    const auto first = known.previous_of(clean);
    auto after = first;
    (void)track_changes(clean, &first, after);
    const auto update = known.update(clean, after);
    CHECK(update.put.empty());
    REQUIRE(update.answered.size() == 1);
    CHECK(update.answered[0] == std::pair<std::string, std::string>{"192.0.2.1\t192.0.2.1", "a"});
    CHECK(known.entries() == 0);
    CHECK(step(report_of(z, Status::listed, {"127.0.0.2"})) == 1); // newly listed
    CHECK(known.entries() == 1);
    CHECK(step(report_of(z, Status::clean)) == 1); // delisted
    CHECK(known.entries() == 0);
    CHECK(step(report_of(z, Status::timeout)) == 1); // broke: it had answered
    CHECK(known.entries() == 1);
}

TEST_SUITE_END();
