// serve among impolite clients: many idle connections from many addresses, header trickles,
// one address opening a thousand, every connection taken; Prometheus' scrapes from another
// address still answered at once. And the headers every page carries.

#include "integration/serve_helpers.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace rblscope::test;
using namespace std::chrono_literals;

namespace {

// Room for the test's own connections (the exporter raises its limit itself).
void raise_open_files() {
    rlimit files{};
    REQUIRE(::getrlimit(RLIMIT_NOFILE, &files) == 0);
    files.rlim_cur = files.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &files);
}

/// A TCP connection from `source` (a 127.0.0.0/8 address) to the exporter; -1 if refused.
int connect_from(const std::string& source, int port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd >= 0);
    sockaddr_in from{};
    from.sin_family = AF_INET;
    ::inet_pton(AF_INET, source.c_str(), &from.sin_addr);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&from), sizeof from) == 0);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(static_cast<std::uint16_t>(port));
    ::inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

/// Whether the exporter has closed this connection (end of stream or reset).
bool closed_by_server(int fd) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 0) <= 0) {
        return false;
    }
    char buf[256];
    const auto n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    return n == 0 || (n < 0 && errno == ECONNRESET);
}

struct Sockets {
    std::vector<int> fds;
    ~Sockets() {
        for (const int fd : fds) {
            if (fd >= 0) {
                ::close(fd);
            }
        }
    }
    [[nodiscard]] std::size_t closed() const {
        return static_cast<std::size_t>(std::count_if(
            fds.begin(), fds.end(), [](int fd) { return fd < 0 || closed_by_server(fd); }));
    }
};

/// Scrapes /metrics from 127.0.0.1 `times` times; the slowest scrape in seconds, or a large
/// number when one failed.
double slowest_scrape(const Exporter& ex, int times) {
    double slowest = 0;
    for (int i = 0; i < times; ++i) {
        const auto r = http_get(ex.base + "/metrics");
        slowest = std::max(slowest, r.status == 200 ? r.seconds : 1e9);
    }
    return slowest;
}

} // namespace

TEST_CASE("serve: idle connections from 19 addresses, header trickles and a thousand from one "
          "address do not lock Prometheus out") {
    raise_open_files();
    const auto targets = write_targets("clients-targets.txt", "192.0.2.99\n");
    Exporter ex({"--targets", targets, "--zones", "t-bl", "--header-timeout", "3"});
    REQUIRE(ex.wait_for("rblscope_exporter_refreshes_total 1\n", 10s));

    // 64 idle connections from each of 127.0.0.2 to 127.0.0.20 (1,216: more than the 512
    // in all that used to lock everyone else out).
    Sockets idle;
    for (int host = 2; host <= 20; ++host) {
        for (int i = 0; i < 64; ++i) {
            idle.fds.push_back(connect_from(fmt::format("127.0.0.{}", host), ex.port));
        }
    }
    // A thousand from one address: it may hold 64.
    Sockets greedy;
    for (int i = 0; i < 1000; ++i) {
        greedy.fds.push_back(connect_from("127.0.0.21", ex.port));
    }
    CHECK(slowest_scrape(ex, 5) < 1.0);
    // The connections of 127.0.0.2 start requests and trickle their headers.
    for (std::size_t i = 0; i < 64; ++i) {
        const std::string start = "GET /metrics HTTP/1.1\r\nHost: x\r\n";
        ::send(idle.fds[i], start.data(), start.size(), MSG_NOSIGNAL);
    }
    std::this_thread::sleep_for(500ms);
    CHECK(greedy.closed() == 1000 - 64);

    // For 5 s (past the 3 s allowed for a whole request): a header byte every 250 ms from
    // each trickling connection, and scrapes from 127.0.0.1 all the while.
    double slowest = 0;
    const auto until = std::chrono::steady_clock::now() + 5s;
    while (std::chrono::steady_clock::now() < until) {
        for (std::size_t i = 0; i < 64; ++i) {
            ::send(idle.fds[i], "X", 1, MSG_NOSIGNAL | MSG_DONTWAIT);
        }
        slowest = std::max(slowest, slowest_scrape(ex, 1));
        std::this_thread::sleep_for(250ms);
    }
    CHECK(slowest < 1.0);
    // Neither the trickles nor the idle ones outlived the deadline.
    std::this_thread::sleep_for(500ms);
    CHECK(idle.closed() == idle.fds.size());
    CHECK(greedy.closed() == greedy.fds.size());
    CHECK(slowest_scrape(ex, 3) < 1.0);
}

TEST_CASE("serve: with every connection taken, the busiest client's oldest one makes room") {
    raise_open_files();
    const auto targets = write_targets("clients-full-targets.txt", "192.0.2.99\n");
    Exporter ex({"--targets",
                 targets,
                 "--zones",
                 "t-bl",
                 "--max-connections",
                 "100",
                 "--max-connections-per-client",
                 "80",
                 "--header-timeout",
                 "60"});
    REQUIRE(ex.wait_for("rblscope_exporter_refreshes_total 1\n", 10s));
    Sockets hog;
    for (int i = 0; i < 80; ++i) {
        hog.fds.push_back(connect_from("127.0.0.2", ex.port));
        std::this_thread::sleep_for(1ms); // an order of age among them
    }
    Sockets other;
    for (int i = 0; i < 40; ++i) {
        other.fds.push_back(connect_from("127.0.0.3", ex.port));
    }
    std::this_thread::sleep_for(300ms);
    // 120 asked for 100 places: the 20 that made room are the hog's oldest.
    CHECK(other.closed() == 0);
    const auto hog_closed = hog.closed();
    CHECK(hog_closed == 20);
    for (std::size_t i = 0; i < hog_closed; ++i) {
        CHECK(closed_by_server(hog.fds[i])); // already read: the stream stays ended
    }
    CHECK(slowest_scrape(ex, 5) < 1.0); // and each scrape takes one more place
    CHECK(other.closed() == 0);
}

TEST_CASE("serve: every page says nosniff, no-store and no referrer; HTML pages a CSP; "
          "oversized requests are refused") {
    const auto targets = write_targets("clients-headers-targets.txt", "192.0.2.99\n");
    Exporter ex({"--targets", targets, "--zones", "t-bl"});
    REQUIRE(ex.wait_for("rblscope_exporter_refreshes_total 1\n", 10s));
    const auto headers = [&](const std::string& path) {
        return run({"curl", "-s", "-D", "-", "-o", "/dev/null", ex.base + path}).out;
    };
    const auto page = headers("/");
    CHECK(contains(page, "HTTP/1.1 200"));
    CHECK(contains(page, "X-Content-Type-Options: nosniff\r\n"));
    CHECK(contains(page, "Cache-Control: no-store\r\n"));
    CHECK(contains(page, "Referrer-Policy: no-referrer\r\n"));
    CHECK(contains(page, "Content-Security-Policy: default-src 'none'; style-src 'unsafe-inline'"));
    CHECK_FALSE(contains(page, "Server:"));
    const auto metrics = headers("/metrics");
    CHECK(contains(metrics, "X-Content-Type-Options: nosniff\r\n"));
    CHECK_FALSE(contains(metrics, "Content-Security-Policy"));

    const auto big = run({"curl",
                          "-s",
                          "-o",
                          "/dev/null",
                          "-w",
                          "%{http_code}",
                          "-H",
                          "X-Big: " + std::string(40000, 'a'),
                          ex.base + "/metrics"});
    CHECK(big.out.starts_with("4"));
    CHECK(http_get(ex.base + "/metrics").status == 200);
}
