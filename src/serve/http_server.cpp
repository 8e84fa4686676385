#include "serve/http_server.hpp"

#include "core/sanitize.hpp"
#include "rblscope/ip.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fmt/format.h>
#include <gnutls/gnutls.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>

namespace rblscope::exporter {

struct HttpServer::Pending {
    HttpServer* server = nullptr;
    MHD_Connection* connection = nullptr;
    std::optional<HttpAnswer> answer;
    bool suspended = false;
    bool sent = false;
};

namespace {

using PendingRef = std::shared_ptr<HttpServer::Pending>;

MHD_Result collect_arg(void* cls, MHD_ValueKind /*kind*/, const char* key, const char* value) {
    auto& args = *static_cast<std::map<std::string, std::string>*>(cls);
    if (key != nullptr) {
        args.emplace(key, value != nullptr ? value : ""); // the first of repeated names wins
    }
    return MHD_YES;
}

MHD_Result on_request(void* cls,
                      MHD_Connection* connection,
                      const char* url,
                      const char* method,
                      const char* /*version*/,
                      const char* /*upload_data*/,
                      std::size_t* upload_size,
                      void** state) {
    auto* server = static_cast<HttpServer*>(cls);
    if (*state != nullptr) {
        // A body (ignored), or the call after a suspended connection was resumed.
        auto& pending = **static_cast<PendingRef*>(*state);
        *upload_size = 0;
        if (pending.answer && !pending.sent) {
            HttpServer::send(pending);
        }
        return MHD_YES;
    }
    server->guard().request_started(static_cast<ConnectionGuard::Id>(connection));
    auto ref = std::make_shared<HttpServer::Pending>();
    ref->server = server;
    ref->connection = connection;
    *state = new PendingRef(ref);
    if (!server->authorised(connection, url)) {
        ref->sent = true; // answered by authorised()
        return MHD_YES;
    }
    HttpQuery query;
    query.method = method;
    query.path = url;
    if (query.method != "GET" && query.method != "HEAD") {
        ref->answer = HttpAnswer{405, "text/plain; charset=utf-8", "only GET and HEAD\n"};
        HttpServer::send(*ref);
        return MHD_YES;
    }
    MHD_get_connection_values(connection, MHD_GET_ARGUMENT_KIND, &collect_arg, &query.args);
    if (const char* t = MHD_lookup_connection_value(
            connection, MHD_HEADER_KIND, "X-Prometheus-Scrape-Timeout-Seconds")) {
        char* end = nullptr;
        const double v = std::strtod(t, &end);
        if (end != t && *end == '\0' && v > 0 && v < 86400) {
            query.scrape_timeout_s = v;
        }
    }
    server->handle(ref, query);
    return MHD_YES;
}

void on_completed(void* cls,
                  MHD_Connection* connection,
                  void** state,
                  MHD_RequestTerminationCode /*why*/) {
    delete static_cast<PendingRef*>(*state); // a later Respond finds it gone
    *state = nullptr;
    static_cast<HttpServer*>(cls)->guard().request_done(
        static_cast<ConnectionGuard::Id>(connection), ConnectionGuard::Clock::now());
}

// Shuts a connection's socket down; libmicrohttpd (which owns the descriptor) then reads
// the end of the stream on its next run and closes the connection the usual way.
void shut_down(ConnectionGuard::Id id) {
    const auto* info = MHD_get_connection_info(static_cast<MHD_Connection*>(id),
                                               MHD_CONNECTION_INFO_CONNECTION_FD);
    if (info != nullptr) {
        ::shutdown(info->connect_fd, SHUT_RDWR);
    }
}

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

MHD_Result on_accept(void* cls, const sockaddr* address, socklen_t /*length*/) {
    const auto client = client_key(address);
    if (!client) {
        return MHD_NO;
    }
    const auto admission = static_cast<HttpServer*>(cls)->guard().admit(*client);
    if (admission.evict) {
        shut_down(*admission.evict);
    }
    return admission.accept ? MHD_YES : MHD_NO;
}

void on_connection(void* cls,
                   MHD_Connection* connection,
                   void** /*socket_context*/,
                   MHD_ConnectionNotificationCode code) {
    auto& guard = static_cast<HttpServer*>(cls)->guard();
    const auto id = static_cast<ConnectionGuard::Id>(connection);
    if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
        guard.closed(id);
        return;
    }
    const auto* info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const auto client = client_key(info != nullptr ? info->client_addr : nullptr);
    if (client) {
        guard.opened(id, *client, ConnectionGuard::Clock::now());
    }
    static_cast<HttpServer*>(cls)->ask_client_certificate(connection);
}

// Descriptors for the connections: the soft limit raised to the hard one (epoll has no
// FD_SETSIZE bound), less a reserve for the resolver's sockets, the HTTP sources and files.
std::size_t connection_limit_from_files() {
    rlimit files{};
    if (::getrlimit(RLIMIT_NOFILE, &files) != 0) {
        return 512;
    }
    if (files.rlim_cur < files.rlim_max) {
        files.rlim_cur = files.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &files);
        ::getrlimit(RLIMIT_NOFILE, &files);
    }
    constexpr rlim_t reserve = 256;
    constexpr rlim_t most = 8192; // each may hold a 16 KiB buffer
    if (files.rlim_cur == RLIM_INFINITY) {
        return most;
    }
    return static_cast<std::size_t>(
        std::clamp<rlim_t>(files.rlim_cur > reserve ? files.rlim_cur - reserve : 16, 16, most));
}

void log_mhd(void* cls, const char* format, va_list ap) {
    std::array<char, 512> line{};
    std::vsnprintf(line.data(), line.size(), format, ap);
    static_cast<const HttpServer*>(cls)->log(sanitize_text(line.data(), 400));
}

struct ListenAddress {
    IpAddress ip;
    std::uint16_t port = 0;
};

// "IP:PORT" or "[IPv6]:PORT"; port 0 asks the kernel for a free one.
std::optional<ListenAddress> parse_listen(std::string_view text) {
    std::string_view host;
    std::string_view port;
    if (text.starts_with('[')) {
        const auto close = text.find("]:");
        if (close == std::string_view::npos) {
            return std::nullopt;
        }
        host = text.substr(1, close - 1);
        port = text.substr(close + 2);
    } else {
        const auto colon = text.rfind(':');
        if (colon == std::string_view::npos || text.find(':') != colon) {
            return std::nullopt;
        }
        host = text.substr(0, colon);
        port = text.substr(colon + 1);
    }
    const auto ip = IpAddress::parse_exact(host);
    if (!ip || port.empty() || port.size() > 5 ||
        port.find_first_not_of("0123456789") != std::string_view::npos) {
        return std::nullopt;
    }
    const long n = std::stol(std::string(port));
    if (n > 65535) {
        return std::nullopt;
    }
    return ListenAddress{*ip, static_cast<std::uint16_t>(n)};
}

} // namespace

void HttpServer::handle(const std::shared_ptr<Pending>& pending, const HttpQuery& query) {
    std::weak_ptr<Pending> weak = pending;
    std::weak_ptr<bool> alive = m_alive;
    m_handler(query, [weak, alive](HttpAnswer answer) {
        const auto p = weak.lock();
        if (!p || alive.expired() || p->answer) {
            return;
        }
        p->answer = std::move(answer);
        if (p->suspended) {
            p->suspended = false;
            // The daemon's inter-thread channel wakes its epoll fd; poll() then sends it.
            MHD_resume_connection(p->connection);
        }
    });
    if (pending->answer) {
        send(*pending);
    } else {
        pending->suspended = true;
        MHD_suspend_connection(pending->connection);
    }
}

void HttpServer::send(Pending& pending) {
    pending.sent = true;
    auto& a = *pending.answer;
    MHD_Response* response = pending.server->response(a);
    if (response == nullptr) {
        return; // out of memory: the connection is closed
    }
    MHD_queue_response(pending.connection, a.status, response);
    MHD_destroy_response(response);
}

MHD_Response* HttpServer::response(const HttpAnswer& a) const {
    MHD_Response* response = MHD_create_response_from_buffer(
        a.body.size(), const_cast<char*>(a.body.data()), MHD_RESPMEM_MUST_COPY);
    if (response == nullptr) {
        return nullptr;
    }
    MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, a.content_type.c_str());
    // Pages show which addresses are listed where: not for caches, not for other sites'
    // frames or scripts, and no Referer to the removal pages they link to. The web
    // configuration's headers come on top, replacing ours of the same name.
    std::vector<std::pair<std::string, std::string>> headers{{"Cache-Control", "no-store"},
                                                             {"X-Content-Type-Options", "nosniff"},
                                                             {"Referrer-Policy", "no-referrer"}};
    if (a.content_type.starts_with("text/html")) {
        headers.emplace_back("Content-Security-Policy",
                             "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; "
                             "base-uri 'none'; form-action 'self'; frame-ancestors 'none'");
    }
    for (const auto& header : m_web.headers) {
        std::erase_if(headers, [&](const auto& h) { return iequals(h.first, header.first); });
        headers.push_back(header);
    }
    for (const auto& [name, value] : headers) {
        MHD_add_response_header(response, name.c_str(), value.c_str());
    }
    return response;
}

bool HttpServer::authorised(MHD_Connection* connection, std::string_view path) {
    if (!m_auth.enabled() || (m_open_healthz && path == "/healthz")) {
        return true;
    }
    char* password = nullptr;
    char* user = MHD_basic_auth_get_username_password(connection, &password);
    const auto* info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const auto client = client_key(info != nullptr ? info->client_addr : nullptr);
    const auto outcome =
        m_auth.check(user != nullptr ? std::optional<std::string>(user) : std::nullopt,
                     password != nullptr ? std::optional<std::string>(password) : std::nullopt,
                     client.value_or(ClientKey{}),
                     BasicAuth::Clock::now());
    MHD_free(user);
    MHD_free(password);
    if (outcome == BasicAuth::Outcome::allowed) {
        return true;
    }
    if (outcome == BasicAuth::Outcome::throttled) {
        MHD_Response* r =
            response(HttpAnswer{429,
                                "text/plain; charset=utf-8",
                                "too many failed logins from this address: wait a minute\n"});
        if (r != nullptr) {
            MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, "60");
            MHD_queue_response(connection, 429, r);
            MHD_destroy_response(r);
        }
        return false;
    }
    MHD_Response* r =
        response(HttpAnswer{401, "text/plain; charset=utf-8", "authentication required\n"});
    if (r != nullptr) {
        MHD_queue_basic_auth_fail_response(connection, "rblscope", r); // WWW-Authenticate
        MHD_destroy_response(r);
    }
    return false;
}

void HttpServer::ask_client_certificate(MHD_Connection* connection) const {
    if (!m_web.tls || m_web.tls->client_auth == ClientAuth::none) {
        return;
    }
    const auto* info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_GNUTLS_SESSION);
    if (info == nullptr || info->tls_session == nullptr) {
        return;
    }
    auto* session = static_cast<gnutls_session_t>(info->tls_session);
    // Before the handshake, which libmicrohttpd starts on the connection's first read.
    switch (m_web.tls->client_auth) {
    case ClientAuth::request:
        gnutls_certificate_server_set_request(session, GNUTLS_CERT_REQUEST);
        break;
    case ClientAuth::require_any:
        gnutls_certificate_server_set_request(session, GNUTLS_CERT_REQUIRE);
        break;
    case ClientAuth::require_verified:
        gnutls_certificate_server_set_request(session, GNUTLS_CERT_REQUIRE);
        gnutls_session_set_verify_cert(session, nullptr, 0); // against client_ca_file
        break;
    case ClientAuth::none:
        break;
    }
}

Result<bool> HttpServer::reconfigure(const WebConfig& web) {
    if (web.tls.has_value() != m_web.tls.has_value()) {
        return Error{"turning TLS on or off needs a restart; the previous setting stays", web.file};
    }
    bool restart_needed = false;
    if (web.tls) {
        auto credentials = TlsCredentials::load(*web.tls);
        if (!credentials) {
            return Error{credentials.error().message, web.file};
        }
        credentials.value()->install();
        m_credentials.push_back(std::move(credentials.value()));
        restart_needed = web.tls->client_ca_pem != m_web.tls->client_ca_pem ||
                         web.tls->client_auth != m_web.tls->client_auth ||
                         tls_priorities(*web.tls) != tls_priorities(*m_web.tls);
    }
    m_auth = BasicAuth(web.users);
    // The TLS settings libmicrohttpd started with stay (compared with at the next reload).
    auto tls = std::move(m_web.tls);
    m_web = web;
    m_web.tls = std::move(tls);
    return restart_needed;
}

Result<std::unique_ptr<HttpServer>> HttpServer::start(EventLoop& loop,
                                                      const std::string& listen,
                                                      ConnectionLimits limits,
                                                      const WebConfig& web,
                                                      HttpHandler handler,
                                                      HttpLog log) {
    const auto endpoint = parse_listen(listen);
    if (!endpoint) {
        return Error{"expected IP:PORT or [IPv6]:PORT, e.g. 127.0.0.1:9317",
                     "--listen " + sanitize_text(listen, 100)};
    }
    sockaddr_storage storage{};
    const bool v6 = !endpoint->ip.is_v4();
    if (v6) {
        auto* sa = reinterpret_cast<sockaddr_in6*>(&storage);
        sa->sin6_family = AF_INET6;
        sa->sin6_port = htons(endpoint->port);
        std::memcpy(&sa->sin6_addr, endpoint->ip.bytes().data(), 16);
    } else {
        auto* sa = reinterpret_cast<sockaddr_in*>(&storage);
        sa->sin_family = AF_INET;
        sa->sin_port = htons(endpoint->port);
        std::memcpy(&sa->sin_addr, endpoint->ip.bytes().data(), 4);
    }
    if (limits.max_connections == 0) {
        limits.max_connections = connection_limit_from_files();
    }
    std::unique_ptr<HttpServer> server(
        new HttpServer(loop, limits, std::move(handler), std::move(log)));
    unsigned flags = MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
    if (v6) {
        flags |= MHD_USE_IPv6;
    }
    server->m_web = web;
    server->m_auth = BasicAuth(web.users);
    // TLS: the certificate through the callback (so that a reload can renew it), the
    // versions as GnuTLS priorities, the client CA as libmicrohttpd's trust list.
    std::vector<MHD_OptionItem> tls_options;
    std::string priorities;
    if (web.tls) {
        auto credentials = TlsCredentials::load(*web.tls);
        if (!credentials) {
            return Error{credentials.error().message, web.file};
        }
        credentials.value()->install();
        server->m_credentials.push_back(std::move(credentials.value()));
        flags |= MHD_USE_TLS;
        priorities = tls_priorities(*web.tls);
        tls_options.push_back(
            {MHD_OPTION_HTTPS_CERT_CALLBACK, 0, TlsCredentials::retrieve_function()});
        tls_options.push_back({MHD_OPTION_HTTPS_PRIORITIES, 0, priorities.data()});
        if (!web.tls->client_ca_pem.empty()) {
            tls_options.push_back({MHD_OPTION_HTTPS_MEM_TRUST,
                                   0,
                                   const_cast<char*>(server->m_web.tls->client_ca_pem.c_str())});
        }
        server->m_web.tls->key_pem.clear(); // held by GnuTLS now; not kept twice
    }
    tls_options.push_back({MHD_OPTION_END, 0, nullptr});
    // Silence past the idle timeout ends even a connection sending an answer.
    const auto idle_seconds =
        std::max<long>(1, std::chrono::ceil<std::chrono::seconds>(limits.idle_timeout).count());
    errno = 0;
    server->m_daemon = MHD_start_daemon(flags,
                                        endpoint->port,
                                        &on_accept,
                                        server.get(),
                                        &on_request,
                                        server.get(),
                                        MHD_OPTION_EXTERNAL_LOGGER,
                                        &log_mhd,
                                        server.get(),
                                        MHD_OPTION_SOCK_ADDR,
                                        reinterpret_cast<sockaddr*>(&storage),
                                        MHD_OPTION_NOTIFY_COMPLETED,
                                        &on_completed,
                                        server.get(),
                                        MHD_OPTION_NOTIFY_CONNECTION,
                                        &on_connection,
                                        server.get(),
                                        // The guard decides; this only covers connections
                                        // it released that are not closed yet.
                                        MHD_OPTION_CONNECTION_LIMIT,
                                        static_cast<unsigned>(limits.max_connections + 256),
                                        MHD_OPTION_CONNECTION_TIMEOUT,
                                        static_cast<unsigned>(idle_seconds),
                                        // Request line and headers: 431/414 beyond this.
                                        MHD_OPTION_CONNECTION_MEMORY_LIMIT,
                                        static_cast<std::size_t>(16 * 1024),
                                        MHD_OPTION_ARRAY,
                                        tls_options.data(),
                                        MHD_OPTION_END);
    if (server->m_daemon == nullptr) {
        const int e = errno;
        return Error{fmt::format("cannot listen: {}", e != 0 ? std::strerror(e) : "refused"),
                     "--listen " + listen};
    }
    const auto* info = MHD_get_daemon_info(server->m_daemon, MHD_DAEMON_INFO_EPOLL_FD);
    const auto* port = MHD_get_daemon_info(server->m_daemon, MHD_DAEMON_INFO_BIND_PORT);
    if (info == nullptr || port == nullptr) {
        return Error{"libmicrohttpd gave no epoll descriptor", "--listen " + listen};
    }
    server->m_epoll_fd = info->epoll_fd;
    const std::string ip = endpoint->ip.to_string();
    server->m_address =
        v6 ? fmt::format("[{}]:{}", ip, port->port) : fmt::format("{}:{}", ip, port->port);
    server->m_scheme = web.tls ? "https" : "http";
    auto* raw = server.get();
    loop.watch(server->m_epoll_fd, true, false, [raw](int, bool, bool) { raw->poll(); });
    return server;
}

HttpServer::~HttpServer() {
    *m_alive = false;
    if (m_epoll_fd >= 0) {
        m_loop.unwatch(m_epoll_fd);
    }
    if (m_daemon != nullptr) {
        MHD_stop_daemon(m_daemon);
    }
}

void HttpServer::poll() {
    const auto now = ConnectionGuard::Clock::now();
    if (now >= m_next_sweep) {
        for (const auto id : m_guard.expire(now)) {
            shut_down(id);
        }
        m_next_sweep = now + sweep_interval;
    }
    MHD_run(m_daemon);
}

std::chrono::milliseconds HttpServer::max_wait() const {
    MHD_UNSIGNED_LONG_LONG t = 0;
    auto wait = std::chrono::milliseconds(1000);
    if (MHD_get_timeout(m_daemon, &t) == MHD_YES) {
        wait =
            std::chrono::milliseconds(static_cast<long>(std::min<MHD_UNSIGNED_LONG_LONG>(t, 1000)));
    }
    if (m_guard.open() > 0) {
        wait = std::min(wait,
                        std::chrono::ceil<std::chrono::milliseconds>(
                            std::max(m_next_sweep - ConnectionGuard::Clock::now(),
                                     ConnectionGuard::Clock::duration::zero())));
    }
    return wait;
}

} // namespace rblscope::exporter
