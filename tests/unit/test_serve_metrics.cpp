// The exporter's pure parts: what a snapshot keeps, the Prometheus text made from it, and
// the [modules.NAME] tables of the configuration file.

#include "rblscope/config.hpp"
#include "serve/metrics.hpp"

#include <doctest/doctest.h>

using namespace rblscope;
using namespace rblscope::exporter;

namespace {

Zone zone(const std::string& name, const std::string& list) {
    Zone z;
    z.id = name;
    z.zone = name;
    z.name = list;
    return z;
}

ZoneResult result(const Zone& z, Status status, Severity severity = Severity::critical) {
    ZoneResult r;
    r.zone = &z;
    r.subject = "192.0.2.9";
    r.status = status;
    r.severity = severity;
    if (status == Status::listed) {
        r.codes = {"127.0.0.2", "127.0.0.4"};
    }
    return r;
}

bool has(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

} // namespace

TEST_CASE("serve::snapshot_of keeps listings and errors; clean answers only with all_zones") {
    const Zone bl = zone("bl.test", "Test \"BL\"");
    const Zone pbl = zone("pbl.test", "PBL");
    const Zone dead = zone("dead.test", "Dead");
    const Zone allow = zone("allow.test", "Allow");
    const Zone info = zone("info.test", "Info");
    TargetReport rep;
    rep.target.text = "192.0.2.9";
    rep.verdict = Verdict::listed;
    rep.listed = 1;
    rep.timeouts = 1;
    rep.score = 2.5;
    rep.exit_code = 2;
    rep.results = {result(bl, Status::listed),
                   result(pbl, Status::clean),
                   result(dead, Status::timeout),
                   result(allow, Status::listed, Severity::allow),
                   result(info, Status::listed, Severity::info),
                   result(zone("x.test", "X"), Status::skipped)};
    rep.results.back().zone = &info; // skipped: never a series

    const auto lean = snapshot_of(rep, false, 1000);
    CHECK(lean.marks.size() == 4);
    CHECK(lean.errors == 1);
    CHECK(lean.lists == 6);
    CHECK(lean.marks[0].codes == "127.0.0.2,127.0.0.4");
    CHECK(lean.marks[0].counts);
    CHECK(lean.marks[2].allow);
    CHECK_FALSE(lean.marks[3].counts); // informational listing: a series with value 0
    const auto full = snapshot_of(rep, true, 1000);
    CHECK(full.marks.size() == 5);

    std::map<std::string, ZoneStats> zones;
    zones["bl.test"].list = "Test \"BL\"";
    zones["bl.test"].condition = ZoneCondition::healthy;
    zones["bl.test"].last_answer_unix = 990;
    zones["dead.test"].list = "Dead";
    zones["dead.test"].condition = ZoneCondition::no_answer;
    zones["dead.test"].errors_total = 7;
    ExporterCounters c;
    c.targets = 2;
    c.targets_unchecked = 1;
    c.version = "1.2.3";
    const auto page =
        render_metrics({{"192.0.2.9", &lean}, {"192.0.2.10", nullptr}}, zones, c, 1000);
    CHECK(has(page,
              "# TYPE rblscope_target_verdict gauge\n"
              "rblscope_target_verdict{target=\"192.0.2.9\",verdict=\"clean\"} 0\n"
              "rblscope_target_verdict{target=\"192.0.2.9\",verdict=\"listed\"} 1\n"
              "rblscope_target_verdict{target=\"192.0.2.9\",verdict=\"unknown\"} 0\n"));
    CHECK(has(page, "rblscope_target_score{target=\"192.0.2.9\"} 2.5\n"));
    CHECK(has(page,
              "rblscope_listed{target=\"192.0.2.9\",subject=\"192.0.2.9\",zone=\"bl.test\","
              "list=\"Test \\\"BL\\\"\"} 1\n"));
    // The codes sit on an info series, so a changed code never starts a new rblscope_listed.
    CHECK(has(page,
              "rblscope_listing_info{target=\"192.0.2.9\",subject=\"192.0.2.9\",zone=\"bl.test\","
              "list=\"Test \\\"BL\\\"\",codes=\"127.0.0.2,127.0.0.4\"} 1\n"));
    CHECK_FALSE(has(page,
                    "rblscope_listed{target=\"192.0.2.9\",subject=\"192.0.2.9\",zone=\"bl.test\","
                    "list=\"Test \\\"BL\\\"\",codes"));
    CHECK(
        has(page,
            "rblscope_allowlisted{target=\"192.0.2.9\",subject=\"192.0.2.9\",zone=\"allow.test\""));
    CHECK(has(page,
              "rblscope_listed{target=\"192.0.2.9\",subject=\"192.0.2.9\",zone=\"info.test\","
              "list=\"Info\"} 0\n"));
    CHECK(has(page,
              "rblscope_lookup_error{target=\"192.0.2.9\",subject=\"192.0.2.9\",zone=\"dead.test\","
              "list=\"Dead\"} 1\n"));
    CHECK_FALSE(has(page, "pbl.test"));   // clean: no series by default
    CHECK_FALSE(has(page, "192.0.2.10")); // not checked yet: no series rather than a guess
    CHECK(has(page, "rblscope_zone_up{zone=\"dead.test\",list=\"Dead\"} 0\n"));
    CHECK(has(page, "rblscope_zone_up{zone=\"bl.test\",list=\"Test \\\"BL\\\"\"} 1\n"));
    // The condition is a state set: every condition present, 1 for the current one.
    CHECK(
        has(page,
            "rblscope_zone_condition{zone=\"dead.test\",list=\"Dead\",condition=\"healthy\"} 0\n"
            "rblscope_zone_condition{zone=\"dead.test\",list=\"Dead\",condition=\"no-answer\"} 1\n"
            "rblscope_zone_condition{zone=\"dead.test\",list=\"Dead\",condition=\"refuses\"} 0\n"));
    CHECK(has(
        page,
        "rblscope_zone_condition{zone=\"dead.test\",list=\"Dead\",condition=\"untested\"} 0\n"));
    CHECK(has(
        page,
        "rblscope_zone_last_answer_age_seconds{zone=\"bl.test\",list=\"Test \\\"BL\\\"\"} 10\n"));
    CHECK_FALSE(has(page, "rblscope_zone_last_answer_age_seconds{zone=\"dead.test\""));
    CHECK(has(page, "# TYPE rblscope_zone_lookup_errors_total counter\n"));
    CHECK(has(page, "rblscope_zone_lookup_errors_total{zone=\"dead.test\",list=\"Dead\"} 7\n"));
    CHECK(has(page, "rblscope_zone_suspended{zone=\"dead.test\",list=\"Dead\"} 0\n"));
    zones["dead.test"].failed_refreshes = 2;
    CHECK(has(render_metrics({}, zones, c, 1000),
              "rblscope_zone_suspended{zone=\"dead.test\",list=\"Dead\"} 1\n"));
    CHECK(has(page, "rblscope_exporter_targets_unchecked 1\n"));
    CHECK(has(page, "rblscope_exporter_reloads_total{result=\"failure\"} 0\n"));
    CHECK(has(page, "rblscope_exporter_build_info{version=\"1.2.3\"} 1\n"));
    // Every family once, HELP before TYPE before samples.
    CHECK(page.find("# HELP rblscope_listed ") < page.find("# TYPE rblscope_listed gauge"));
    CHECK(page.find("# TYPE rblscope_listed gauge") == page.rfind("# TYPE rblscope_listed gauge"));

    const auto probe = render_probe("192.0.2.9", &full, true, 1.25);
    CHECK(has(probe, "probe_success 1\n"));
    CHECK(has(probe, "probe_duration_seconds 1.25\n"));
    CHECK(has(probe, "rblscope_probe_deadline_reached 1\n"));
    CHECK(has(probe, "zone=\"pbl.test\",list=\"PBL\"} 0\n"));
    CHECK_FALSE(
        has(probe,
            "rblscope_listing_info{target=\"192.0.2.9\",subject=\"192.0.2.9\",zone=\"pbl.test\""));
    const auto failed = render_probe("192.0.2.9", nullptr, false, 0.5);
    CHECK(has(failed, "probe_success 0\n"));
    CHECK_FALSE(has(failed, "rblscope_target_verdict"));
}

TEST_CASE("config: [modules.NAME] tables for serve's /probe") {
    const auto cfg = parse_config("[keys]\nRBLSCOPE_X = \"k\"\n\n[modules.strict]\nzones = "
                                  "\"default,tag:policy\"\nwarning = \"0\"\ncritical = \"2:\"\n"
                                  "threshold_on = \"score\"\nquery_timeout = 2\nretries = 1\n"
                                  "\n[modules.fast]\nquery_timeout = 0.5\n",
                                  "cfg.toml");
    REQUIRE(cfg);
    REQUIRE(cfg->modules.size() == 2);
    const auto& strict = cfg->modules.at("strict");
    CHECK(strict.zones == "default,tag:policy");
    CHECK(strict.critical == "2:");
    CHECK(strict.threshold_on == "score");
    CHECK(strict.query_timeout_s == 2.0);
    CHECK(strict.retries == 1);
    CHECK(strict.where == "cfg.toml:4:1");
    CHECK(cfg->modules.at("fast").query_timeout_s == 0.5);
    CHECK_FALSE(cfg->modules.at("fast").retries);
    CHECK(cfg->keys.at("RBLSCOPE_X") == "k");

    const auto wrong = [](const std::string& text) {
        const auto r = parse_config(text, "c.toml");
        REQUIRE_FALSE(r);
        return r.error().to_string();
    };
    CHECK(wrong("[modules.a]\nzone = \"x\"\n") ==
          "c.toml:2:1: unknown key 'zone' in modules.a (expected zones, warning, critical, "
          "threshold_on, errors_as, query_timeout, retries)");
    CHECK(wrong("[modules.a]\nretries = 11\n") ==
          "c.toml:2:11: modules.a.retries must be an integer from 0 to 10");
    CHECK(wrong("[modules.a]\nquery_timeout = \"1\"\n").find("query_timeout must be a number") !=
          std::string::npos);
    CHECK(wrong("[modules.a]\nzones = \"\"\n").find("must be a non-empty string") !=
          std::string::npos);
    CHECK(wrong("modules = 3\n").find("'modules' must be a table") != std::string::npos);
    CHECK(wrong("[modules.\"a b\"]\n").find("module name 'a b'") != std::string::npos);
    CHECK(wrong("[other]\n").find("expected [keys], [modules.NAME] or [[notify]]") !=
          std::string::npos);
}

TEST_CASE("config: options files are name = value lines with their places") {
    const auto settings = rblscope::parse_option_settings("# the service\n"
                                                          "listen = \"127.0.0.1:9317\"\n"
                                                          "zone-rate = 20\n"
                                                          "refresh = 1.5\n"
                                                          "all-zones = true\n"
                                                          "resolver = [\"127.0.0.1\", \"::1\"]\n",
                                                          "serve.toml");
    REQUIRE(settings.ok());
    REQUIRE(settings->size() == 5);
    const auto find = [&](const std::string& name) {
        for (const auto& s : *settings) {
            if (s.name == name) {
                return s;
            }
        }
        FAIL("no " << name);
        return rblscope::OptionSetting{};
    };
    CHECK(find("listen").values == std::vector<std::string>{"127.0.0.1:9317"});
    CHECK(find("listen").where == "serve.toml:2:10");
    CHECK(find("zone-rate").values == std::vector<std::string>{"20"});
    CHECK(find("refresh").values == std::vector<std::string>{"1.5"});
    CHECK(find("all-zones").values == std::vector<std::string>{"true"});
    CHECK(find("resolver").values == std::vector<std::string>{"127.0.0.1", "::1"});
    const auto wrong = [](std::string_view text) {
        const auto r = rblscope::parse_option_settings(text, "s.toml");
        REQUIRE(!r.ok());
        return r.error().to_string();
    };
    // A dotted name is a table to TOML: its names are joined (the CLI refuses unknown ones).
    const auto dotted =
        rblscope::parse_option_settings("web.config.file = \"/etc/rblscope/web.yml\"\n", "s.toml");
    REQUIRE(dotted.ok());
    REQUIRE(dotted->size() == 1);
    CHECK(dotted->at(0).name == "web.config.file");
    CHECK(dotted->at(0).values == std::vector<std::string>{"/etc/rblscope/web.yml"});
    const auto section = rblscope::parse_option_settings("[serve]\nlisten = \"x\"\n", "s.toml");
    REQUIRE(section.ok());
    CHECK(section->at(0).name == "serve.listen");
    CHECK(section->at(0).where == "s.toml:2:10");
    CHECK(wrong("zones = [[1]]\n").find("s.toml:1:10: 'zones': an array of") == 0);
    CHECK(wrong("listen = \n").starts_with("s.toml:1:"));
}
