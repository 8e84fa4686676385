#pragma once
// A small HTTP server for the exporter: libmicrohttpd without threads, driven from the
// event loop (its epoll descriptor is one more watched fd). Handlers answer at once or
// later: a connection waits suspended until its reply is given.

#include "net/event_loop.hpp"
#include "rblscope/error.hpp"
#include "serve/basic_auth.hpp"
#include "serve/connection_guard.hpp"
#include "serve/tls_credentials.hpp"
#include "serve/web_config.hpp"

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

struct MHD_Daemon;
struct MHD_Connection;
struct MHD_Response;

namespace rblscope::exporter {

struct HttpQuery {
    std::string method; ///< GET or HEAD (others are refused before the handler)
    std::string path;
    std::map<std::string, std::string> args; ///< query-string arguments, decoded
    /// X-Prometheus-Scrape-Timeout-Seconds, when sent and a positive number.
    std::optional<double> scrape_timeout_s;
};

struct HttpAnswer {
    unsigned status = 200;
    std::string content_type = "text/plain; charset=utf-8";
    std::string body;
};

/// Gives the answer to one request; callable once, from the loop, at any later time. A
/// call after the server stopped is ignored.
using Respond = std::function<void(HttpAnswer)>;
using HttpHandler = std::function<void(const HttpQuery&, Respond)>;
using HttpLog = std::function<void(const std::string&)>;

class HttpServer {
  public:
    /// Listens on `listen` ("IP:PORT", "[IPv6]:PORT") and serves from `loop` within
    /// `limits` (max_connections 0: as many as the open-file limit allows, raised to its
    /// hard limit), with the TLS, users and headers of `web` (all empty: plain HTTP for
    /// anyone); libmicrohttpd's own messages go to `log`, sanitised.
    static Result<std::unique_ptr<HttpServer>> start(EventLoop& loop,
                                                     const std::string& listen,
                                                     ConnectionLimits limits,
                                                     const WebConfig& web,
                                                     HttpHandler handler,
                                                     HttpLog log);
    /// A reload's web configuration: the new certificate for new handshakes, the users and
    /// headers. TLS cannot be turned on or off (Error; the old setting stays). True when a
    /// change of client CA, client_auth_type or versions waits for a restart.
    Result<bool> reconfigure(const WebConfig& web);
    /// `/healthz` answers without credentials.
    void open_healthz(bool open) { m_open_healthz = open; }
    ~HttpServer();
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    /// "IP:PORT" actually bound (port 0 resolved).
    [[nodiscard]] const std::string& address() const { return m_address; }
    /// "http" or "https".
    [[nodiscard]] const std::string& scheme() const { return m_scheme; }
    /// The limits in force (max_connections resolved).
    [[nodiscard]] const ConnectionLimits& limits() const { return m_guard.limits(); }
    /// Lets libmicrohttpd do its work (accepting, reading, writing, timeouts).
    void poll();
    /// How long the loop may sleep before poll() is due again.
    [[nodiscard]] std::chrono::milliseconds max_wait() const;

    struct Pending; // one request between the handler and its answer

    // For the libmicrohttpd callbacks (http_server.cpp).
    HttpServer(EventLoop& loop, ConnectionLimits limits, HttpHandler handler, HttpLog log)
        : m_loop(loop), m_guard(limits), m_handler(std::move(handler)), m_log(std::move(log)) {}
    ConnectionGuard& guard() { return m_guard; }
    /// Whether the request may go on; if not, its 401 or 429 is queued.
    bool authorised(MHD_Connection* connection, std::string_view path);
    /// Asks for a client certificate as client_auth_type says, before the handshake.
    void ask_client_certificate(MHD_Connection* connection) const;
    /// A response with the body and every header serve sends (null when out of memory).
    [[nodiscard]] MHD_Response* response(const HttpAnswer& answer) const;
    void log(const std::string& line) const {
        if (m_log) {
            m_log(line);
        }
    }
    void handle(const std::shared_ptr<Pending>& pending, const HttpQuery& query);
    static void send(Pending& pending);

  private:
    // Deadlines are looked at this often (a scan of every connection).
    static constexpr std::chrono::milliseconds sweep_interval{250};

    EventLoop& m_loop;
    ConnectionGuard m_guard;
    ConnectionGuard::Clock::time_point m_next_sweep{};
    HttpHandler m_handler;
    HttpLog m_log;
    MHD_Daemon* m_daemon = nullptr;
    int m_epoll_fd = -1;
    std::string m_address;
    std::string m_scheme = "http";
    WebConfig m_web; ///< its key_pem cleared once GnuTLS holds the key
    BasicAuth m_auth;
    bool m_open_healthz = false;
    /// The installed credentials last; earlier ones may still be in a handshake.
    std::vector<std::shared_ptr<TlsCredentials>> m_credentials;
    std::shared_ptr<bool> m_alive = std::make_shared<bool>(true);
};

} // namespace rblscope::exporter
