#include "rblscope/target.hpp"

#include <doctest/doctest.h>
#include <sys/mman.h>
#include <unistd.h>

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
        CHECK(parse_target("1.2.3").error().message ==
              "shortened IPv4 notation is ambiguous: did you mean 1.2.0.3? (\"1.2.3\" has 3 of "
              "the 4 parts; write all four)");
        CHECK(parse_target("1.2.3.256").error().message ==
              "not a valid IPv4 address: \"1.2.3.256\"");
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

TEST_CASE("target::parse_target: exactly as typed") {
    using namespace std::string_literals;
    SUBCASE("a NUL byte or a control character is refused, never cut at") {
        const auto nul = parse_target("192.0.2.2\0junk"s);
        REQUIRE_FALSE(nul);
        CHECK(nul.error().message.starts_with("contains a NUL byte (at byte 10): \"192.0.2.2"));
        CHECK(nul.error().message.find('\0') == std::string::npos);
        const auto bell = parse_target("mail.example.com\a");
        REQUIRE_FALSE(bell);
        CHECK(bell.error().message.starts_with("contains a control character (U+0007)"));
        CHECK_FALSE(parse_target("192.0.2.1\x7f"));
    }
    SUBCASE("a byte-order mark is dropped") {
        const auto t = parse_target("\xEF\xBB\xBF"
                                    "192.0.2.1");
        REQUIRE(t);
        CHECK(t->ip.to_string() == "192.0.2.1");
        CHECK(t->note.empty());
    }
    SUBCASE("legacy IPv4 notations are refused with what they would be") {
        CHECK(parse_target("0177.0.0.1").error().message ==
              "octal notation is ambiguous: did you mean 127.0.0.1? (\"0177.0.0.1\" is 127.0.0.1 "
              "to inet_aton, which reads a leading 0 as octal, and 177.0.0.1 to a reader; write "
              "the address without leading zeros)");
        CHECK(parse_target("0x7f.1").error().message ==
              "hexadecimal IPv4 notation is ambiguous: \"0x7f.1\" is 127.0.0.1 to some programs "
              "and a host name to others; write the address in dotted decimal");
        CHECK(parse_target("2130706433")
                  .error()
                  .message.starts_with(
                      "shortened IPv4 notation is ambiguous: did you mean 127.0.0.1?"));
        CHECK(parse_target("mail.example.123").error().message ==
              "not a host name: the last label is all digits: \"mail.example.123\"");
        CHECK(parse_target("123.example.com")); // digits elsewhere are fine
    }
    SUBCASE("brackets, ports and zone indexes: the address, with a note") {
        auto t = parse_target("[2001:db8::1]");
        REQUIRE(t);
        CHECK(t->ip.to_string() == "2001:db8::1");
        CHECK(t->note.empty());
        CHECK(t->text == "[2001:db8::1]");
        t = parse_target("[2001:db8::1]:25");
        REQUIRE(t);
        CHECK(t->ip.to_string() == "2001:db8::1");
        CHECK(t->note == "the port 25 was ignored");
        t = parse_target("192.0.2.1:25");
        REQUIRE(t);
        CHECK(t->ip.to_string() == "192.0.2.1");
        CHECK(t->note == "the port 25 was ignored");
        t = parse_target("fe80::1%eth0");
        REQUIRE(t);
        CHECK(t->ip.to_string() == "fe80::1");
        CHECK(t->note == "the zone index %eth0 was ignored (lists know addresses, not interfaces)");
        t = parse_target("[fe80::1%eth0]:587");
        REQUIRE(t);
        CHECK(t->note == "the port 587 was ignored; the zone index %eth0 was ignored (lists know "
                         "addresses, not interfaces)");
        CHECK(parse_target("[2001:db8::1]:0").error().message ==
              "after [address] only :PORT (1-65535) may follow: \"[2001:db8::1]:0\"");
        CHECK(parse_target("[2001:db8::1").error().message == "'[' without ']': \"[2001:db8::1\"");
        t = parse_target("[192.0.2.1]:25"); // Postfix: relay=mx.example.com[192.0.2.1]:25
        REQUIRE(t);
        CHECK(t->ip.to_string() == "192.0.2.1");
        CHECK(t->note == "the port 25 was ignored");
        CHECK(parse_target("[mx.example.com]").error().message ==
              "only an IP address goes between [ and ]: \"[mx.example.com]\"");
        CHECK(parse_target("fe80::1%").error().message ==
              "not a valid IPv6 zone index after '%': \"fe80::1%\"");
        CHECK_FALSE(parse_target("192.0.2.1:99999"));
        CHECK_FALSE(parse_target("192.0.2.1:25:1"));
    }
}

namespace {

/// A file descriptor holding `bytes`, read from the start.
int memory_file(std::string_view bytes) {
    const int fd = memfd_create("targets", MFD_CLOEXEC);
    REQUIRE(fd >= 0);
    REQUIRE(::write(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()));
    REQUIRE(::lseek(fd, 0, SEEK_SET) == 0);
    return fd;
}

} // namespace

TEST_CASE("target::parse_target: internationalised names in A-labels") {
    auto host = parse_target("Bücher.Example");
    REQUIRE(host.ok());
    CHECK(host->kind == Target::Kind::hostname);
    CHECK(host->hostname == "xn--bcher-kva.example");
    CHECK(host->text == "Bücher.Example");
    auto mail = parse_target("Anna@bücher.example");
    REQUIRE(mail.ok());
    CHECK(mail->hostname == "xn--bcher-kva.example");
    CHECK(mail->email == "anna@xn--bcher-kva.example");
    CHECK(parse_target("straße.example")->hostname == "xn--strae-oqa.example"); // not "strasse"
    CHECK(!parse_target("☃.example").ok());
    CHECK(!parse_target("bad\xff.example").ok());
}

TEST_CASE("target::TargetReader") {
    const int fd = memory_file(
        "# header\n192.0.2.1\n\n  192.0.2.2  # trailing comment\nnot_valid!\nexample.com\r\n"
        "192.0.2.3");
    TargetReader reader(fd, "list.txt");
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
    auto e = reader.next(); // the last line has no newline
    REQUIRE(e);
    CHECK((*e)->text == "192.0.2.3");
    CHECK_FALSE(reader.next());
    CHECK_FALSE(reader.waiting());
    ::close(fd);
}

TEST_CASE("target::TargetReader: a byte-order mark is skipped, UTF-16 is named") {
    const int bom = memory_file("\xEF\xBB\xBF"
                                "192.0.2.1\r\n192.0.2.2\r\n");
    TargetReader utf8(bom, "notepad.txt");
    auto first = utf8.next();
    REQUIRE(first);
    REQUIRE(first->ok());
    CHECK(first->value().ip.to_string() == "192.0.2.1");
    CHECK(first->value().where == "notepad.txt:1");
    CHECK(utf8.next()->value().ip.to_string() == "192.0.2.2");
    ::close(bom);

    using namespace std::string_literals;
    for (const auto& bytes : {"\xFF\xFE"
                              "1\0"
                              "9\0"
                              "2\0"
                              "\n\0"s,
                              "1\0"
                              "9\0"
                              "2\0"
                              ".\0"s}) {
        const int fd = memory_file(bytes);
        TargetReader utf16(fd, "wide.txt");
        const auto only = utf16.next();
        REQUIRE(only);
        REQUIRE_FALSE(only->ok());
        CHECK(only->error().to_string() == "wide.txt: file is UTF-16: save it as UTF-8 (one "
                                           "target a line)");
        CHECK_FALSE(utf16.next());
        ::close(fd);
    }
}

TEST_CASE("target::TargetReader refuses an over-long line and goes on") {
    const std::string input = "192.0.2.1\n" + std::string(100000, 'a') + "\n192.0.2.2\n";
    const int fd = memory_file(input);
    TargetReader reader(fd, "big.txt");
    CHECK((*reader.next())->text == "192.0.2.1");
    auto refused = reader.next();
    REQUIRE(refused);
    REQUIRE_FALSE(refused->ok());
    CHECK(refused->error().where == "big.txt:2");
    CHECK(refused->error().message.find("longer than 4096 bytes") != std::string::npos);
    auto next = reader.next();
    REQUIRE(next);
    CHECK((*next)->text == "192.0.2.2");
    CHECK((*next)->where == "big.txt:3");
    CHECK_FALSE(reader.next());
    ::close(fd);
}

TEST_CASE("target::TargetReader waits on a pipe instead of blocking") {
    int p[2];
    REQUIRE(::pipe(p) == 0);
    TargetReader reader(p[0], "-");
    CHECK_FALSE(reader.next());
    CHECK(reader.waiting()); // nothing written yet: no block, no end
    REQUIRE(::write(p[1], "192.0.2.", 8) == 8);
    CHECK_FALSE(reader.next());
    CHECK(reader.waiting()); // half a line
    REQUIRE(::write(p[1], "7\n", 2) == 2);
    auto t = reader.next();
    REQUIRE(t);
    CHECK((*t)->text == "192.0.2.7");
    CHECK((*t)->where == "stdin:1");
    ::close(p[1]);
    CHECK_FALSE(reader.next());
    CHECK_FALSE(reader.waiting()); // the writer closed: the end
    ::close(p[0]);
}

TEST_SUITE_END();
