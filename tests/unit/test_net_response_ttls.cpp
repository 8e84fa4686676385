#include "net/dns_channel.hpp"

#include <doctest/doctest.h>
#include <vector>

using namespace rblscope;

TEST_SUITE_BEGIN("net");

namespace {

using Bytes = std::vector<unsigned char>;

void put16(Bytes& b, unsigned v) {
    b.push_back(static_cast<unsigned char>(v >> 8));
    b.push_back(static_cast<unsigned char>(v));
}
void put32(Bytes& b, std::uint32_t v) {
    put16(b, v >> 16);
    put16(b, v & 0xffff);
}
void name(Bytes& b, std::initializer_list<const char*> labels) {
    for (const char* l : labels) {
        b.push_back(static_cast<unsigned char>(std::char_traits<char>::length(l)));
        b.insert(b.end(), l, l + std::char_traits<char>::length(l));
    }
    b.push_back(0);
}

// NXDOMAIN for 1.0.0.127.bl.test with an SOA (TTL soa_ttl, MINIMUM minimum) in authority.
Bytes nxdomain(std::uint32_t soa_ttl, std::uint32_t minimum) {
    Bytes b;
    put16(b, 0x1234);
    put16(b, 0x8183);
    put16(b, 1); // qd
    put16(b, 0); // an
    put16(b, 1); // ns
    put16(b, 0); // ar
    name(b, {"1", "0", "0", "127", "bl", "test"});
    put16(b, 1);
    put16(b, 1);
    b.push_back(0xc0); // owner: pointer to "bl.test", after the header and "1.0.0.127."
    b.push_back(22);
    put16(b, 6); // SOA
    put16(b, 1);
    put32(b, soa_ttl);
    Bytes rdata;
    name(rdata, {"ns", "bl", "test"});
    name(rdata, {"admin", "bl", "test"});
    for (std::uint32_t v : {1u, 3600u, 600u, 86400u}) {
        put32(rdata, v);
    }
    put32(rdata, minimum);
    put16(b, static_cast<unsigned>(rdata.size()));
    b.insert(b.end(), rdata.begin(), rdata.end());
    return b;
}

} // namespace

TEST_CASE("response_ttls: RFC 2308 negative TTL from the authority SOA") {
    auto msg = nxdomain(3600, 300);
    CHECK(response_ttls(msg.data(), static_cast<int>(msg.size())).negative == 300u);
    msg = nxdomain(120, 300);
    CHECK(response_ttls(msg.data(), static_cast<int>(msg.size())).negative == 120u);
    CHECK_FALSE(response_ttls(msg.data(), static_cast<int>(msg.size())).answer);
    // Every truncation is refused, never read past the end.
    for (std::size_t n = 0; n < msg.size(); ++n) {
        CAPTURE(n);
        CHECK_FALSE(response_ttls(msg.data(), static_cast<int>(n)).negative);
    }
    CHECK_FALSE(response_ttls(nullptr, 0).negative);
}

TEST_CASE("response_ttls: smallest answer TTL") {
    Bytes b;
    put16(b, 1);
    put16(b, 0x8180);
    put16(b, 1);
    put16(b, 2);
    put16(b, 0);
    put16(b, 0);
    name(b, {"2", "0", "0", "127", "bl", "test"});
    put16(b, 16);
    put16(b, 1);
    for (std::uint32_t ttl : {900u, 450u}) {
        b.push_back(0xc0);
        b.push_back(12);
        put16(b, 16);
        put16(b, 1);
        put32(b, ttl);
        put16(b, 4);
        b.insert(b.end(), {3, 'a', 'b', 'c'});
    }
    const auto t = response_ttls(b.data(), static_cast<int>(b.size()));
    CHECK(t.answer == 450u);
    CHECK_FALSE(t.negative);
}
