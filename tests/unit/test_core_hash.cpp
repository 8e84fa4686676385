#include "core/domain.hpp"
#include "core/hash.hpp"

#include <doctest/doctest.h>

using namespace rblscope;

TEST_SUITE_BEGIN("core");

TEST_CASE("hash::normalize_email") {
    CHECK(normalize_email("John.Doe+news@Example.COM") == "john.doe@example.com");
    CHECK(normalize_email("j.o.h.n+x@googlemail.com") == "john@gmail.com");
    CHECK(normalize_email("+only@example.com") == "+only@example.com");
}

TEST_CASE("hash::hash_label") {
    // sha1("abc") and sha256("abc") are the FIPS 180 test vectors.
    CHECK(hash_label("abc", "sha1-hex") == "a9993e364706816aba3e25717850c26c9cd0d89d");
    CHECK(hash_label("abc", "md5-hex") == "900150983cd24fb0d6963f7d28e17f72"); // RFC 1321
    const auto b32 = hash_label("abc", "sha256-base32");
    CHECK(b32.size() == 52);
    CHECK(b32 == "XJ4BNP4PAHH6UQKBIDPF3LRCEOYAGYNDSYLXVHFUCD7WD4QACWWQ");
    CHECK(hash_label("abc", "md5").empty());
}

TEST_CASE("domain::registered_domain") {
    CHECK(registered_domain("mail.example.com") == "example.com");
    CHECK(registered_domain("a.b.example.co.uk") == "example.co.uk");
    CHECK(registered_domain("example.com") == "example.com");
}

TEST_SUITE_END();
