#include "sources/adapter.hpp"

#include <doctest/doctest.h>

using namespace rblscope;

TEST_SUITE_BEGIN("sources");

TEST_CASE("spamhaus-drop: parsing names the line, matching finds the block") {
    const auto* adapter = find_adapter("spamhaus-drop");
    REQUIRE(adapter);
    REQUIRE(adapter->bulk);
    const auto& list = *adapter->bulk;
    const std::string meta = "{\"type\":\"metadata\",\"records\":2}\n";
    auto ok = list.parse("{\"cidr\":\"192.0.2.0/25\",\"sblid\":\"SBL1\"}\n\n"
                         "{\"cidr\":\"2001:db8::/32\"}\n" +
                             meta,
                         "drop.json");
    REQUIRE(ok);
    REQUIRE(ok->size() == 2);
    CHECK(list.match(*ok, *IpAddress::parse("192.0.2.127")).status == Status::listed);
    CHECK(list.match(*ok, *IpAddress::parse("192.0.2.128")).status == Status::clean);
    CHECK(list.match(*ok, *IpAddress::parse("2001:db8:1::1")).meaning ==
          "DROP: in 2001:db8::/32, a netblock hijacked or run by spammers (do not route or peer)");

    CHECK(list.parse("{\"cidr\":\"192.0.2.0/24\"}\n", "d.json").error().to_string() ==
          "d.json: no metadata line at the end: the file looks truncated");
    CHECK(list.parse("{\"cidr\":\"192.0.2.0/24\"}\nnot json\x1b[31m\n" + meta, "d.json")
              .error()
              .to_string() == "d.json:2: not a JSON object: not json[31m");
    CHECK(list.parse("{\"sblid\":\"x\"}\n" + meta, "d.json").error().to_string() ==
          "d.json:1: a record without \"cidr\"");
    CHECK(list.parse("{\"cidr\":\"192.0.2.1/24\"}\n" + meta, "d.json")
              .error()
              .to_string()
              .starts_with("d.json:1: "));
}

TEST_CASE("sources: every adapter name the catalog accepts has an adapter") {
    for (const auto name : http_adapter_names()) {
        CAPTURE(name);
        const auto* a = find_adapter(name);
        REQUIRE(a);
        CHECK((a->bulk != nullptr || (a->request != nullptr && a->read != nullptr)));
    }
}
