// Scale-out the Prometheus way: two `rblscope serve` instances answer /probe, and one
// Prometheus spreads a shared target list over them with hashmod relabelling. Every target
// is probed by exactly one instance, and the answers are the same as from one instance.

#include "integration/fixtures.hpp"
#include "integration/serve_helpers.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

using namespace rblscope::test;

TEST_SUITE_BEGIN("integration");

TEST_CASE("serve: two instances share one target list through Prometheus' hashmod") {
    if (!Prometheus::installed()) {
        MESSAGE("prometheus is not installed: skipped");
        return;
    }
    Exporter first({"--zones", "t-bl"});
    Exporter second({"--zones", "t-bl"});
    REQUIRE(first.wait_for("rblscope_exporter_build_info", std::chrono::seconds(10)));
    REQUIRE(second.wait_for("rblscope_exporter_build_info", std::chrono::seconds(10)));
    // 192.0.2.97, .99 and .100 are listed on bl.test (the fixture's rbldnsd).
    const std::vector<std::string> targets{"192.0.2.1",
                                           "192.0.2.2",
                                           "192.0.2.3",
                                           "192.0.2.4",
                                           "192.0.2.5",
                                           "192.0.2.97",
                                           "192.0.2.99",
                                           "192.0.2.100"};
    // The README's configuration, with the two instances' ports filled in.
    const Prometheus prom(fmt::format(R"(global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: rblscope
    static_configs:
      - targets: ["127.0.0.1:{0}", "127.0.0.1:{1}"]
  - job_name: rblscope_probe
    metrics_path: /probe
    static_configs:
      - targets: ["{2}"]
    relabel_configs:
      - source_labels: [__address__]
        target_label: __param_target
      - source_labels: [__param_target]
        target_label: instance
      - source_labels: [__param_target]
        modulus: 2
        target_label: __tmp_shard
        action: hashmod
      - source_labels: [__tmp_shard]
        target_label: shard
      - source_labels: [__tmp_shard]
        regex: "0"
        target_label: __address__
        replacement: 127.0.0.1:{0}
      - source_labels: [__tmp_shard]
        regex: "1"
        target_label: __address__
        replacement: 127.0.0.1:{1}
)",
                                      first.port,
                                      second.port,
                                      fmt::join(targets, "\", \"")));
    // Every target is there, each exactly once.
    CHECK(prom.wait_value(R"(count(probe_success{job="rblscope_probe"}) == 8)") == "8");
    CHECK(prom.value(R"(max(count by (instance) (probe_success{job="rblscope_probe"})))") == "1");
    // Both instances did a share of the work, each only its own.
    CHECK(prom.value(R"(count(count by (shard) (probe_success{job="rblscope_probe"})))") == "2");
    CHECK(
        prom.wait_value(
            R"(count(sum by (instance) (rblscope_exporter_probes_total{job="rblscope"}) > 0) == 2)") ==
        "2");
    // The answers are the ones one instance would give.
    CHECK(prom.wait_value(
              R"(count(rblscope_listed{job="rblscope_probe",zone="bl.test"} == 1) == 3)") == "3");
    for (const auto* listed : {"192.0.2.97", "192.0.2.99", "192.0.2.100"}) {
        CHECK_MESSAGE(prom.value(fmt::format(
                          R"(rblscope_listed{{job="rblscope_probe",instance="{}",zone="bl.test"}})",
                          listed)) == "1",
                      listed);
    }
    CHECK(prom.value(R"(min(probe_success{job="rblscope_probe"}))") == "1");
}

TEST_SUITE_END();
