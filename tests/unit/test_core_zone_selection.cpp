// select_zones(): the catalog's defaults, what --zones names (ids, zone names, default, all,
// tag:NAME, zones outside the catalog, a key typed into a zone name), keyed zones standing
// in for the mirrors they replace, and --sources.

#include "rblscope/zone_selection.hpp"

#include <doctest/doctest.h>
#include <string>
#include <vector>

using namespace rblscope;

TEST_SUITE_BEGIN("core");

namespace {

const char* k_catalog = R"(
[[zone]]
id = "a"
zone = "a.test"
kind = "ip4"
default = true
tags = ["policy"]

[[zone]]
id = "b"
zone = "b.test"
kind = "ip4"
tags = ["spam"]

[[zone]]
id = "dead"
zone = "dead.test"
kind = "ip4"
status = "defunct"
note = "gone since 2020"
tags = ["spam"]

[[zone]]
id = "k"
zone = "{key}.k.test"
kind = "ip4"
key_env = "RBLSCOPE_TEST_SELECTION_KEY"
replaces = "a"

[[zone]]
id = "h"
zone = "api.example.test"
kind = "http"
adapter = "abuseipdb"
url = "https://api.example.test/v2"
key_env = "RBLSCOPE_TEST_SELECTION_HTTP"
)";

const Catalog& catalog() {
    static const Catalog c = [] {
        auto r = parse_catalog(k_catalog, "t.toml");
        REQUIRE_MESSAGE(r, (r ? "" : r.error().to_string()));
        return std::move(r.value());
    }();
    return c;
}

std::vector<std::string> ids(const ZoneSelection& s) {
    std::vector<std::string> out;
    for (const auto* z : s.zones) {
        out.push_back(z->id.empty() ? z->zone : z->id);
    }
    return out;
}

std::string error_of(const ZoneRequest& request) {
    std::map<std::string, std::string> keys;
    auto r = select_zones(catalog(), request, keys);
    return r ? std::string("(selected)") : r.error().to_string();
}

} // namespace

TEST_CASE("zone selection: the defaults, names, tags, all, in order and each once") {
    std::map<std::string, std::string> keys;
    auto defaults = select_zones(catalog(), {}, keys);
    REQUIRE(defaults);
    CHECK(ids(*defaults) == std::vector<std::string>{"a"});

    auto named = select_zones(catalog(), {"b, a.test,b,tag:policy", "", false}, keys);
    REQUIRE(named);
    CHECK(ids(*named) == std::vector<std::string>{"b", "a"});
    CHECK(named->warnings.empty());

    // all and tags skip dead zones; naming one works, with a warning saying why it is odd.
    auto all = select_zones(catalog(), {"all", "", false}, keys);
    REQUIRE(all);
    CHECK(ids(*all) == std::vector<std::string>{"a", "b", "k", "h"});
    auto spam = select_zones(catalog(), {"tag:spam,dead", "", false}, keys);
    REQUIRE(spam);
    CHECK(ids(*spam) == std::vector<std::string>{"b", "dead"});
    REQUIRE(spam->warnings.size() == 1);
    CHECK(spam->warnings[0] == "zone dead.test is defunct in the catalog (gone since 2020)");
    auto quiet = select_zones(catalog(), {"dead", "", true}, keys);
    REQUIRE(quiet);
    CHECK(quiet->warnings.empty());
}

TEST_CASE("zone selection: a zone outside the catalog lives in the selection, moved intact") {
    std::map<std::string, std::string> keys;
    auto r = select_zones(catalog(), {"a,bl.example.org", "", false}, keys);
    REQUIRE(r);
    ZoneSelection moved = std::move(r.value());
    REQUIRE(moved.zones.size() == 2);
    REQUIRE(moved.bare_zones.size() == 1);
    CHECK(moved.zones[1] == &moved.bare_zones.front()); // the pointer survived the move
    CHECK(moved.zones[1]->zone == "bl.example.org");
}

TEST_CASE("zone selection: a keyed zone replaces its mirror; a key in a zone name is taken") {
    std::map<std::string, std::string> keys{{"RBLSCOPE_TEST_SELECTION_KEY", "secret"}};
    auto replaced = select_zones(catalog(), {}, keys);
    REQUIRE(replaced);
    CHECK(ids(*replaced) == std::vector<std::string>{"k"});
    auto both = select_zones(catalog(), {"a,k", "", false}, keys);
    REQUIRE(both);
    CHECK(ids(*both) == std::vector<std::string>{"k"}); // not twice

    std::map<std::string, std::string> none;
    auto typed = select_zones(catalog(), {"abc123.k.test", "", false}, none);
    REQUIRE(typed);
    CHECK(ids(*typed) == std::vector<std::string>{"k"});
    CHECK(none["RBLSCOPE_TEST_SELECTION_KEY"] == "abc123");
    REQUIRE(typed->warnings.size() == 1);
    CHECK(typed->warnings[0].find("abc123") == std::string::npos); // the key is not repeated
    CHECK(typed->warnings[0].find("other users can read command lines") != std::string::npos);
}

TEST_CASE("zone selection: --sources keeps kinds and turns HTTP sources on") {
    std::map<std::string, std::string> keys;
    auto http = select_zones(catalog(), {"", "dns,abuseipdb", false}, keys);
    REQUIRE(http);
    CHECK(ids(*http) == std::vector<std::string>{"a", "h"});
    auto only_http = select_zones(catalog(), {"", "http", false}, keys);
    REQUIRE(only_http);
    CHECK(ids(*only_http) == std::vector<std::string>{"h"});
    // With --zones, --sources only filters.
    auto filtered = select_zones(catalog(), {"a,b", "http", false}, keys);
    CHECK_FALSE(filtered);
}

TEST_CASE("zone selection: errors name the option and what was wrong") {
    CHECK(error_of({"tag:nope", "", false}) == "--zones: no usable zone has the tag \"nope\"");
    CHECK(error_of({"a,not/a/zone", "", false}) ==
          "--zones: \"not/a/zone\" is neither a catalog id, a zone name, default, all nor "
          "tag:NAME");
    CHECK(error_of({"", "dns,ftp", false})
              .starts_with("--sources: \"ftp\" is not dns, http or an HTTP adapter (abuseipdb, "));
    CHECK(error_of({"a", "http", false}) == "no zones selected");
    CHECK(error_of({",", "", false}) == "no zones selected");
}

TEST_CASE("zone filter: kind, status, tag and defaults, each empty field matching all") {
    const auto ids_of = [](const std::vector<const Zone*>& zones) {
        std::vector<std::string> out;
        for (const auto* z : zones) {
            out.push_back(z->id);
        }
        return out;
    };
    CHECK(filter_zones(catalog(), {}).size() == catalog().zones.size());
    CHECK(ids_of(filter_zones(catalog(), {"http", "", "", false})) ==
          std::vector<std::string>{"h"});
    CHECK(ids_of(filter_zones(catalog(), {"", "defunct", "", false})) ==
          std::vector<std::string>{"dead"});
    CHECK(ids_of(filter_zones(catalog(), {"ip4", "", "spam", false})) ==
          std::vector<std::string>{"b", "dead"});
    CHECK(ids_of(filter_zones(catalog(), {"", "", "", true})) == std::vector<std::string>{"a"});
    CHECK(filter_zones(catalog(), {"", "", "no-such-tag", false}).empty());
}
TEST_SUITE_END();
