#include "rblscope/ip.hpp"

#include <doctest/doctest.h>

using namespace rblscope;

TEST_SUITE_BEGIN("core");

TEST_CASE("ip::dnsbl_query_name") {
    SUBCASE("IPv4 octets are reversed") {
        CHECK(dnsbl_query_name(*IpAddress::parse("192.0.2.99"), "zen.spamhaus.org") ==
              "99.2.0.192.zen.spamhaus.org");
        CHECK(dnsbl_query_name(*IpAddress::parse("127.0.0.2"), "x.test") == "2.0.0.127.x.test");
    }
    SUBCASE("IPv6 is 32 reversed nibbles") {
        CHECK(dnsbl_query_name(*IpAddress::parse("2001:db8:7ca6:22::45"), "z") ==
              "5.4.0.0.0.0.0.0.0.0.0.0.0.0.0.0.2.2.0.0.6.a.c.7.8.b.d.0.1.0.0.2.z");
    }
    SUBCASE("IPv4-mapped IPv6 becomes IPv4") {
        const auto ip = IpAddress::parse("::ffff:192.0.2.1");
        REQUIRE(ip);
        CHECK(ip->is_v4());
        CHECK(ip->reversed() == "1.2.0.192");
    }
    SUBCASE("parse_exact keeps the RFC 5782 IPv6 test point as IPv6") {
        const auto ip = IpAddress::parse_exact("::ffff:7f00:2");
        REQUIRE(ip);
        CHECK_FALSE(ip->is_v4());
        CHECK(ip->reversed() == "2.0.0.0.0.0.f.7.f.f.f.f.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0");
    }
}

TEST_CASE("ip::parse rejects bad text") {
    for (const char* bad : {"",
                            "1.2.3",
                            "1.2.3.4.5",
                            "256.1.1.1",
                            "01.2.3.4",
                            "1.2.3.4 ",
                            "fe80::1%eth0",
                            "::g",
                            "2001:db8:::1",
                            "localhost"}) {
        CAPTURE(bad);
        CHECK_FALSE(IpAddress::parse(bad));
    }
    CHECK(IpAddress::parse("2001:DB8::1")->to_string() == "2001:db8::1");
    // Every byte counts: an address followed by a NUL and more is not an address.
    CHECK_FALSE(IpAddress::parse(std::string_view("192.0.2.1\0junk", 14)));
    CHECK_FALSE(IpAddress::parse_exact(std::string_view("::1\0", 4)));
}

TEST_CASE("ip::Cidr") {
    SUBCASE("expands in order") {
        const auto c = Cidr::parse("192.0.2.252/30");
        REQUIRE(c);
        CHECK(c->size() == 4);
        CHECK(c->at(0).to_string() == "192.0.2.252");
        CHECK(c->at(3).to_string() == "192.0.2.255");
        CHECK(c->contains(*IpAddress::parse("192.0.2.254")));
        CHECK_FALSE(c->contains(*IpAddress::parse("192.0.3.0")));
    }
    SUBCASE("carries across octets") {
        const auto c = Cidr::parse("10.0.0.0/8");
        REQUIRE(c);
        CHECK(c->at(256).to_string() == "10.0.1.0");
        CHECK(c->at(65536 + 2).to_string() == "10.1.0.2");
    }
    SUBCASE("IPv6") {
        const auto c = Cidr::parse("2001:db8::/126");
        REQUIRE(c);
        CHECK(c->size() == 4);
        CHECK(c->at(3).to_string() == "2001:db8::3");
        CHECK(Cidr::parse("2001:db8::/32")->size() == UINT64_MAX);
    }
    SUBCASE("host bits set are an error that suggests the block") {
        const auto c = Cidr::parse("192.0.2.1/24");
        REQUIRE_FALSE(c);
        CHECK(c.error().message == "host bits set below the prefix (did you mean 192.0.2.0/24?)");
    }
    SUBCASE("bad prefix lengths") {
        CHECK_FALSE(Cidr::parse("192.0.2.0/33"));
        CHECK_FALSE(Cidr::parse("192.0.2.0/"));
        CHECK_FALSE(Cidr::parse("192.0.2.0/2x"));
        CHECK_FALSE(Cidr::parse("2001:db8::/129"));
    }
}

TEST_SUITE_END();
