// `rblscope serve` against the rbldnsd fixture and fake_dns (a silent zone): /metrics from
// background refreshes, /probe with Prometheus' deadline header, /healthz, bad requests,
// SIGHUP reloads (good and broken), SIGTERM; and a real Prometheus server scraping both
// endpoints, asserted through its query API.

#include "integration/fixtures.hpp"
#include "integration/serve_helpers.hpp"

#include <algorithm>
#include <chrono>
#include <csignal>
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <sys/stat.h>
#include <thread>

using namespace rblscope::test;
using nlohmann::json;

TEST_SUITE_BEGIN("integration");

TEST_CASE("serve: /metrics from background refreshes, a dead zone, promtool") {
    const auto targets = write_targets("serve-targets.txt",
                                       "# watched addresses\n192.0.2.99\n192.0.2.1  # clean\n"
                                       "not..valid\n2001:db8:bad::1\n");
    Exporter ex({"--targets", targets, "--zones", "t-bl,t-pbl,t-bl6,t-dead"});
    REQUIRE(ex.wait_for("rblscope_exporter_refreshes_total 1\n", std::chrono::seconds(10)));
    const auto m = http_get(ex.base + "/metrics");
    CHECK(m.status == 200);
    CHECK(
        contains(m.body, "rblscope_target_verdict{target=\"192.0.2.99\",verdict=\"listed\"} 1\n"));
    CHECK(contains(m.body, "rblscope_target_listings{target=\"192.0.2.99\"} 1\n"));
    CHECK(contains(m.body,
                   "rblscope_listed{target=\"192.0.2.99\",subject=\"192.0.2.99\",zone=\"bl.test\","
                   "list=\"Test BL\"} 1\n"));
    CHECK(contains(m.body,
                   "rblscope_listing_info{target=\"192.0.2.99\",subject=\"192.0.2.99\",zone=\"bl."
                   "test\",list=\"Test BL\",codes=\"127.0.0.2\"} 1\n"));
    CHECK(contains(m.body,
                   "rblscope_listed{target=\"2001:db8:bad::1\",subject=\"2001:db8:bad::1\","
                   "zone=\"bl6.test\""));
    // The dead zone: errors for every target, never "listed" or "clean"; its test points fail.
    CHECK(contains(m.body,
                   "rblscope_lookup_error{target=\"192.0.2.1\",subject=\"192.0.2.1\",zone=\"dead."
                   "test\",list=\"dead.test\"} 1\n"));
    CHECK(
        contains(m.body, "rblscope_target_verdict{target=\"192.0.2.1\",verdict=\"unknown\"} 1\n"));
    CHECK(contains(m.body, "rblscope_zone_up{zone=\"dead.test\",list=\"dead.test\"} 0\n"));
    CHECK(contains(m.body,
                   "rblscope_zone_condition{zone=\"dead.test\",list=\"dead.test\",condition=\"no-"
                   "answer\"} 1\n"));
    CHECK(contains(m.body, "rblscope_zone_up{zone=\"bl.test\",list=\"Test BL\"} 1\n"));
    CHECK(
        contains(m.body,
                 "rblscope_zone_condition{zone=\"bl.test\",list=\"Test BL\",condition=\"healthy\"} "
                 "1\n"));
    CHECK(contains(m.body, "rblscope_zone_last_answer_age_seconds{zone=\"bl.test\""));
    CHECK_FALSE(contains(m.body, "rblscope_zone_last_answer_age_seconds{zone=\"dead.test\""));
    // Low cardinality: clean answers make no per-zone series.
    CHECK_FALSE(contains(m.body, "rblscope_listed{target=\"192.0.2.1\""));
    CHECK(contains(m.body, "rblscope_exporter_targets 3\n")); // the bad line was skipped
    // Scrapes come from memory: fast even though dead.test costs every refresh 0.4 s.
    for (int i = 0; i < 5; ++i) {
        CHECK(http_get(ex.base + "/metrics").seconds < 1.0);
    }
    write_file(fixture().dir + "/serve-metrics.prom", m.body);
    const auto promtool =
        run({"/bin/sh", "-c", "promtool check metrics < " + fixture().dir + "/serve-metrics.prom"});
    CHECK_MESSAGE(promtool.exit_code == 0, (promtool.out + promtool.err));

    const auto health = http_get(ex.base + "/healthz");
    CHECK(health.status == 200);
    CHECK(health.body == "ok\n");
    const auto missing = http_get(ex.base + "/nothing");
    CHECK(missing.status == 404);
    CHECK(contains(missing.body, "/metrics"));
    const auto post = run({"curl",
                           "-s",
                           "-o",
                           "/dev/null",
                           "-w",
                           "%{http_code}",
                           "-X",
                           "POST",
                           ex.base + "/metrics"});
    CHECK(post.out == "405");

    ex.process->signal(SIGTERM);
    const auto done = ex.process->wait(std::chrono::seconds(5));
    CHECK(done.exited);
    CHECK(done.exit_code == 0);
    CHECK(contains(done.err, "targets.txt:4")); // the skipped line, named
    CHECK(contains(done.err, "not..valid"));
    ex.process.reset();
}

TEST_CASE("serve: --all-zones gives every (target, zone) a series") {
    const auto targets = write_targets("serve-all.txt", "192.0.2.1\n");
    Exporter ex({"--targets", targets, "--zones", "t-bl,t-pbl", "--all-zones"});
    REQUIRE(ex.wait_for("rblscope_exporter_refreshes_total 1\n", std::chrono::seconds(10)));
    const auto m = http_get(ex.base + "/metrics").body;
    CHECK(contains(m,
                   "rblscope_listed{target=\"192.0.2.1\",subject=\"192.0.2.1\",zone=\"bl.test\","
                   "list=\"Test BL\"} 0\n"));
    CHECK(contains(m, "zone=\"pbl.test\""));
}

TEST_CASE("serve: /probe checks one target within the scrape deadline; bad probes get 400") {
    auto& f = fixture();
    const auto config = f.dir + "/serve-config.toml";
    write_file(config,
               "[modules.bl-only]\nzones = \"t-bl\"\nwarning = \"0\"\ncritical = \"1\"\n\n"
               "[modules.with-dead]\nzones = \"t-bl,t-dead\"\nquery_timeout = 10.0\n"
               "retries = 0\n");
    chmod(config.c_str(), 0600);
    Exporter ex({"--config", config, "--zones", "t-bl,t-pbl"});
    REQUIRE(ex.wait_for("rblscope_exporter_targets 0\n", std::chrono::seconds(10)));

    const auto p =
        http_get(ex.base + "/probe?target=192.0.2.99", {"X-Prometheus-Scrape-Timeout-Seconds: 3"});
    CHECK(p.status == 200);
    CHECK(contains(p.body, "probe_success 1\n"));
    CHECK(contains(p.body, "rblscope_probe_deadline_reached 0\n"));
    CHECK(contains(p.body,
                   "rblscope_listed{target=\"192.0.2.99\",subject=\"192.0.2.99\",zone=\"bl.test\","
                   "list=\"Test BL\"} 1\n"));
    CHECK(contains(p.body, "zone=\"pbl.test\"")); // a probe shows every zone asked

    const auto module = http_get(ex.base + "/probe?target=192.0.2.99&module=bl-only");
    CHECK(module.status == 200);
    CHECK_FALSE(contains(module.body, "zone=\"pbl.test\""));
    CHECK(contains(module.body, "rblscope_target_status{target=\"192.0.2.99\"} 1\n")); // -w 0 -c 1

    // dead.test would cost 10 s; Prometheus gives 3 s, and the answer comes before that
    // (the run stops at 2.7 s), with what was decided.
    const auto cut = http_get(ex.base + "/probe?target=192.0.2.99&module=with-dead",
                              {"X-Prometheus-Scrape-Timeout-Seconds: 3"});
    CHECK(cut.status == 200);
    CHECK(cut.seconds < 3.0);
    CHECK(contains(cut.body, "rblscope_probe_deadline_reached 1\n"));
    CHECK(contains(cut.body, "zone=\"bl.test\",list=\"Test BL\"} 1\n"));
    CHECK(contains(cut.body,
                   "rblscope_lookup_error{target=\"192.0.2.99\",subject=\"192.0.2.99\",zone=\"dead."
                   "test\",list=\"dead.test\"} 1\n"));

    const auto none = http_get(ex.base + "/probe");
    CHECK(none.status == 400);
    CHECK(contains(none.body, "missing target"));
    const auto bad = http_get(ex.base + "/probe?target=%1b%5b31mx..y");
    CHECK(bad.status == 400);
    CHECK(contains(bad.body, "target:"));
    CHECK_FALSE(contains(bad.body, "\x1b")); // echoed input is sanitised
    const auto block = http_get(ex.base + "/probe?target=192.0.2.0/24");
    CHECK(block.status == 400);
    const auto unknown = http_get(ex.base + "/probe?target=192.0.2.99&module=nope");
    CHECK(unknown.status == 400);
    CHECK(contains(unknown.body,
                   "unknown module \"nope\" (the configuration names: bl-only, "
                   "with-dead)"));
    CHECK(contains(http_get(ex.base + "/metrics").body,
                   "rblscope_exporter_probes_rejected_total 4\n"));
}

TEST_CASE("serve: SIGHUP reloads targets and catalog; a broken reload keeps the old setup") {
    auto& f = fixture();
    const auto catalog = f.dir + "/serve-catalog.toml";
    std::ifstream original(f.catalog);
    write_file(catalog, std::string(std::istreambuf_iterator<char>(original), {}));
    const auto targets = write_targets("serve-reload.txt", "192.0.2.99\n");
    Exporter ex({"--targets", targets, "--zones", "t-bl", "--catalog", catalog});
    REQUIRE(ex.wait_for("rblscope_target_listings{target=\"192.0.2.99\"} 1\n",
                        std::chrono::seconds(10)));

    write_file(targets, "192.0.2.97\n192.0.2.2\n");
    ex.process->signal(SIGHUP);
    REQUIRE(ex.wait_for("rblscope_target_listings{target=\"192.0.2.2\"} 0\n",
                        std::chrono::seconds(10)));
    auto m = http_get(ex.base + "/metrics").body;
    CHECK(contains(m, "rblscope_target_listings{target=\"192.0.2.97\"} 1\n"));
    CHECK_FALSE(contains(m, "target=\"192.0.2.99\"")); // gone from the file, gone from /metrics
    CHECK(contains(m, "rblscope_exporter_reloads_total{result=\"success\"} 1\n"));

    write_file(catalog, "[[zone]]\nid = \"broken\"\nzone = \"x.test\"\nkind = \"nonsense\"\n");
    ex.process->signal(SIGHUP);
    REQUIRE(ex.wait_for("rblscope_exporter_reloads_total{result=\"failure\"} 1\n",
                        std::chrono::seconds(10)));
    m = http_get(ex.base + "/metrics").body;
    CHECK(contains(m, "rblscope_exporter_last_reload_success 0\n"));
    CHECK(contains(m, "rblscope_target_listings{target=\"192.0.2.97\"} 1\n"));
    CHECK(contains(http_get(ex.base + "/healthz").body, "last reload failed"));
    // The old setup still answers probes.
    CHECK(contains(http_get(ex.base + "/probe?target=192.0.2.99").body, "probe_success 1\n"));

    ex.process->signal(SIGTERM);
    const auto done = ex.process->wait(std::chrono::seconds(5));
    CHECK(done.exit_code == 0);
    CHECK(contains(done.err, "serve-catalog.toml:4")); // where the broken catalog is wrong
    ex.process.reset();
}

TEST_CASE("serve: a list that keeps failing its test points is suspended, tested, and resumed") {
    const int port = free_udp_port();
    auto flaky = std::make_unique<Server>(std::vector<std::string>{
        FAKE_DNS_BIN, "--port", std::to_string(port), "--zone", "flaky.test=silent"});
    REQUIRE(flaky->first_line().starts_with("PORT "));
    const auto targets = write_targets("serve-flaky.txt", "192.0.2.99\n");
    Exporter ex({"--targets",
                 targets,
                 "--zones",
                 "t-bl,flaky.test",
                 "--zone-server",
                 fmt::format("flaky.test=127.0.0.1:{}", port),
                 "--refresh",
                 "1",
                 "--min-refresh",
                 "1"});
    const std::string zl = "zone=\"flaky.test\",list=\"flaky.test\"";
    REQUIRE(ex.wait_for("rblscope_zone_suspended{" + zl + "} 1\n", std::chrono::seconds(15)));
    // Suspended: not asked, an error (never clean), the reason said; bl.test still answers.
    const std::string error_of_99 =
        "rblscope_lookup_error{target=\"192.0.2.99\",subject=\"192.0.2.99\"," + zl + "} 1\n";
    REQUIRE(ex.wait_for(error_of_99, std::chrono::seconds(10)));
    auto m = http_get(ex.base + "/metrics").body;
    CHECK(contains(m, "rblscope_target_verdict{target=\"192.0.2.99\",verdict=\"listed\"} 1\n"));
    CHECK(contains(m, "rblscope_zone_up{" + zl + "} 0\n"));
    CHECK(contains(m, "rblscope_zone_condition{" + zl + ",condition=\"no-answer\"} 1\n"));
    // Probes skip it too (neither its test points nor the target are asked).
    const auto probe = http_get(ex.base + "/probe?target=192.0.2.99");
    CHECK(contains(probe.body, error_of_99));
    CHECK(contains(probe.body, "probe_success 1\n"));

    // The list comes back: its test points pass, and it is asked again.
    flaky.reset();
    flaky = std::make_unique<Server>(std::vector<std::string>{
        FAKE_DNS_BIN, "--port", std::to_string(port), "--zone", "flaky.test=rfc"});
    REQUIRE(flaky->first_line().starts_with("PORT "));
    REQUIRE(ex.wait_for("rblscope_zone_condition{" + zl + ",condition=\"healthy\"} 1\n",
                        std::chrono::seconds(15)));
    REQUIRE(
        ex.wait_for("rblscope_listed{target=\"192.0.2.99\",subject=\"192.0.2.99\"," + zl + "} 1\n",
                    std::chrono::seconds(15)));
    CHECK(contains(http_get(ex.base + "/metrics").body, "rblscope_zone_suspended{" + zl + "} 0\n"));
    ex.process->signal(SIGTERM);
    const auto done = ex.process->wait(std::chrono::seconds(5));
    CHECK(contains(done.err, "flaky.test failed its test points twice in a row (no-answer)"));
    ex.process.reset();
}

TEST_CASE("serve: refused to start with one clear message") {
    auto busy = Exporter({"--zones", "t-bl"});
    REQUIRE(busy.wait_for("rblscope_exporter_targets 0\n", std::chrono::seconds(10)));
    const auto r = run_rblscope({"serve",
                                 "--listen",
                                 fmt::format("127.0.0.1:{}", busy.port),
                                 "--catalog",
                                 fixture().catalog,
                                 "--zones",
                                 "t-bl"});
    CHECK(r.exit_code == 3);
    CHECK(contains(r.err, "cannot listen"));
    const auto bad =
        run_rblscope({"serve", "--listen", "localhost", "--catalog", fixture().catalog});
    CHECK(bad.exit_code == 3);
    CHECK(contains(bad.err, "expected IP:PORT"));
    const auto resolver =
        run_rblscope({"serve", "--resolver", "999.1.1.1", "--catalog", fixture().catalog});
    CHECK(resolver.exit_code == 3);
    CHECK(contains(resolver.err, "999.1.1.1"));
    CHECK_FALSE(contains(resolver.err, "listening"));
    const auto missing = run_rblscope(
        {"serve", "--targets", "/nonexistent/targets", "--catalog", fixture().catalog});
    CHECK(missing.exit_code == 3);
    CHECK(contains(missing.err, "cannot read the targets file"));
}

TEST_CASE("check --zone-rate: one zone is asked at most that often, and every answer is right") {
    auto& f = fixture();
    const auto start = std::chrono::steady_clock::now();
    const auto r = run_rblscope({"check",
                                 "--catalog",
                                 f.catalog,
                                 "--resolver",
                                 fmt::format("127.0.0.1:{}", f.rbldnsd_port),
                                 "--zones",
                                 "t-bl",
                                 "--zone-rate",
                                 "20",
                                 "--format",
                                 "json",
                                 "192.0.2.96/28"});
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    REQUIRE(r.exit_code == 2);
    const auto doc = json::parse(r.out);
    // 2 test points, 16 addresses, 3 TXT for the listings: 21 queries, 20 a second at most,
    // so the last leaves 1 s after the first.
    CHECK(doc["summary"]["queries"] == 21);
    CHECK(seconds >= 0.95);
    int listed = 0;
    for (const auto& t : doc["targets"]) {
        const auto status = t["results"][0]["status"].get<std::string>();
        const auto ip = t["ip"].get<std::string>();
        const bool should = ip == "192.0.2.97" || ip == "192.0.2.99" || ip == "192.0.2.100";
        CHECK_MESSAGE(status == (should ? "listed" : "clean"), ip);
        listed += should ? 1 : 0;
    }
    CHECK(listed == 3);
}

TEST_CASE("serve: the shipped alert rules are valid and do what their tests say (promtool)") {
    const std::string dir = std::string(RBLSCOPE_SOURCE_DIR) + "/scripts/monitoring";
    const auto check = run({"promtool", "check", "rules", dir + "/rblscope-alerts.yml"});
    CHECK_MESSAGE(check.exit_code == 0, (check.out + check.err));
    const auto test =
        run({"/bin/sh", "-c", "cd " + dir + " && promtool test rules rblscope-alerts.test.yml"});
    CHECK_MESSAGE(test.exit_code == 0, (test.out + test.err));
}

TEST_CASE("serve: a real Prometheus scrapes /metrics and /probe") {
    if (!Prometheus::installed()) {
        MESSAGE("prometheus is not installed: skipped");
        return;
    }
    auto& f = fixture();
    const auto targets = write_targets("serve-prom.txt", "192.0.2.99\n192.0.2.1\n");
    Exporter ex(
        {"--targets", targets, "--zones", "t-bl,t-dead", "--refresh", "2", "--min-refresh", "1"});
    REQUIRE(ex.wait_for("rblscope_exporter_refreshes_total", std::chrono::seconds(10)));
    const Prometheus prom(fmt::format(R"(global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files: ["{1}/scripts/monitoring/rblscope-alerts.yml"]
scrape_configs:
  - job_name: rblscope
    static_configs:
      - targets: ["127.0.0.1:{0}"]
  - job_name: rblscope_probe
    metrics_path: /probe
    params:
      module: [""]
    static_configs:
      - targets: ["192.0.2.99"]
    relabel_configs:
      - source_labels: [__address__]
        target_label: __param_target
      - source_labels: [__param_target]
        target_label: instance
      - target_label: __address__
        replacement: 127.0.0.1:{0}
)",
                                      ex.port,
                                      RBLSCOPE_SOURCE_DIR));
    const auto query_document = [&](const std::string& q) { return prom.document(q); };
    const auto query = [&](const std::string& q) { return prom.query(q); };
    const auto wait_value = [&](const std::string& q) { return prom.wait_value(q); };
    CHECK(wait_value(R"(up{job="rblscope"})") == "1");
    CHECK(wait_value(R"(rblscope_listed{target="192.0.2.99",zone="bl.test"})") == "1");
    CHECK(wait_value(R"(rblscope_target_verdict{target="192.0.2.1"} == 1)") == "1");
    CHECK(query(R"(rblscope_target_verdict{target="192.0.2.1"} == 1)")[0]["metric"]["verdict"] ==
          "unknown"); // dead.test could not be asked: not "clean"
    // Codes join on from the info series.
    CHECK(
        query(
            R"(rblscope_listed{job="rblscope",target="192.0.2.99",zone="bl.test"} * on (job, instance, target, subject, zone) group_left (codes) rblscope_listing_info)")
            [0]["metric"]["codes"] == "127.0.0.2");
    CHECK(wait_value(R"(rblscope_zone_up{zone="dead.test"})") == "0");
    CHECK(wait_value(R"(rblscope_zone_up{zone="bl.test"})") == "1");
    CHECK(wait_value(R"(rblscope_lookup_error{target="192.0.2.1",zone="dead.test"})") == "1");
    // A listing decides the probe although dead.test could not be asked.
    CHECK(wait_value(R"(probe_success{job="rblscope_probe",instance="192.0.2.99"})") == "1");
    CHECK(wait_value(
              R"(rblscope_listed{job="rblscope_probe",instance="192.0.2.99",zone="bl.test"})") ==
          "1");
    CHECK(wait_value(R"(rblscope_lookup_error{job="rblscope_probe",zone="dead.test"})") == "1");
    CHECK(wait_value(R"(rblscope_probe_deadline_reached{job="rblscope_probe"})") == "0");
    // The shipped alert rules fire on what the exporter really exposes.
    CHECK(
        wait_value(
            R"(ALERTS{alertname="RblscopeTargetListed",target="192.0.2.99",alertstate="firing"})") ==
        "1");
    CHECK(wait_value(R"(ALERTS{alertname="RblscopeZoneBroken",zone="dead.test"})") == "1");
    CHECK(query(R"(ALERTS{alertname="RblscopeTargetListed",target="192.0.2.1"})").empty());
    CHECK(wait_value(R"(process_resident_memory_bytes{job="rblscope"} > 0)").has_value());
    // Prometheus kept scraping while dead.test was dead, and every scrape succeeded.
    CHECK(wait_value(R"(min_over_time(up{job="rblscope"}[1m]))") == "1");
    // The shipped Grafana dashboard: every panel's query is valid PromQL over these series,
    // and the headline panels show what the exporter knows.
    std::ifstream dash_file(std::string(RBLSCOPE_SOURCE_DIR) +
                            "/scripts/monitoring/rblscope-grafana.json");
    const auto dashboard = json::parse(dash_file);
    std::size_t exprs = 0;
    for (const auto& panel : dashboard["panels"]) {
        for (const auto& t : panel["targets"]) {
            auto expr = t["expr"].get<std::string>();
            if (const auto at = expr.find("$__rate_interval"); at != std::string::npos) {
                expr.replace(at, 16, "1m");
            }
            CAPTURE(expr);
            const auto doc = query_document(expr);
            CHECK(!doc.is_discarded());
            CHECK(doc.value("status", "") == "success");
            ++exprs;
        }
    }
    CHECK(exprs >= 10);
    // The headline figures, as the panels ask them (a target also probed counts once).
    const auto panel_expr = [&](const std::string& title) {
        for (const auto& panel : dashboard["panels"]) {
            if (panel["title"] == title) {
                return panel["targets"][0]["expr"].get<std::string>();
            }
        }
        FAIL("no panel " << title);
        return std::string();
    };
    CHECK(wait_value(panel_expr("Targets listed now")) == "1");
    CHECK(wait_value(panel_expr("Targets not fully checked")) == "1");
    CHECK(wait_value(panel_expr("Lists down")) == "1");
    CHECK(wait_value(panel_expr("Listings by list")) == "1");
    // The tables join the state sets and the info series back into one row per thing.
    const auto listings = query(panel_expr("Listings now"));
    REQUIRE(listings.size() == 1);
    CHECK(listings[0]["metric"]["codes"] == "127.0.0.2");
    bool dead_row = false;
    for (const auto& row : query(panel_expr("List health"))) {
        if (row["metric"]["zone"] == "dead.test") {
            dead_row = true;
            CHECK(row["metric"]["condition"] == "no-answer");
            CHECK(row["value"][1] == "0");
        }
    }
    CHECK(dead_row);
    (void)f;
}

TEST_SUITE_END();
