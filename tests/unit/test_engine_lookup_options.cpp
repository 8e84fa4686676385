// prepare_lookup(): the shared lookup options as typed -> the engine's options and the zones
// of a run, each bad option named in its error.

#include "rblscope/lookup_options.hpp"

#include <doctest/doctest.h>
#include <filesystem>
#include <stdlib.h>
#include <string>
#include <unistd.h>

using namespace rblscope;

TEST_SUITE_BEGIN("engine");

namespace {

const Catalog& catalog() {
    static const Catalog c = [] {
        auto r = parse_catalog(R"(
[[zone]]
id = "a"
zone = "a.test"
kind = "ip4"
default = true

[[zone]]
id = "dead"
zone = "dead.test"
kind = "ip4"
status = "defunct"
note = "gone since 2020"
)",
                               "t.toml");
        REQUIRE_MESSAGE(r, (r ? "" : r.error().to_string()));
        return std::move(r.value());
    }();
    return c;
}

/// An empty configuration file only its owner reads, as load_config demands; removed at exit.
const std::string& empty_config() {
    struct TempFile {
        std::string path =
            (std::filesystem::temp_directory_path() / "rblscope-lookup-XXXXXX").string();
        TempFile() {
            const int fd = ::mkstemp(path.data()); // created 0600
            REQUIRE(fd >= 0);
            ::close(fd);
        }
        TempFile(const TempFile&) = delete;
        TempFile& operator=(const TempFile&) = delete;
        ~TempFile() { ::unlink(path.c_str()); }
    };
    static const TempFile file;
    return file.path;
}

std::string error_of(const LookupOptions& options) {
    auto r = prepare_lookup(options, catalog());
    return r ? std::string("(prepared)") : r.error().to_string();
}

} // namespace

TEST_CASE("prepare_lookup: the options become the engine's, in its units") {
    LookupOptions o;
    o.config_file = empty_config(); // never the user's own file
    o.query_timeout_s = 0.25;
    o.deadline_s = 3;
    o.retries = 4;
    o.concurrency = 64;
    o.zone_rate = 20;
    o.max_addresses = 256;
    o.no_txt = true;
    o.http_timeout_s = 2.5;
    o.resolvers = {"127.0.0.1:5353"};
    o.zone_servers = {"a.test=127.0.0.1:5300"};
    o.warning = "0";
    o.threshold_on = "score";
    o.errors_as = "warning";
    auto p = prepare_lookup(o, catalog());
    REQUIRE_MESSAGE(p, (p ? "" : p.error().to_string()));
    const auto& eo = p->engine;
    CHECK(eo.timeout.count() == 250);
    CHECK(eo.deadline.count() == 3000);
    CHECK(eo.retries == 4);
    CHECK(eo.concurrency == 64);
    CHECK(eo.zone_rate == doctest::Approx(20));
    CHECK(eo.max_cidr_addresses == 256);
    CHECK_FALSE(eo.ask_txt);
    CHECK(eo.http_timeout.count() == 2500);
    CHECK(eo.resolvers == std::vector<std::string>{"127.0.0.1:5353"});
    CHECK(eo.zone_servers.at("a.test") == "127.0.0.1:5300");
    CHECK(eo.exit_policy.warning.has_value());
    CHECK_FALSE(eo.exit_policy.critical.has_value());
    CHECK(eo.exit_policy.on_score);
    CHECK(eo.exit_policy.errors_as == ErrorsAs::warning);
    CHECK(eo.stop_fd == -1); // the caller's to set
    REQUIRE(p->selection.zones.size() == 1);
    CHECK(p->selection.zones[0]->id == "a");
}

TEST_CASE("prepare_lookup: a zone outside the catalog survives the move") {
    LookupOptions o;
    o.config_file = empty_config();
    o.zones = "a,bl.example.org";
    auto p = prepare_lookup(o, catalog());
    REQUIRE(p);
    PreparedLookup moved = std::move(p.value());
    REQUIRE(moved.selection.zones.size() == 2);
    CHECK(moved.selection.zones[1]->zone == "bl.example.org");
    CHECK(moved.selection.zones[1] == &moved.selection.bare_zones.front());
}

TEST_CASE("prepare_lookup: a dead zone named is a warning, unless quiet_status") {
    LookupOptions o;
    o.config_file = empty_config();
    o.zones = "dead";
    auto loud = prepare_lookup(o, catalog());
    REQUIRE(loud);
    CHECK(loud->selection.warnings.size() == 1);
    o.quiet_status = true;
    auto quiet = prepare_lookup(o, catalog());
    REQUIRE(quiet);
    CHECK(quiet->selection.warnings.empty());
}

TEST_CASE("prepare_lookup: each bad option is named") {
    LookupOptions o;
    o.config_file = empty_config();
    o.warning = "x:y";
    CHECK(error_of(o).starts_with("--warning: "));
    o.warning.clear();
    o.critical = "@";
    CHECK(error_of(o).starts_with("--critical: "));
    o.critical.clear();
    for (const char* bad : {"a.test", "=127.0.0.1", "a.test="}) {
        o.zone_servers = {bad};
        CHECK(error_of(o) == "--zone-server \"" + std::string(bad) + "\": expected ZONE=IP[:PORT]");
    }
    o.zone_servers.clear();
    o.zones = "no such zone!";
    CHECK(error_of(o).starts_with("--zones"));
    o.zones.clear();
    o.config_file = "/nonexistent/rblscope.toml";
    CHECK(error_of(o).find("/nonexistent/rblscope.toml") != std::string::npos);
}

TEST_CASE("zone health run: the exit status says whether the lists or the resolver failed") {
    ZoneHealthRun run;
    CHECK(run.exit_code() == 3); // nothing asked
    ZoneHealthReport healthy;
    healthy.condition = ZoneCondition::healthy;
    ZoneHealthReport silent;
    silent.condition = ZoneCondition::no_answer;
    run.reports = {healthy, silent};
    run.counts = {{ZoneCondition::healthy, 1}, {ZoneCondition::no_answer, 1}};
    CHECK(run.count(ZoneCondition::no_answer) == 1);
    CHECK(run.count(ZoneCondition::refuses) == 0);
    CHECK(run.exit_code() == 0);
    run.suggestions = 1;
    CHECK(run.exit_code() == 1);
    run.reports = {silent};
    run.counts = {{ZoneCondition::no_answer, 1}};
    CHECK(run.exit_code() == 3); // every zone silent: the resolver
    run.reports = {healthy};
    run.counts = {{ZoneCondition::healthy, 1}};
    run.interrupted = true;
    CHECK(run.exit_code() == 3);
}

TEST_SUITE_END();
