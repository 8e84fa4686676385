#pragma once
// libcurl's multi interface as a guest of the EventLoop, like DnsChannel for c-ares: curl's
// socket callback registers its sockets with the loop, its timer callback one loop timer,
// so HTTP lookups run in the same loop as the DNS queries, without a thread.

#include "net/event_loop.hpp"

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

namespace rblscope {

/// One HTTP(S) GET, or a POST when `post_body` is set.
struct HttpRequest {
    std::string url;
    std::optional<std::string> post_body; ///< sent as is; give its Content-Type in `headers`
    std::vector<std::string> headers;     ///< "Name: value"; may hold keys, never printed
    std::chrono::milliseconds timeout{10000};
    std::size_t max_body = std::size_t{1024} * 1024; ///< a bigger body is an error, not read on
    /// "HOST:PORT:ADDRESS" (CURLOPT_RESOLVE): the address the engine resolved for the URL's
    /// host, so libcurl does not resolve it itself.
    std::string resolve;
};

/// The host and port of `url` when the host is a name (not an IP literal) that needs
/// resolving; nullopt for IP literals and URLs libcurl cannot parse.
struct UrlHost {
    std::string host;
    long port = 0;
};
[[nodiscard]] std::optional<UrlHost> host_to_resolve(const std::string& url);

/// One message through SMTP (libcurl's SMTP: STARTTLS, AUTH). `url` is smtp://HOST[:PORT]
/// (STARTTLS required unless `starttls` is false) or smtps://HOST[:PORT] (TLS from the start).
struct MailRequest {
    std::string url;
    bool starttls = true;
    std::string user, password; ///< AUTH when `user` is set; never printed
    std::string from;
    std::vector<std::string> to;
    std::string message; ///< the whole RFC 5322 message, CRLF line ends
    std::chrono::milliseconds timeout{30000};
};

/// What came back. `error` is set when no complete HTTP response was received (connection,
/// TLS, timeout, oversized body); its text never contains the request's headers.
struct HttpResponse {
    long status = 0; ///< HTTP status, 0 when there was none
    std::string body;
    std::string content_type;
    std::optional<long> retry_after_s; ///< Retry-After in seconds, when sent as a number
    std::string error;
    bool timed_out = false;
    std::chrono::milliseconds elapsed{0};
};

class HttpClient {
  public:
    using Callback = std::function<void(HttpResponse&&)>;

    /// `ca_file`: CA bundle for servers with a private CA (empty = the system's). TLS
    /// certificates and host names are always verified.
    HttpClient(EventLoop& loop, std::string ca_file);
    ~HttpClient();
    HttpClient(const HttpClient&) = delete;
    HttpClient& operator=(const HttpClient&) = delete;

    /// Starts a transfer. The callback runs later from drain(), never inside this call.
    void get(const HttpRequest& request, Callback callback);

    /// Sends a message; `HttpResponse::status` is the server's last SMTP reply code.
    void send_mail(const MailRequest& request, Callback callback);

    /// Runs the callbacks of transfers that finished during the last loop turn.
    void drain();

    [[nodiscard]] std::size_t in_flight() const noexcept { return m_in_flight; }

  private:
    struct Transfer;
    static int on_socket(void* easy, int fd, int what, void* self, void* socket_data);
    static int on_timer(void* multi, long timeout_ms, void* self);
    void action(int fd, int events);
    void collect();
    void start(std::unique_ptr<Transfer> t);
    void common_options(Transfer* t, std::chrono::milliseconds timeout) const;

    EventLoop& m_loop;
    std::string m_ca_file;
    void* m_multi = nullptr; ///< CURLM*
    std::optional<EventLoop::TimerId> m_timer;
    std::vector<std::pair<Callback, HttpResponse>> m_done;
    std::size_t m_in_flight = 0;
    std::unordered_set<void*> m_transfers; ///< Transfer*, for the destructor
};

} // namespace rblscope
