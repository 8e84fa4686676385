#include "serve/http_server.hpp"

#include "core/sanitize.hpp"
#include "rblscope/ip.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <fmt/format.h>
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
    MHD_Response* response = MHD_create_response_from_buffer(
        a.body.size(), const_cast<char*>(a.body.data()), MHD_RESPMEM_MUST_COPY);
    if (response == nullptr) {
        return; // out of memory: the connection is closed
    }
    MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, a.content_type.c_str());
    // Pages show which addresses are listed where: not for caches, not for other sites'
    // frames or scripts, and no Referer to the removal pages they link to.
    MHD_add_response_header(response, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    MHD_add_response_header(response, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(response, "Referrer-Policy", "no-referrer");
    if (a.content_type.starts_with("text/html")) {
        MHD_add_response_header(response,
                                "Content-Security-Policy",
                                "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; "
                                "base-uri 'none'; form-action 'self'; frame-ancestors 'none'");
    }
    MHD_queue_response(pending.connection, a.status, response);
    MHD_destroy_response(response);
}

Result<std::unique_ptr<HttpServer>> HttpServer::start(EventLoop& loop,
                                                      const std::string& listen,
                                                      ConnectionLimits limits,
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
