#pragma once
// A c-ares channel as a guest of the EventLoop: its sockets are watched through the
// socket-state callback, its timeouts through one loop timer re-armed after every call.

#include "net/event_loop.hpp"
#include "rblscope/error.hpp"

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

struct ares_channeldata;

namespace rblscope {

/// How one DNS query ended, in rblscope's own words: c-ares' status codes stay in src/net/.
enum class DnsStatus : std::uint8_t {
    answered,           ///< NOERROR with records of the asked type
    nodata,             ///< NOERROR without records of the asked type
    nxdomain,           ///< the name does not exist
    servfail,           ///< SERVFAIL
    refused,            ///< REFUSED
    timeout,            ///< no answer within the channel's timeout
    connection_refused, ///< nothing listens at the server's address (or TCP was refused)
    garbled,            ///< an answer came but could not be read; see DnsReply::error
    other,              ///< any other failure; see DnsReply::error
};

/// One finished DNS query, before interpretation.
struct DnsReply {
    DnsStatus status = DnsStatus::timeout; ///< a reply that says nothing is no answer
    std::string error;                     ///< garbled/other: the resolver library's text
    std::vector<std::uint32_t> a;          ///< A answers (host order)
    std::vector<std::array<std::uint8_t, 16>> aaaa;
    std::vector<std::string> txt;   ///< TXT strings, raw (sanitise before printing)
    std::vector<std::string> names; ///< MX exchanges (in answer order) or PTR names
    std::uint32_t ttl = 0;
    /// NXDOMAIN / no data: how long the "no" may be cached (RFC 2308: the authority SOA's
    /// TTL, capped by its MINIMUM field); none when the answer carried no SOA.
    std::optional<std::uint32_t> negative_ttl;
    bool cached = false; ///< served from the answer cache, not the network
};

/// TTLs read from a raw DNS response; none where the response has no such record or is
/// malformed. Exposed for tests and fuzzing.
struct ResponseTtls {
    std::optional<std::uint32_t> answer;   ///< smallest TTL in the answer section
    std::optional<std::uint32_t> negative; ///< RFC 2308: min(authority SOA TTL, its MINIMUM)
};
[[nodiscard]] ResponseTtls response_ttls(const unsigned char* msg, int len);

class DnsChannel {
  public:
    enum class Type : std::uint8_t { a, aaaa, txt, mx, ptr };
    using Callback = std::function<void(DnsReply&&)>;

    /// `servers` as "IP[:PORT]" (IPv6 as "[IP]:PORT" or plain IP); empty means the system's
    /// resolvers from /etc/resolv.conf. `timeout` is how long c-ares keeps one query alive;
    /// the engine owns retries (hedged copies) and the overall deadline, so waits never stack.
    static Result<std::unique_ptr<DnsChannel>> create(EventLoop& loop,
                                                      const std::vector<std::string>& servers,
                                                      std::chrono::milliseconds timeout);
    ~DnsChannel();
    DnsChannel(const DnsChannel&) = delete;
    DnsChannel& operator=(const DnsChannel&) = delete;

    /// Starts a query. The callback runs later from the event loop, never inside this call.
    void query(const std::string& name, Type type, Callback callback);

    /// Resolves a host name the way applications do (the hosts file, then DNS; IPv4 and
    /// IPv6) for the HTTP sources, so libcurl never needs a resolver thread of its own.
    /// The reply carries the addresses in `a` and `aaaa`; status ARES_SUCCESS or an error.
    void resolve_host(const std::string& name, Callback callback);

    /// The servers in use, as "IP:PORT".
    [[nodiscard]] std::vector<std::string> servers() const;
    [[nodiscard]] std::size_t in_flight() const noexcept { return m_in_flight; }

    /// Runs completions c-ares reported during the last socket or timer event.
    void drain();

  private:
    DnsChannel(EventLoop& loop);
    static void on_socket_state(void* data, int fd, int readable, int writable);
    static void on_reply(void* arg, int status, int timeouts, unsigned char* abuf, int alen);
    void process(int read_fd, int write_fd);
    void rearm_timer();

    struct Pending;
    EventLoop& m_loop;
    ares_channeldata* m_channel = nullptr;
    std::optional<EventLoop::TimerId> m_timer;
    std::vector<std::pair<Callback, DnsReply>> m_done;
    std::size_t m_in_flight = 0;
};

/// A short text for a status ("timeout", "SERVFAIL" ...); DnsReply::error where it has one.
[[nodiscard]] std::string dns_status_text(const DnsReply& reply);

/// What a response packet says for a query of `type`, given how the query ended at the
/// protocol level (answered for NOERROR, nxdomain for NXDOMAIN ...). Every answer the channel
/// delivers is read here; exposed for tests and fuzzing.
[[nodiscard]] DnsReply
read_dns_reply(DnsChannel::Type type, DnsStatus status, const unsigned char* abuf, int alen);

} // namespace rblscope
