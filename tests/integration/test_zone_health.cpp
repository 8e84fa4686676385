// `rblscope zones --health` against fake_dns: one zone of each failure kind, with the
// catalog edits that follow; and `check` warning about active zones that fail their points.

#include "integration/fixtures.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

using namespace rblscope::test;
using nlohmann::json;

namespace {

std::string health_catalog() {
    auto& f = fixture();
    const auto path = f.dir + "/health.toml";
    std::string text;
    for (const auto& [id, status] :
         std::vector<std::pair<std::string, std::string>>{{"good", "defunct"},
                                                          {"dead", "active"},
                                                          {"wild", "active"},
                                                          {"parked", "active"},
                                                          {"errcode", "active"},
                                                          {"nxall", "active"},
                                                          {"refused", "unverified"}}) {
        text += fmt::format("[[zone]]\nid = \"{}\"\nzone = \"{}.test\"\nkind = \"ip4\"\n"
                            "status = \"{}\"\n",
                            id,
                            id,
                            status);
        if (id == "errcode") {
            text += "codes = [ { code = \"127.255.255.254\", meaning = \"query via a public "
                    "resolver\", severity = \"error\" } ]\n";
        }
        text += "\n";
    }
    text += "[[zone]]\nid = \"keyed\"\nzone = \"{key}.keyed.test\"\nkind = \"ip4\"\n"
            "status = \"key-required\"\nkey_env = \"RBLSCOPE_TEST_HEALTH_KEY\"\n";
    write_file(path, text);
    return path;
}

/// `rblscope zones --health` through fake_dns, with `extra` arguments.
RunResult zones_health(const std::string& catalog, const std::vector<std::string>& extra) {
    std::vector<std::string> args{"zones",
                                  "--health",
                                  "--catalog",
                                  catalog,
                                  "--resolver",
                                  fmt::format("127.0.0.1:{}", fixture().fake_port),
                                  "--query-timeout",
                                  "0.5"};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_rblscope(args);
}

} // namespace

TEST_SUITE_BEGIN("integration");

TEST_CASE("zones --health: one zone of each kind of failure, and the edits that follow") {
    auto& f = fixture();
    const auto catalog = health_catalog();
    const auto r = zones_health(catalog, {"--format", "json"});
    CAPTURE(r.err);
    CHECK(r.exit_code == 1); // edits are suggested
    const auto doc = json::parse(r.out);
    std::map<std::string, json> by_id;
    for (const auto& z : doc["zones"]) {
        by_id[z["id"].get<std::string>()] = z;
    }
    REQUIRE(by_id.size() == 8);
    CHECK(by_id["good"]["health"] == "healthy");
    CHECK(by_id["good"]["suggested_status"] == "active"); // the catalog called it defunct
    CHECK(by_id["dead"]["health"] == "no-answer");
    CHECK(by_id["dead"]["suggested_status"] == "defunct");
    CHECK(by_id["wild"]["health"] == "lists-everything");
    CHECK(by_id["wild"]["suggested_status"] == "lists-everything");
    CHECK(by_id["wild"]["points"][1] == json({{"subject", "127.0.0.1"}, {"answer", "127.0.0.2"}}));
    CHECK(by_id["parked"]["health"] == "outside-127");
    CHECK(by_id["parked"]["suggested_status"] == "defunct");
    CHECK(by_id["errcode"]["health"] == "refuses");
    CHECK(by_id["errcode"]["evidence"].get<std::string>().find("query via a public resolver") !=
          std::string::npos);
    CHECK(by_id["errcode"]["suggested_status"].is_null()); // who asks, not the list
    CHECK(by_id["nxall"]["health"] == "refuses");          // NXDOMAIN for the positive point
    CHECK(by_id["refused"]["health"] == "refuses");
    CHECK(by_id["keyed"]["health"] == "untested");
    CHECK(by_id["keyed"]["evidence"].get<std::string>().find("RBLSCOPE_TEST_HEALTH_KEY") !=
          std::string::npos);
    CHECK(doc["summary"]["suggested_edits"] == 4);

    const auto text = zones_health(catalog, {});
    CHECK(text.out.find("Suggested catalog edits") != std::string::npos);
    CHECK(text.out.find("id = \"wild\"  status = \"lists-everything\"  # was \"active\"") !=
          std::string::npos);
    CHECK(text.err.empty()); // no status warnings for zones asked on purpose
}

TEST_CASE("check warns when zones the catalog calls active fail their test points") {
    auto& f = fixture();
    const auto r = run_rblscope({"check",
                                 "--catalog",
                                 health_catalog(),
                                 "--resolver",
                                 fmt::format("127.0.0.1:{}", f.fake_port),
                                 "--zones",
                                 "wild,parked,good",
                                 "192.0.2.1"});
    CHECK(r.err.find("2 zones the catalog calls active failed their test points here: "
                     "wild.test (lists-everything), parked.test (outside-127)") !=
          std::string::npos);
    // Only silent zones: the resolver is the likelier culprit, and the warning says so.
    const auto silent = run_rblscope({"check",
                                      "--catalog",
                                      health_catalog(),
                                      "--resolver",
                                      fmt::format("127.0.0.1:{}", f.fake_port),
                                      "--zones",
                                      "dead,errcode",
                                      "--query-timeout",
                                      "0.4",
                                      "192.0.2.1"});
    CHECK(silent.err.find("1 of 2 zones did not answer their test points") == std::string::npos);
    CHECK(silent.err.find("a zone the catalog calls active failed its test points here: "
                          "dead.test (no-answer)") != std::string::npos);
    const auto all_silent = run_rblscope({"check",
                                          "--catalog",
                                          health_catalog(),
                                          "--resolver",
                                          fmt::format("127.0.0.1:{}", f.fake_port),
                                          "--zones",
                                          "dead",
                                          "--query-timeout",
                                          "0.4",
                                          "192.0.2.1"});
    // The resolver in use is named.
    CHECK(all_silent.err.find(fmt::format("1 of 1 zones did not answer their test points: the "
                                          "resolver (127.0.0.1:{}) or the network is the "
                                          "likely cause",
                                          f.fake_port)) != std::string::npos);
}

TEST_SUITE_END();
