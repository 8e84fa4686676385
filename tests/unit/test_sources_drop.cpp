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

TEST_CASE("sources: every adapter can be asked and read") {
    // The catalog's list of names (core) is exactly the adapters there are, in name order.
    CHECK(http_adapter_names() == adapter_names());
    REQUIRE(http_adapter_names().size() >= 9);
    for (const auto name : http_adapter_names()) {
        CAPTURE(name);
        const auto* a = find_adapter(name);
        REQUIRE(a);
        const bool reads = a->read != nullptr || a->read_with != nullptr;
        if (a->bulk != nullptr) {
            CHECK((a->bulk->files != nullptr));
            CHECK((a->bulk->parse != nullptr));
            // Matched offline, or (two-step) read with a request per address.
            CHECK((a->bulk->match != nullptr || (a->request != nullptr && reads)));
        } else {
            CHECK((a->request != nullptr));
            CHECK((a->read != nullptr));
        }
        CHECK((a->read_with == nullptr || a->bulk != nullptr));
    }
}

TEST_CASE("snds: the CSV readers") {
    const auto& status = *find_adapter("snds-ipstatus")->bulk;
    auto blocks = status.parse("192.0.2.10,192.0.2.11,Yes,Blocked, for a reason\r\n"
                               "192.0.2.20,192.0.2.20,No,\r\n",
                               "ipStatus.aspx");
    REQUIRE(blocks);
    REQUIRE(blocks->size() == 1);
    CHECK((*blocks)[0].label == "Blocked, for a reason");
    CHECK(status.parse("", "ipStatus.aspx")->empty()); // no blocked ranges
    CHECK(status.parse("192.0.2.11,192.0.2.10,Yes,x\r\n", "s").error().to_string() ==
          "s:1: not an IPv4 range: 192.0.2.11,192.0.2.10,Yes,x");
    CHECK(status.parse("192.0.2.10\r\n", "s").error().to_string() ==
          "s:1: expected first_ip,last_ip,blocked,details: 192.0.2.10");

    const auto& data = *find_adapter("snds-data")->bulk;
    const std::string day = "1/1/2026 9:00 PM,1/2/2026 9:00 PM,";
    auto rows = data.parse(
        "192.0.2.1," + day + "1,1,1,GREEN,< 0.1%,,,0,h,m,\"a \"\"quoted\"\", b\"\r\n", "data.aspx");
    REQUIRE(rows);
    REQUIRE(rows->size() == 1);
    CHECK((*rows)[0].fields[13] == "a \"quoted\", b");
    CHECK(data.parse("192.0.2.1," + day + "1,1,1,GREEN,< 0.1%,,,0,h,m,\"open\r\n", "d")
              .error()
              .to_string()
              .starts_with("d:1: expected 14 comma-separated fields: "));
    CHECK(data.parse("192.0.2.1,too,few\r\n", "d").error().to_string().starts_with("d:1: "));
    CHECK(data.parse("<html>", "d").error().message.starts_with("SNDS answered with an HTML page"));
}
