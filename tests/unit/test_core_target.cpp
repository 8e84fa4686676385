#include "rblscope/target.hpp"

#include <doctest/doctest.h>
#include <sstream>

using namespace rblscope;

TEST_SUITE_BEGIN("core");

TEST_CASE("target::parse_target") {
    SUBCASE("classifies") {
        CHECK(parse_target("192.0.2.1")->kind == Target::Kind::ip);
        CHECK(parse_target(" 2001:db8::1 ")->kind == Target::Kind::ip);
        CHECK(parse_target("192.0.2.0/24")->kind == Target::Kind::cidr);
        const auto h = parse_target("Mail.Example.COM.");
        REQUIRE(h);
        CHECK(h->kind == Target::Kind::hostname);
        CHECK(h->hostname == "mail.example.com");
        const auto e = parse_target("John.Doe+tag@Example.com");
        REQUIRE(e);
        CHECK(e->kind == Target::Kind::email);
        CHECK(e->hostname == "example.com");
        CHECK(e->email == "john.doe+tag@example.com");
    }
    SUBCASE("errors say what the text looked like") {
        CHECK(parse_target("1.2.3").error().message == "not a valid IPv4 address: \"1.2.3\"");
        CHECK(parse_target("2001:db8::zz").error().message ==
              "not a valid IPv6 address: \"2001:db8::zz\"");
        CHECK(parse_target("nodots").error().message ==
              "not an IP address, CIDR block, hostname or email: \"nodots\"");
        CHECK(parse_target("@example.com").error().message ==
              "not a valid email address (bad local part): \"@example.com\"");
        CHECK(parse_target("a@b").error().message ==
              "not a valid email address (bad domain): \"a@b\"");
    }
    SUBCASE("control characters never reach the message") {
        const auto r = parse_target("bad\x1b[31mhost");
        REQUIRE_FALSE(r);
        CHECK(r.error().message.find('\x1b') == std::string::npos);
    }
}

TEST_CASE("target::TargetReader") {
    std::istringstream in(
        "# header\n192.0.2.1\n\n  192.0.2.2  # trailing comment\nnot_valid!\nexample.com\n");
    TargetReader reader(in, "list.txt");
    auto a = reader.next();
    REQUIRE(a);
    REQUIRE(a->ok());
    CHECK((*a)->text == "192.0.2.1");
    CHECK((*a)->where == "list.txt:2");
    auto b = reader.next();
    REQUIRE(b);
    CHECK((*b)->text == "192.0.2.2");
    CHECK((*b)->where == "list.txt:4");
    auto c = reader.next();
    REQUIRE(c);
    REQUIRE_FALSE(c->ok());
    CHECK(c->error().where == "list.txt:5");
    auto d = reader.next();
    REQUIRE(d);
    CHECK((*d)->hostname == "example.com");
    CHECK_FALSE(reader.next());
}

TEST_SUITE_END();
