// Local catalog overrides (lists.d): a shipped zone changed by id, a zone and a rejection
// rule added, a zone retired, without touching lists.toml; errors name the override file;
// `zones --show-origin` says where each field came from.

#include "integration/fixtures.hpp"

#include <doctest/doctest.h>
#include <filesystem>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

using namespace rblscope::test;
using nlohmann::json;

TEST_SUITE_BEGIN("integration");

TEST_CASE("lists.d: overrides change, add and retire zones and rules by id") {
    auto& f = fixture();
    const auto base = make_temp_dir();
    const auto system_dir = base + "/etc-lists.d";
    const auto user_dir = base + "/user-lists.d";
    std::filesystem::create_directories(system_dir);
    std::filesystem::create_directories(user_dir);
    // Our rbldnsd mirror for a shipped zone, and a private list (the same data under
    // another name), both answered by the test rbldnsd with no --resolver given.
    write_file(system_dir + "/10-local.toml",
               fmt::format("# the mail team's local lists\n"
                           "[[zone]]\n"
                           "id = \"t-bl\"\n"
                           "server = \"127.0.0.1:{0}\"\n"
                           "\n"
                           "[[zone]]\n"
                           "id = \"t-private\"\n"
                           "name = \"Our private list\"\n"
                           "zone = \"s3cretkey.dq.test\"\n"
                           "kind = \"ip4\"\n"
                           "status = \"active\"\n"
                           "server = \"127.0.0.1:{0}\"\n"
                           "codes = [ {{ code = \"127.0.0.2\", meaning = \"private: no\" }} ]\n",
                           f.rbldnsd_port));
    write_file(user_dir + "/20-retire.toml", "[[zone]]\nid = \"t-pbl\"\nstatus = \"defunct\"\n");
    write_file(user_dir + ".skipped.toml", "not toml at all ["); // not in a lists.d directory
    write_file(user_dir + "/.hidden.toml", "not toml at all ["); // hidden: not read
    write_file(user_dir + "/notes.txt", "not toml at all [");    // not *.toml: not read
    const std::vector<std::string> env{"RBLSCOPE_LISTS_D=" + system_dir + ":" + user_dir};

    const auto check = run_rblscope({"check",
                                     "--catalog",
                                     f.catalog,
                                     "--zones",
                                     "t-bl,t-private",
                                     "--format",
                                     "json",
                                     "192.0.2.99"},
                                    "",
                                    env);
    CHECK_MESSAGE(check.exit_code == 2, (check.out + check.err));
    const auto doc = json::parse(check.out);
    CHECK(result_for(doc, 0, "bl.test")["status"] == "listed");
    CHECK(result_for(doc, 0, "s3cretkey.dq.test")["status"] == "listed");
    CHECK(result_for(doc, 0, "s3cretkey.dq.test")["meaning"] == "private: no");

    const auto defaults =
        run_rblscope({"zones", "--catalog", f.catalog, "--default", "--format", "json"}, "", env);
    const auto zones = json::parse(defaults.out);
    const auto has = [&](const std::string& id) {
        return std::any_of(
            zones.begin(), zones.end(), [&](const json& z) { return z["id"] == id; });
    };
    CHECK(!has("t-pbl")); // retired by the override: no longer on by default
    CHECK(has("t-bl"));

    const auto origin = run_rblscope(
        {"zones", "--catalog", f.catalog, "--show-origin", "--format", "json"}, "", env);
    for (const auto& z : json::parse(origin.out)) {
        if (z["id"] == "t-bl") {
            CHECK(z["origin"]["defined"].get<std::string>().starts_with(f.catalog + ":"));
            CHECK(z["origin"]["fields"]["server"] == system_dir + "/10-local.toml:4");
            CHECK(z["origin"]["fields"]["kind"].get<std::string>().starts_with(f.catalog));
        }
        if (z["id"] == "t-private") {
            CHECK(z["origin"]["defined"] == system_dir + "/10-local.toml:6");
        }
    }
    const auto text = run_rblscope({"zones", "--catalog", f.catalog, "--show-origin"}, "", env);
    CHECK(text.out.find("    status         " + user_dir + "/20-retire.toml:3") !=
          std::string::npos);

    // An error in an override names its own file, line and column.
    write_file(user_dir + "/30-typo.toml", "[[zone]]\nid = \"t-bl\"\nstatus = \"activ\"\n");
    const auto bad = run_rblscope({"zones", "--catalog", f.catalog}, "", env);
    CHECK(bad.exit_code == 3);
    CHECK(bad.err.find(user_dir + "/30-typo.toml:3:10: zone \"t-bl\": unknown status") !=
          std::string::npos);
    std::filesystem::remove(user_dir + "/30-typo.toml");
    write_file(user_dir + "/31-syntax.toml", "[[zone]\n");
    CHECK(run_rblscope({"zones", "--catalog", f.catalog}, "", env)
              .err.find(user_dir + "/31-syntax.toml:1:") != std::string::npos);
    std::filesystem::remove(user_dir + "/31-syntax.toml");
}

TEST_CASE("lists.d: a rejection rule of one's own comes before the shipped ones") {
    const auto dir = make_temp_dir();
    write_file(dir + "/acme.toml",
               "[[provider]]\n"
               "id = \"acme-filter\"\n"
               "name = \"ACME mail filter\"\n"
               "hosts = [\".filter.acme.example\"]\n"
               "\n"
               "[[rejection]]\n"
               "id = \"acme-blocklist\"\n"
               "category = \"provider-blocklist\"\n"
               "provider = \"acme-filter\"\n"
               "patterns = ['blocked using (?P<list>ACME-BL)']\n"
               "cause = \"ACME's own list names {ip}.\"\n"
               "steps = [\"Ask security@acme.example to remove {ip}.\"]\n");
    const std::string reply =
        "554 5.7.1 Service unavailable; Client host [192.0.2.9] blocked using ACME-BL\n";
    const auto local =
        run_rblscope({"explain", "--catalog", RBLSCOPE_CATALOG_FILE, "--format", "json", "-"},
                     reply,
                     {"RBLSCOPE_LISTS_D=" + dir});
    const auto doc = json::parse(local.out);
    REQUIRE(doc["findings"].size() == 1);
    CHECK(doc["findings"][0]["rule"] == "acme-blocklist");
    CHECK(doc["findings"][0]["provider"]["id"] == "acme-filter");
    CHECK(doc["findings"][0]["cause"] == "ACME's own list names 192.0.2.9.");
    // Without the override the shipped generic rule explains it.
    const auto shipped = json::parse(
        run_rblscope({"explain", "--catalog", RBLSCOPE_CATALOG_FILE, "--format", "json", "-"},
                     reply)
            .out);
    CHECK(shipped["findings"][0]["rule"] != "acme-blocklist");
}

TEST_SUITE_END();
