// `serve --history FILE` records a listing's life as fake_dns changes what it says between
// refreshes, and `rblscope history FILE` shows it; a second writer is refused.

#include "integration/serve_helpers.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

using namespace rblscope::test;
using nlohmann::json;

TEST_SUITE_BEGIN("integration");

namespace {

std::unique_ptr<Server> hist_zone(int port, const std::string& mode) {
    return fake_zones(port, {"hist.test=" + mode});
}

} // namespace

TEST_CASE("serve --history: listed, then delisted, recorded once each and shown by history") {
    const int port = free_udp_port();
    // 192.0.2.97 is clean under "rfc" and listed under "half" (odd last octets).
    auto zone = hist_zone(port, "rfc");
    const auto targets = write_targets("serve-history.txt", "192.0.2.97\n");
    const auto file = make_temp_dir() + "/history.db";
    Exporter ex(std::vector<std::string>{"--targets",
                                         targets,
                                         "--zones",
                                         "hist.test",
                                         "--zone-server",
                                         fmt::format("hist.test=127.0.0.1:{}", port),
                                         "--all-zones",
                                         "--refresh",
                                         "1",
                                         "--min-refresh",
                                         "1",
                                         "--history",
                                         file});
    const std::string series =
        "rblscope_listed{target=\"192.0.2.97\",subject=\"192.0.2.97\",zone=\"hist.test\","
        "list=\"hist.test\"} ";
    REQUIRE(ex.wait_for(series + "0\n", std::chrono::seconds(15)));

    // A second serve on the same file is refused before it serves, saying why.
    const auto second = run_rblscope({"serve",
                                      "--listen",
                                      fmt::format("127.0.0.1:{}", free_tcp_port()),
                                      "--catalog",
                                      fixture().catalog,
                                      "--history",
                                      file});
    CHECK(second.exit_code == 3);
    CHECK(contains(second.err, "another process is writing this history"));

    zone.reset(); // the port is free again before the next server binds it
    zone = hist_zone(port, "half");
    REQUIRE(ex.wait_for(series + "1\n", std::chrono::seconds(15)));
    zone.reset();
    zone = hist_zone(port, "rfc");
    REQUIRE(ex.wait_for(series + "0\n", std::chrono::seconds(15)));
    // A few more refreshes with nothing new: nothing more is recorded.
    std::this_thread::sleep_for(std::chrono::milliseconds(2500));

    const auto r = run_rblscope({"history", file, "--format", "json"});
    CAPTURE(r.err);
    REQUIRE(r.exit_code == 0);
    const auto doc = json::parse(r.out);
    REQUIRE(doc["targets"].size() == 1);
    const auto& t = doc["targets"][0];
    CHECK(t["target"] == "192.0.2.97");
    CHECK(t["open_listings"] == 0);
    REQUIRE(t["listings"].size() == 1);
    const auto& l = t["listings"][0];
    CHECK(l["zone"] == "hist.test");
    CHECK(l["codes"] == json::array({"127.0.0.2"}));
    CHECK(l["until"].is_string());
    CHECK(l["seconds"].get<std::int64_t>() >= 0);
    CHECK(l["seconds"].get<std::int64_t>() < 60);

    // The exporter serves the same document, for one target or all.
    const auto served = http_get(ex.base + "/history.json?target=192.0.2.97");
    CHECK(served.status == 200);
    const auto served_doc = json::parse(served.body);
    CHECK(served_doc["targets"] == doc["targets"]);
    CHECK(http_get(ex.base + "/history.json?target=198.51.100.1").body.find("\"targets\":[]") !=
          std::string::npos);
    const auto bad_since = http_get(ex.base + "/history.json?since=soon");
    CHECK(bad_since.status == 400);
    CHECK(contains(bad_since.body, "--since soon: not a date"));

    const auto text = run_rblscope({"history", file, "192.0.2.97"});
    CHECK(text.exit_code == 0);
    CHECK(contains(text.out, "192.0.2.97\n  was listed on hist.test from "));
    CHECK(contains(text.out, "1 target: 0 open listings, 1 ended\n"));
    const auto csv = run_rblscope({"history", file, "--format", "csv"});
    CHECK(contains(csv.out,
                   "target,zone,id,subject,codes,meaning,txt,delist_url,since,until,"
                   "seconds\r\n192.0.2.97,hist.test,"));
    CHECK(run_rblscope({"history", file, "--since", "1h"}).exit_code == 0);
    const auto bad = run_rblscope({"history", file, "--since", "yesterday"});
    CHECK(bad.exit_code == 3);
    CHECK(contains(bad.err, "--since yesterday: not a date"));
    const auto missing = run_rblscope({"history", file + ".nope"});
    CHECK(missing.exit_code == 3);
    CHECK(contains(missing.err, "no such history file"));
}

TEST_CASE("serve without --history: /history.json says there is none") {
    Exporter ex(std::vector<std::string>{"--zones", "t-bl"});
    REQUIRE(ex.wait_for("rblscope_exporter_refreshes_total", std::chrono::seconds(10)));
    const auto r = http_get(ex.base + "/history.json");
    CHECK(r.status == 404);
    CHECK(contains(r.body, "runs without --history FILE"));
}

TEST_SUITE_END();
