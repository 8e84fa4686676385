#include "net/resolvers.hpp"

#include <doctest/doctest.h>

using namespace rblscope;

TEST_SUITE_BEGIN("net");

TEST_CASE("resolvers::parse_server") {
    CHECK(parse_server("192.0.2.1")->csv() == "192.0.2.1:53");
    CHECK(parse_server("127.0.0.1:5353")->csv() == "127.0.0.1:5353");
    CHECK(parse_server("2001:db8::53")->csv() == "[2001:db8::53]:53");
    CHECK(parse_server("[::1]:5353")->csv() == "[::1]:5353");
    CHECK(parse_server("dns.example").error().message ==
          "\"dns.example\" is not an IP address (a resolver is given as IP or IP:PORT)");
    CHECK(parse_server("127.0.0.1:0").error().message == "\"127.0.0.1:0\": port must be 1..65535");
    CHECK(parse_server("127.0.0.1:99999").error().message ==
          "\"127.0.0.1:99999\": port must be 1..65535");
    CHECK_FALSE(parse_server("[::1"));
}

TEST_CASE("resolvers::is_public_resolver") {
    const std::vector<std::string> pub{"8.8.8.8", "2606:4700:4700::1111"};
    CHECK(is_public_resolver("8.8.8.8:53", pub));
    CHECK(is_public_resolver("[2606:4700:4700::1111]:53", pub));
    CHECK_FALSE(is_public_resolver("127.0.0.1:53", pub));
}

TEST_SUITE_END();
