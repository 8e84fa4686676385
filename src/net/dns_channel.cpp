#include "net/dns_channel.hpp"

#include "net/resolvers.hpp"

#include <ares.h>
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <array>
#include <cstring>
#include <fmt/format.h>
#include <memory>
#include <netinet/in.h>

namespace rblscope {

struct DnsChannel::Pending {
    DnsChannel* self;
    Type type;
    Callback callback;
};

namespace {

constexpr std::chrono::milliseconds k_tick{50};

struct AresLibrary {
    AresLibrary() { ares_library_init(ARES_LIB_INIT_ALL); }
    ~AresLibrary() { ares_library_cleanup(); }
};

std::uint16_t read16(const unsigned char* p) {
    return static_cast<std::uint16_t>((p[0] << 8) | p[1]);
}

std::uint32_t read32(const unsigned char* p) {
    return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
           std::uint32_t{p[3]};
}

// Length of the (possibly compressed) name at `p`, or -1 when it is malformed.
long name_length(const unsigned char* p, const unsigned char* msg, int len) {
    char* name = nullptr;
    long used = 0;
    if (ares_expand_name(p, msg, len, &name, &used) != ARES_SUCCESS) {
        return -1;
    }
    ares_free_string(name);
    return used;
}

/// Names in the RDATA of the answer records of type `rtype` (after `skip` octets: MX's
/// preference). False when the packet is malformed.
bool answer_names(const unsigned char* msg,
                  int len,
                  unsigned rtype,
                  unsigned skip,
                  std::vector<std::string>& out) {
    constexpr int k_header = 12;
    if (len < k_header) {
        return false;
    }
    const unsigned qdcount = read16(msg + 4);
    const unsigned ancount = read16(msg + 6);
    const unsigned char* p = msg + k_header;
    const unsigned char* end = msg + len;
    for (unsigned i = 0; i < qdcount; ++i) {
        const long n = name_length(p, msg, len);
        if (n < 0 || end - p < n + 4) {
            return false;
        }
        p += n + 4;
    }
    for (unsigned i = 0; i < ancount; ++i) {
        const long n = name_length(p, msg, len);
        if (n < 0 || end - p < n + 10) {
            return false;
        }
        p += n;
        const unsigned type = read16(p);
        const unsigned rdlength = read16(p + 8);
        p += 10;
        if (end - p < static_cast<long>(rdlength)) {
            return false;
        }
        if (type == rtype && rdlength > skip) {
            char* name = nullptr;
            long used = 0;
            if (ares_expand_name(p + skip, msg, len, &name, &used) != ARES_SUCCESS) {
                return false;
            }
            out.emplace_back(name);
            ares_free_string(name);
        }
        p += rdlength;
    }
    return true;
}

void garbled(DnsReply& out, int rc) {
    out.status = DnsStatus::garbled;
    out.error = ares_strerror(rc);
}

void parse_reply(DnsChannel::Type type, const unsigned char* abuf, int alen, DnsReply& out) {
    if (type == DnsChannel::Type::mx || type == DnsChannel::Type::ptr) {
        const bool mx = type == DnsChannel::Type::mx;
        if (!answer_names(abuf, alen, mx ? ns_t_mx : ns_t_ptr, mx ? 2 : 0, out.names)) {
            garbled(out, ARES_EBADRESP);
        } else if (out.names.empty()) {
            out.status = DnsStatus::nodata;
        }
        return;
    }
    if (type == DnsChannel::Type::a) {
        std::array<ares_addrttl, 64> addrs{};
        int n = static_cast<int>(addrs.size());
        const int rc = ares_parse_a_reply(abuf, alen, nullptr, addrs.data(), &n);
        if (rc == ARES_ENODATA) {
            out.status = DnsStatus::nodata;
            return;
        }
        if (rc != ARES_SUCCESS) {
            garbled(out, rc);
            return;
        }
        for (int i = 0; i < n; ++i) {
            const auto& a = addrs[static_cast<std::size_t>(i)];
            out.a.push_back(ntohl(a.ipaddr.s_addr));
            out.ttl = i == 0 ? static_cast<std::uint32_t>(a.ttl)
                             : std::min(out.ttl, static_cast<std::uint32_t>(a.ttl));
        }
        return;
    }
    if (type == DnsChannel::Type::aaaa) {
        std::array<ares_addr6ttl, 64> addrs{};
        int n = static_cast<int>(addrs.size());
        const int rc = ares_parse_aaaa_reply(abuf, alen, nullptr, addrs.data(), &n);
        if (rc == ARES_ENODATA) {
            out.status = DnsStatus::nodata;
            return;
        }
        if (rc != ARES_SUCCESS) {
            garbled(out, rc);
            return;
        }
        for (int i = 0; i < n; ++i) {
            std::array<std::uint8_t, 16> b{};
            std::memcpy(b.data(), &addrs[static_cast<std::size_t>(i)].ip6addr, 16);
            out.aaaa.push_back(b);
        }
        return;
    }
    ares_txt_ext* txt = nullptr;
    const int rc = ares_parse_txt_reply_ext(abuf, alen, &txt);
    if (rc == ARES_ENODATA) {
        out.status = DnsStatus::nodata;
        return;
    }
    if (rc != ARES_SUCCESS) {
        garbled(out, rc);
        return;
    }
    for (auto* t = txt; t != nullptr; t = t->next) {
        // Strings of one record are joined; a new record starts a new entry.
        if (t->record_start != 0 || out.txt.empty()) {
            out.txt.emplace_back();
        }
        out.txt.back().append(reinterpret_cast<const char*>(t->txt), t->length);
    }
    ares_free_data(txt);
}

// The one mapping from c-ares' codes to ours.
DnsReply reply_for(int status) {
    DnsReply r;
    switch (status) {
    case ARES_SUCCESS:
        r.status = DnsStatus::answered;
        break;
    case ARES_ENODATA:
        r.status = DnsStatus::nodata;
        break;
    case ARES_ENOTFOUND:
        r.status = DnsStatus::nxdomain;
        break;
    case ARES_ESERVFAIL:
        r.status = DnsStatus::servfail;
        break;
    case ARES_EREFUSED:
        r.status = DnsStatus::refused;
        break;
    case ARES_ETIMEOUT:
        r.status = DnsStatus::timeout;
        break;
    case ARES_ECONNREFUSED:
        r.status = DnsStatus::connection_refused;
        break;
    default:
        r.status = DnsStatus::other;
        r.error = ares_strerror(status);
        break;
    }
    return r;
}

} // namespace

std::string dns_status_text(const DnsReply& reply) {
    switch (reply.status) {
    case DnsStatus::answered:
        return "answered";
    case DnsStatus::nodata:
        return "no data";
    case DnsStatus::nxdomain:
        return "no such name";
    case DnsStatus::servfail:
        return "SERVFAIL";
    case DnsStatus::refused:
        return "REFUSED";
    case DnsStatus::timeout:
        return "timeout";
    case DnsStatus::connection_refused:
        return "connection refused";
    case DnsStatus::garbled:
    case DnsStatus::other:
        break;
    }
    return reply.error;
}

DnsChannel::DnsChannel(EventLoop& loop) : m_loop(loop) {}

Result<std::unique_ptr<DnsChannel>> DnsChannel::create(EventLoop& loop,
                                                       const std::vector<std::string>& servers,
                                                       std::chrono::milliseconds timeout) {
    static AresLibrary library;
    std::unique_ptr<DnsChannel> ch(new DnsChannel(loop));
    ares_options opts{};
    opts.flags =
        ARES_FLAG_NOCHECKRESP; // hand SERVFAIL/REFUSED to us, don't treat as server failure
    opts.timeout = static_cast<int>(timeout.count());
    opts.tries = 1;
    opts.sock_state_cb = &DnsChannel::on_socket_state;
    opts.sock_state_cb_data = ch.get();
    opts.socket_receive_buffer_size = 4 * 1024 * 1024; // thousands of answers may arrive at once
    // Rotation spreads queries over the resolvers, so a hedged copy reaches another one.
    const int mask = ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_SOCK_STATE_CB |
                     ARES_OPT_SOCK_RCVBUF | ARES_OPT_ROTATE;
    const int rc = ares_init_options(&ch->m_channel, &opts, mask);
    if (rc != ARES_SUCCESS) {
        return Error{fmt::format("cannot set up the DNS resolver: {}", ares_strerror(rc)),
                     "resolver"};
    }
    if (!servers.empty()) {
        std::string csv;
        for (const auto& s : servers) {
            auto ep = parse_server(s);
            if (!ep) {
                return ep.error();
            }
            csv += csv.empty() ? "" : ",";
            csv += ep->csv();
        }
        const int src = ares_set_servers_ports_csv(ch->m_channel, csv.c_str());
        if (src != ARES_SUCCESS) {
            return Error{
                fmt::format("c-ares refused the server list \"{}\": {}", csv, ares_strerror(src)),
                "--resolver"};
        }
    }
    if (ch->servers().empty()) {
        return Error{"no DNS resolver configured (none in /etc/resolv.conf; use --resolver IP)",
                     "resolver"};
    }
    return ch;
}

DnsChannel::~DnsChannel() {
    if (m_timer) {
        m_loop.cancel_timer(*m_timer);
    }
    if (m_channel != nullptr) {
        ares_destroy(m_channel); // calls pending callbacks with ARES_EDESTRUCTION
    }
}

std::vector<std::string> DnsChannel::servers() const {
    std::vector<std::string> out;
    ares_addr_port_node* list = nullptr;
    if (ares_get_servers_ports(m_channel, &list) != ARES_SUCCESS) {
        return out;
    }
    for (auto* n = list; n != nullptr; n = n->next) {
        char buf[INET6_ADDRSTRLEN] = {};
        const int port = n->udp_port != 0 ? n->udp_port : 53;
        if (n->family == AF_INET) {
            inet_ntop(AF_INET, &n->addr.addr4, buf, sizeof buf);
            out.push_back(fmt::format("{}:{}", buf, port));
        } else {
            inet_ntop(AF_INET6, &n->addr.addr6, buf, sizeof buf);
            out.push_back(fmt::format("[{}]:{}", buf, port));
        }
    }
    ares_free_data(list);
    return out;
}

void DnsChannel::query(const std::string& name, Type type, Callback callback) {
    auto* p = new Pending{this, type, std::move(callback)};
    ++m_in_flight;
    const int qtype = type == Type::a      ? ns_t_a
                      : type == Type::aaaa ? ns_t_aaaa
                      : type == Type::mx   ? ns_t_mx
                      : type == Type::ptr  ? ns_t_ptr
                                           : ns_t_txt;
    ares_query(m_channel, name.c_str(), ns_c_in, qtype, &DnsChannel::on_reply, p);
    rearm_timer();
}

void DnsChannel::resolve_host(const std::string& name, Callback callback) {
    struct HostLookup {
        DnsChannel* self;
        Callback callback;
    };
    auto* lookup = new HostLookup{this, std::move(callback)};
    ++m_in_flight;
    ares_addrinfo_hints hints{};
    hints.ai_family = AF_UNSPEC;
    ares_getaddrinfo(
        m_channel,
        name.c_str(),
        nullptr,
        &hints,
        [](void* arg, int status, int /*timeouts*/, ares_addrinfo* result) {
            std::unique_ptr<HostLookup> l(static_cast<HostLookup*>(arg));
            if (status == ARES_EDESTRUCTION) {
                ares_freeaddrinfo(result);
                return;
            }
            --l->self->m_in_flight;
            DnsReply reply = reply_for(status);
            if (status == ARES_SUCCESS && result != nullptr) {
                for (auto* n = result->nodes; n != nullptr; n = n->ai_next) {
                    if (n->ai_family == AF_INET) {
                        const auto* sin = reinterpret_cast<const sockaddr_in*>(n->ai_addr);
                        reply.a.push_back(ntohl(sin->sin_addr.s_addr));
                    } else if (n->ai_family == AF_INET6) {
                        const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(n->ai_addr);
                        std::array<std::uint8_t, 16> b{};
                        std::memcpy(b.data(), &sin6->sin6_addr, 16);
                        reply.aaaa.push_back(b);
                    }
                }
            }
            ares_freeaddrinfo(result);
            l->self->m_done.emplace_back(std::move(l->callback), std::move(reply));
        },
        lookup);
    rearm_timer();
}

void DnsChannel::on_socket_state(void* data, int fd, int readable, int writable) {
    auto* self = static_cast<DnsChannel*>(data);
    if (readable == 0 && writable == 0) {
        self->m_loop.unwatch(fd);
        return;
    }
    self->m_loop.watch(fd, readable != 0, writable != 0, [self](int f, bool r, bool w) {
        self->process(r ? f : ARES_SOCKET_BAD, w ? f : ARES_SOCKET_BAD);
    });
}

ResponseTtls response_ttls(const unsigned char* msg, int len) {
    constexpr int k_header = 12;
    ResponseTtls out;
    if (msg == nullptr || len < k_header) {
        return {};
    }
    const unsigned qdcount = read16(msg + 4);
    const unsigned ancount = read16(msg + 6);
    const unsigned nscount = read16(msg + 8);
    const unsigned char* p = msg + k_header;
    const unsigned char* end = msg + len;
    for (unsigned i = 0; i < qdcount; ++i) {
        const long n = name_length(p, msg, len);
        if (n < 0 || end - p < n + 4) {
            return {};
        }
        p += n + 4; // type, class
    }
    for (unsigned i = 0; i < ancount + nscount; ++i) {
        const long n = name_length(p, msg, len);
        if (n < 0 || end - p < n + 10) {
            return {};
        }
        p += n;
        const unsigned rtype = read16(p);
        const std::uint32_t ttl = read32(p + 4);
        const unsigned rdlength = read16(p + 8);
        p += 10;
        if (end - p < static_cast<long>(rdlength)) {
            return {};
        }
        if (i < ancount) {
            out.answer = std::min(out.answer.value_or(ttl), ttl);
        } else if (rtype == ns_t_soa) {
            const unsigned char* r = p;
            const unsigned char* rend = p + rdlength;
            for (int names = 0; names < 2; ++names) { // MNAME, RNAME
                const long m = name_length(r, msg, len);
                if (m < 0 || rend - r < m) {
                    return {};
                }
                r += m;
            }
            if (rend - r < 20) {
                return {};
            }
            const std::uint32_t minimum = read32(r + 16);
            out.negative = std::min(ttl, minimum);
            return out;
        }
        p += rdlength;
    }
    return out;
}

void DnsChannel::on_reply(void* arg, int status, int /*timeouts*/, unsigned char* abuf, int alen) {
    std::unique_ptr<Pending> p(static_cast<Pending*>(arg));
    if (status == ARES_EDESTRUCTION) {
        return;
    }
    --p->self->m_in_flight;
    DnsReply base = reply_for(status);
    DnsReply reply = read_dns_reply(p->type, base.status, abuf, alen);
    if (reply.status == DnsStatus::other) {
        reply.error = std::move(base.error);
    }
    p->self->m_done.emplace_back(std::move(p->callback), std::move(reply));
}

DnsReply
read_dns_reply(DnsChannel::Type type, DnsStatus status, const unsigned char* abuf, int alen) {
    DnsReply reply;
    reply.status = status;
    if (status == DnsStatus::answered && abuf != nullptr) {
        parse_reply(type, abuf, alen, reply);
    }
    // The packet is walked again only where c-ares gives no TTL: "no" answers and TXT.
    if (abuf != nullptr &&
        (reply.status == DnsStatus::nxdomain || reply.status == DnsStatus::nodata)) {
        reply.negative_ttl = response_ttls(abuf, alen).negative;
    } else if (abuf != nullptr && reply.status == DnsStatus::answered &&
               type == DnsChannel::Type::txt) {
        reply.ttl = response_ttls(abuf, alen).answer.value_or(0);
    }
    return reply;
}

void DnsChannel::process(int read_fd, int write_fd) {
    ares_process_fd(m_channel, read_fd, write_fd);
    rearm_timer();
}

// c-ares only needs a coarse tick: the engine owns every deadline that matters, and
// ares_timeout() walks all queries in flight (c-ares 1.18), too costly to call per send.
void DnsChannel::rearm_timer() {
    if (m_timer || m_in_flight == 0) {
        return;
    }
    m_timer = m_loop.add_timer(EventLoop::Clock::now() + k_tick, [this] {
        m_timer.reset();
        process(ARES_SOCKET_BAD, ARES_SOCKET_BAD);
    });
}

void DnsChannel::drain() {
    while (!m_done.empty()) {
        auto done = std::move(m_done);
        m_done.clear();
        for (auto& [cb, reply] : done) {
            cb(std::move(reply));
        }
    }
}

} // namespace rblscope
