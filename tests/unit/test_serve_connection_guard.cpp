// Who may hold serve's HTTP connections: per-client counts (IPv6 per /64), the deadline
// for a complete request, and who makes room when every connection is taken.

#include "serve/connection_guard.hpp"

#include <arpa/inet.h>
#include <array>
#include <doctest/doctest.h>
#include <netinet/in.h>

using rblscope::exporter::client_key;
using rblscope::exporter::ClientKey;
using rblscope::exporter::ConnectionGuard;
using rblscope::exporter::ConnectionLimits;
using namespace std::chrono_literals;

namespace {

ClientKey key_of(const char* text) {
    sockaddr_storage storage{};
    if (inet_pton(AF_INET, text, &reinterpret_cast<sockaddr_in*>(&storage)->sin_addr) == 1) {
        storage.ss_family = AF_INET;
    } else {
        REQUIRE(inet_pton(AF_INET6, text, &reinterpret_cast<sockaddr_in6*>(&storage)->sin6_addr) ==
                1);
        storage.ss_family = AF_INET6;
    }
    const auto key = client_key(reinterpret_cast<const sockaddr*>(&storage));
    REQUIRE(key);
    return *key;
}

// Connection handles: any distinct addresses do.
std::array<int, 8> handles{};
ConnectionGuard::Id id(std::size_t n) {
    return &handles.at(n);
}

ConnectionLimits small(std::size_t max, std::size_t per_client) {
    ConnectionLimits limits;
    limits.max_connections = max;
    limits.per_client = per_client;
    return limits;
}

} // namespace

TEST_CASE("connection guard: an IPv4 address, or an IPv6 /64, is one client") {
    CHECK(key_of("192.0.2.1") == key_of("192.0.2.1"));
    CHECK_FALSE(key_of("192.0.2.1") == key_of("192.0.2.2"));
    CHECK(key_of("2001:db8:1:2::1") == key_of("2001:db8:1:2:ffff::9"));
    CHECK_FALSE(key_of("2001:db8:1:2::1") == key_of("2001:db8:1:3::1"));
    CHECK(key_of("::ffff:192.0.2.1") == key_of("192.0.2.1"));
    sockaddr unix_socket{};
    unix_socket.sa_family = AF_UNIX;
    CHECK_FALSE(client_key(&unix_socket));
    CHECK_FALSE(client_key(nullptr));
}

TEST_CASE("connection guard: a client past its share is refused; others are not") {
    ConnectionGuard guard(small(100, 3));
    const auto now = ConnectionGuard::Clock::now();
    const auto a = key_of("2001:db8::1");
    for (std::size_t n = 1; n <= 3; ++n) {
        REQUIRE(guard.admit(a).accept);
        guard.opened(id(n), a, now);
    }
    CHECK_FALSE(guard.admit(a).accept);
    CHECK_FALSE(guard.admit(key_of("2001:db8::2")).accept); // same /64
    CHECK(guard.admit(key_of("2001:db8:0:1::1")).accept);
    guard.closed(id(2));
    CHECK(guard.admit(a).accept);
    CHECK(guard.open() == 2);
}

TEST_CASE("connection guard: when full, the busiest client's oldest waiting one makes room") {
    ConnectionGuard guard(small(4, 3));
    const auto t0 = ConnectionGuard::Clock::now();
    const auto hog = key_of("192.0.2.66");
    const auto other = key_of("192.0.2.7");
    guard.opened(id(1), hog, t0 + 1s);
    guard.opened(id(2), hog, t0); // the oldest of the hog's
    guard.opened(id(3), hog, t0 + 2s);
    guard.opened(id(4), other, t0 - 5s); // older, but its client holds fewer
    const auto admission = guard.admit(key_of("192.0.2.9"));
    CHECK(admission.accept);
    REQUIRE(admission.evict);
    CHECK(*admission.evict == id(2));
    CHECK(guard.open() == 3); // the evicted one no longer counts while it closes
    guard.opened(id(5), key_of("192.0.2.9"), t0 + 3s);
    guard.closed(id(2));
    CHECK(guard.open() == 4);

    // Connections answering a request are never taken.
    for (const std::size_t n : {1, 3, 4, 5}) {
        guard.request_started(id(n));
    }
    const auto full = guard.admit(key_of("192.0.2.10"));
    CHECK_FALSE(full.accept);
    CHECK_FALSE(full.evict);
}

TEST_CASE("connection guard: a request must be complete in time; keep-alive gets longer") {
    ConnectionLimits limits = small(100, 10);
    limits.header_timeout = 10s;
    limits.idle_timeout = 30s;
    ConnectionGuard guard(limits);
    const auto t0 = ConnectionGuard::Clock::now();
    const auto c = key_of("192.0.2.1");
    guard.opened(id(1), c, t0); // never sends a whole request (idle, or a header trickle)
    guard.opened(id(2), c, t0); // asks, is answered, then waits as keep-alive
    guard.opened(id(3), c, t0); // asks and is being answered (a slow probe)
    guard.request_started(id(2));
    guard.request_done(id(2), t0 + 5s);
    guard.request_started(id(3));

    CHECK(guard.expire(t0 + 9s).empty());
    const auto first = guard.expire(t0 + 10s);
    REQUIRE(first.size() == 1);
    CHECK(first[0] == id(1));
    CHECK(guard.expire(t0 + 10s).empty()); // told once
    CHECK(guard.open() == 2);
    CHECK(guard.expire(t0 + 34s).empty());
    const auto second = guard.expire(t0 + 35s);
    REQUIRE(second.size() == 1);
    CHECK(second[0] == id(2));
    CHECK(guard.expire(t0 + 3600s).empty()); // the one answering has no deadline
    guard.closed(id(1));
    guard.closed(id(2));
    guard.closed(id(3));
    CHECK(guard.open() == 0);
}
