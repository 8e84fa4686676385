#pragma once
// Who may hold the exporter's connections. libmicrohttpd counts connections per exact
// address and times out only silence; this keeps the server reachable for Prometheus when
// others are not polite:
//   - clients are counted per IPv4 address and per IPv6 /64 (one host's whole network);
//   - a connection must deliver a complete request within `header_timeout` of being
//     accepted (a header trickle does not reset that clock), and a keep-alive connection
//     its next request within `idle_timeout` of the last answer;
//   - when every connection is taken, the oldest waiting connection of the client holding
//     the most makes room (a scraper that completes requests quickly always gets in).
// Pure bookkeeping with no sockets, so that it is tested alone; http_server.cpp applies
// its decisions (refusing at accept, shutting a socket down).

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <unordered_map>
#include <vector>

struct sockaddr;

namespace rblscope::exporter {

struct ConnectionLimits {
    std::size_t max_connections = 4096;
    std::size_t per_client = 64;
    std::chrono::milliseconds header_timeout{10000};
    std::chrono::milliseconds idle_timeout{30000};
};

/// An IPv4 address, or an IPv6 /64 (IPv4-mapped IPv6 addresses count as IPv4).
struct ClientKey {
    std::array<std::uint8_t, 9> bytes{}; ///< [0] = 4 or 6, then the address or prefix
    bool operator==(const ClientKey&) const = default;
};

struct ClientKeyHash {
    std::size_t operator()(const ClientKey& k) const noexcept;
};

/// The client a socket address belongs to; nullopt for families other than IPv4/IPv6.
[[nodiscard]] std::optional<ClientKey> client_key(const sockaddr* address);

class ConnectionGuard {
  public:
    using Clock = std::chrono::steady_clock;
    using Id = void*; ///< the caller's handle of a connection (its MHD_Connection)

    explicit ConnectionGuard(ConnectionLimits limits) : m_limits(limits) {}

    struct Admission {
        bool accept = false;
        std::optional<Id> evict; ///< close this one to make room (it is no longer counted)
    };
    /// Whether a new connection from `client` may be accepted now.
    Admission admit(const ClientKey& client);
    /// A connection was accepted (after admit() said yes).
    void opened(Id id, const ClientKey& client, Clock::time_point now);
    /// Its request is complete and being answered: no deadline until it is done.
    void request_started(Id id);
    /// Its answer was sent; it may send another request within the idle timeout.
    void request_done(Id id, Clock::time_point now);
    /// It is gone (closed by either side, or after an eviction or expiry).
    void closed(Id id);
    /// The connections past their deadline, no longer counted: the caller closes them.
    /// A scan of every connection: call it a few times a second, not per event.
    std::vector<Id> expire(Clock::time_point now);

    [[nodiscard]] std::size_t open() const { return m_open; }
    [[nodiscard]] const ConnectionLimits& limits() const { return m_limits; }

  private:
    struct Connection {
        ClientKey client;
        Clock::time_point waiting_since; ///< accepted, or last answer sent
        bool busy = false;               ///< a request is being answered
        bool served = false;             ///< answered a request before (keep-alive)
        bool released = false;           ///< evicted or expired: closing, not counted
    };
    [[nodiscard]] Clock::time_point deadline(const Connection& c) const;
    void release(Id id, Connection& c);

    ConnectionLimits m_limits;
    std::unordered_map<Id, Connection> m_connections;
    std::unordered_map<ClientKey, std::size_t, ClientKeyHash> m_per_client;
    std::size_t m_open = 0; ///< counted connections (not the released ones)
};

} // namespace rblscope::exporter
