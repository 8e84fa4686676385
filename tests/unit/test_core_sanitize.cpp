#include "core/sanitize.hpp"
#include "core/text.hpp"

#include <doctest/doctest.h>

using namespace rblscope;

TEST_SUITE_BEGIN("core");

TEST_CASE("sanitize::sanitize_text") {
    CHECK(sanitize_text("Listed, see https://x/?1.2.3.4") == "Listed, see https://x/?1.2.3.4");
    CHECK(sanitize_text("a\x1b[2Jb\x07") == "a[2Jb");
    CHECK(sanitize_text(std::string("nul\0byte", 8)) == "nulbyte");
    CHECK(sanitize_text("tab\there\nnew") == "tab here new");
    CHECK(sanitize_text("caf\xc3\xa9") == "caf\xc3\xa9"); // valid UTF-8 kept
    CHECK(sanitize_text("bad\xff") == "bad\xef\xbf\xbd"); // invalid byte replaced
    CHECK(sanitize_text("c1\xc2\x9b"
                        "31m") == "c131m"); // UTF-8 encoded CSI dropped
    CHECK(sanitize_text("\xe0\x80\x80") == "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"); // overlong
    CHECK(sanitize_text(std::string(2000, 'x'), 10) == std::string(10, 'x') + "...");
    // Bidirectional overrides and isolates would make "...zen" read as "nez...".
    CHECK(sanitize_text("a\xe2\x80\xae"
                        "b\xe2\x81\xa6"
                        "c\xe2\x80\x8e"
                        "d") == "abc\xe2\x80\x8e"
                                "d"); // U+200E (a mark, not an override) stays
}

TEST_CASE("text::counted") {
    CHECK(counted(0, "zone") == "0 zones");
    CHECK(counted(1, "zone") == "1 zone");
    CHECK(counted(2, "address", "addresses") == "2 addresses");
    CHECK(percent_text(0.003) == "0.3 %");
    CHECK(percent_text(0.998) == "99.8 %");
    CHECK(percent_text(1) == "100 %");
    CHECK(percent_text(0) == "0 %");
    CHECK(percent_text(0.00042) == "0.04 %");
    CHECK(counted(1, "address", "addresses") == "1 address");
}

TEST_SUITE_END();
