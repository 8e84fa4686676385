// A small scripted DNS responder for the failure modes rbldnsd cannot produce.
//
//   fake_dns [--port N] [--rate QPS] [--rcvbuf BYTES] --zone NAME=MODE[@DELAY_MS][%LOSS] ...
//
// MODE (applies to every name under NAME):
//   rfc        RFC 5782 behaviour: 127.0.0.2 (and ::ffff:7f00:2, "test") listed as
//              127.0.0.2, 192.0.2.99 and 2001:db8::99 listed, everything else NXDOMAIN
//   ip4only    like rfc for IPv4 names, NXDOMAIN for every IPv6 one (a list without IPv6)
//   nxdomain   NXDOMAIN for everything (a list that refuses us silently)
//   servfail | refused
//   silent     never answers
//   a:IP       answers IP for every name (error codes, non-127 answers, wildcards)
//   garbage    answers random bytes with the query's ID
//   truncated  answers with TC set and no records; over TCP the connection is closed
//   wrongid    answers 127.0.0.2 with a different ID (must be ignored)
//   dropfirst  drops the first query for each name, then behaves like rfc (packet loss)
//   half       like rfc, and IPv4 addresses with an odd last octet are listed too (127.0.0.1
//              stays unlisted): many listings to compare across runs
//   wrongport  answers like rfc, but from another UDP port (must be ignored)
//   tc         answers with TC set over UDP, and like rfc over TCP (the fallback works)
// %LOSS after the mode (and delay) drops that percentage of queries at random, with a fixed
// seed: "half%20". Names outside every zone get REFUSED. TCP is served on the same port.
// --rate QPS reads UDP queries no faster than that (a loaded resolver): bursts wait in the
// socket buffer and overflow it; --rcvbuf BYTES makes that buffer small.
// Prints "PORT <n>" on stdout once ready.
//
//   fake_dns [--port N] [--drop-first] --records FILE
//
// Serves exact records instead (the SPF conformance scenarios): one per line, fields
// separated by tabs: NAME TYPE VALUE...  TYPE is A, AAAA, MX (PREF NAME), TXT (one field per
// character-string; values escape newline, tab and backslash as \n \t \\, any byte as \xHH;
// answers over 1,232 bytes are truncated over UDP and served over TCP), PTR or CNAME (other
// types are followed one level, as a resolver's answer would be), or TIMEOUT (no answer for the
// types not listed above it). Names not in the file are NXDOMAIN, or SERVFAIL under "error."; a
// name without the asked type is NODATA. UDP only, single-threaded, poll()-driven; delayed answers
// wait in a queue. --drop-first ignores the first UDP query for each name and type (a lost
// packet per question).

#include <algorithm>
#include <arpa/inet.h>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <netinet/in.h>
#include <optional>
#include <poll.h>
#include <queue>
#include <random>
#include <set>
#include <string>
#include <sys/socket.h>
#include <unistd.h>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Behaviour {
    std::string mode;
    std::string arg;
    int delay_ms = 0;
    int loss_percent = 0; ///< queries dropped at random (fixed seed)
};

struct Delayed {
    Clock::time_point when;
    std::vector<std::uint8_t> packet;
    sockaddr_storage peer{};
    socklen_t peer_len = 0;
    bool operator>(const Delayed& o) const { return when > o.when; }
};

std::string lower(std::string s) {
    for (auto& c : s) {
        if (c >= 'A' && c <= 'Z') {
            c = static_cast<char>(c + 32);
        }
    }
    return s;
}

// Parses the question; returns false on a malformed query.
bool parse_question(const std::vector<std::uint8_t>& q,
                    std::string& name,
                    std::uint16_t& qtype,
                    std::size_t& qend) {
    if (q.size() < 12) {
        return false;
    }
    std::size_t i = 12;
    name.clear();
    while (i < q.size()) {
        const std::uint8_t len = q[i++];
        if (len == 0) {
            break;
        }
        if (len > 63 || i + len > q.size()) {
            return false;
        }
        if (!name.empty()) {
            name += '.';
        }
        name.append(reinterpret_cast<const char*>(&q[i]), len);
        i += len;
    }
    if (i + 4 > q.size()) {
        return false;
    }
    qtype = static_cast<std::uint16_t>((q[i] << 8) | q[i + 1]);
    qend = i + 4;
    name = lower(name);
    return true;
}

std::vector<std::uint8_t> reply(const std::vector<std::uint8_t>& q,
                                std::size_t qend,
                                int rcode,
                                const std::vector<std::uint32_t>& a,
                                bool tc = false) {
    std::vector<std::uint8_t> r(q.begin(), q.begin() + static_cast<long>(qend));
    r[2] = static_cast<std::uint8_t>(0x80 | 0x04 | (q[2] & 0x01) | (tc ? 0x02 : 0)); // QR AA RD TC
    r[3] = static_cast<std::uint8_t>(0x80 | (rcode & 0x0f));                         // RA
    r[4] = 0;
    r[5] = 1;
    r[6] = 0;
    r[7] = static_cast<std::uint8_t>(a.size());
    r[8] = r[9] = r[10] = r[11] = 0;
    for (const auto ip : a) {
        const std::uint8_t rr[] = {0xc0,
                                   0x0c,
                                   0,
                                   1,
                                   0,
                                   1,
                                   0,
                                   0,
                                   0x0e,
                                   0x10,
                                   0,
                                   4,
                                   static_cast<std::uint8_t>(ip >> 24),
                                   static_cast<std::uint8_t>(ip >> 16),
                                   static_cast<std::uint8_t>(ip >> 8),
                                   static_cast<std::uint8_t>(ip)};
        r.insert(r.end(), std::begin(rr), std::end(rr));
    }
    return r;
}

struct Record {
    std::string type; // A, AAAA, MX, TXT, PTR, CNAME, TIMEOUT
    std::vector<std::string> values;
};
using RecordMap = std::map<std::string, std::vector<Record>>;

std::uint16_t type_code(const std::string& t) {
    return t == "A"       ? 1
           : t == "CNAME" ? 5
           : t == "PTR"   ? 12
           : t == "MX"    ? 15
           : t == "TXT"   ? 16
           : t == "AAAA"  ? 28
                          : 0;
}

/// Uncompressed wire form of a name; false when a label does not fit.
bool put_name(std::vector<std::uint8_t>& out, const std::string& name) {
    std::size_t start = 0;
    while (start < name.size()) {
        auto dot = name.find('.', start);
        if (dot == std::string::npos) {
            dot = name.size();
        }
        const auto len = dot - start;
        if (len == 0 || len > 63) {
            return false;
        }
        out.push_back(static_cast<std::uint8_t>(len));
        out.insert(out.end(),
                   name.begin() + static_cast<long>(start),
                   name.begin() + static_cast<long>(dot));
        start = dot + 1;
    }
    out.push_back(0);
    return true;
}

/// One resource record (owner given as wire bytes); false when its data cannot be encoded.
bool put_record(std::vector<std::uint8_t>& out,
                const std::vector<std::uint8_t>& owner,
                const Record& rec) {
    std::vector<std::uint8_t> rdata;
    if (rec.type == "A" || rec.type == "AAAA") {
        std::uint8_t b[16];
        const bool v4 = rec.type == "A";
        if (inet_pton(v4 ? AF_INET : AF_INET6, rec.values.at(0).c_str(), b) != 1) {
            return false;
        }
        rdata.assign(b, b + (v4 ? 4 : 16));
    } else if (rec.type == "MX") {
        const int pref = std::stoi(rec.values.at(0));
        rdata = {static_cast<std::uint8_t>(pref >> 8), static_cast<std::uint8_t>(pref)};
        if (!put_name(rdata, rec.values.at(1))) {
            return false;
        }
    } else if (rec.type == "PTR" || rec.type == "CNAME") {
        if (!put_name(rdata, rec.values.at(0))) {
            return false;
        }
    } else if (rec.type == "TXT") {
        for (const auto& v : rec.values) {
            for (std::size_t i = 0; i == 0 || i < v.size(); i += 255) {
                const auto part = v.substr(i, 255);
                rdata.push_back(static_cast<std::uint8_t>(part.size()));
                rdata.insert(rdata.end(), part.begin(), part.end());
            }
        }
    } else {
        return false;
    }
    const auto type = type_code(rec.type);
    out.insert(out.end(), owner.begin(), owner.end());
    const std::uint8_t fixed[] = {static_cast<std::uint8_t>(type >> 8),
                                  static_cast<std::uint8_t>(type),
                                  0,
                                  1,
                                  0,
                                  0,
                                  0x0e,
                                  0x10,
                                  static_cast<std::uint8_t>(rdata.size() >> 8),
                                  static_cast<std::uint8_t>(rdata.size())};
    out.insert(out.end(), std::begin(fixed), std::end(fixed));
    out.insert(out.end(), rdata.begin(), rdata.end());
    return true;
}

RecordMap load_records(const char* path) {
    RecordMap m;
    FILE* f = std::fopen(path, "rb");
    if (f == nullptr) {
        std::perror("fake_dns: --records");
        std::exit(2);
    }
    std::string line;
    for (int c = std::fgetc(f);; c = std::fgetc(f)) {
        if (c != '\n' && c != EOF) {
            line += static_cast<char>(c);
            continue;
        }
        std::vector<std::string> fields;
        std::size_t start = 0;
        while (start <= line.size() && !line.empty()) {
            auto tab = line.find('\t', start);
            if (tab == std::string::npos) {
                tab = line.size();
            }
            // Values are backslash-escaped: \n, \t, \\ and \xHH (any byte, NUL included).
            std::string field;
            for (std::size_t i = start; i < tab; ++i) {
                if (line[i] == '\\' && i + 3 < tab + 1 && line[i + 1] == 'x') {
                    field += static_cast<char>(std::stoi(line.substr(i + 2, 2), nullptr, 16));
                    i += 3;
                } else if (line[i] == '\\' && i + 1 < tab) {
                    const char e = line[++i];
                    field += e == 'n' ? '\n' : e == 't' ? '\t' : e;
                } else {
                    field += line[i];
                }
            }
            fields.push_back(field);
            start = tab + 1;
        }
        if (fields.size() >= 2) {
            Record r{fields[1], {fields.begin() + 2, fields.end()}};
            m[lower(fields[0])].push_back(std::move(r));
        }
        line.clear();
        if (c == EOF) {
            break;
        }
    }
    std::fclose(f);
    return m;
}

/// The answer from a record file; empty optional = stay silent (TIMEOUT).
std::optional<std::vector<std::uint8_t>> answer_records(const RecordMap& records,
                                                        const std::vector<std::uint8_t>& q,
                                                        std::size_t qend,
                                                        const std::string& name,
                                                        std::uint16_t qtype) {
    auto r = reply(q, qend, 0, {});
    const auto it = records.find(name);
    if (it == records.end()) {
        r[3] = static_cast<std::uint8_t>(0x80 | (name.starts_with("error.") ? 2 : 3));
        return r;
    }
    const std::vector<std::uint8_t> self = {0xc0, 0x0c};
    int count = 0;
    bool seen = false;
    for (const auto& rec : it->second) {
        if (rec.type == "TIMEOUT") {
            if (!seen) {
                return std::nullopt;
            }
            break;
        }
        if (rec.type == "CNAME" && qtype != 5 && !rec.values.empty()) {
            if (!put_record(r, self, rec)) {
                continue;
            }
            ++count;
            const auto target = records.find(lower(rec.values[0]));
            std::vector<std::uint8_t> owner;
            if (target != records.end() && put_name(owner, lower(rec.values[0]))) {
                for (const auto& t : target->second) {
                    if (type_code(t.type) == qtype && put_record(r, owner, t)) {
                        ++count;
                    }
                }
            }
            seen = true;
            continue;
        }
        if (type_code(rec.type) != qtype) {
            continue;
        }
        seen = true;
        count += put_record(r, self, rec) ? 1 : 0;
    }
    r[6] = static_cast<std::uint8_t>(count >> 8);
    r[7] = static_cast<std::uint8_t>(count);
    return r;
}

bool under(const std::string& name, const std::string& zone) {
    return name == zone || (name.size() > zone.size() && name.ends_with(zone) &&
                            name[name.size() - zone.size() - 1] == '.');
}

/// What RFC 5782 mode (and "half", which also lists odd last octets) answers for `sub`, the
/// name without the zone ("2.0.0.127.").
std::vector<std::uint8_t> rfc_answer(const std::vector<std::uint8_t>& q,
                                     std::size_t qend,
                                     std::uint16_t qtype,
                                     const std::string& sub,
                                     bool half) {
    bool listed = sub == "2.0.0.127." || sub == "test." || sub == "99.2.0.192." ||
                  sub == "2.0.0.0.0.0.f.7.f.f.f.f.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0." ||
                  sub == "9.9.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.";
    if (half && !listed && sub != "1.0.0.127." && std::count(sub.begin(), sub.end(), '.') == 4) {
        const auto last = std::strtoul(sub.c_str(), nullptr, 10);
        listed = last % 2 == 1;
    }
    return listed && qtype == 1 ? reply(q, qend, 0, {0x7f000002u})
                                : reply(q, qend, listed ? 0 : 3, {});
}

struct Server {
    std::map<std::string, Behaviour> zones;
    RecordMap records;
    bool have_records = false;
    bool drop_first = false; // --records: the first UDP query of each name and type is lost
    std::mt19937 rng{42};
    std::set<std::string> seen; // dropfirst: names already dropped once

    /// The answer to one query, or nullopt to stay silent. `tcp`: asked over TCP.
    /// `behaviour` is set to the zone's behaviour (null outside every zone).
    std::optional<std::vector<std::uint8_t>>
    answer(const std::vector<std::uint8_t>& q, bool tcp, const Behaviour*& behaviour) {
        behaviour = nullptr;
        std::string name;
        std::uint16_t qtype = 0;
        std::size_t qend = 0;
        if (!parse_question(q, name, qtype, qend)) {
            return std::nullopt;
        }
        if (have_records) {
            if (drop_first && !tcp && seen.insert(name + '/' + std::to_string(qtype)).second) {
                return std::nullopt;
            }
            auto r = answer_records(records, q, qend, name, qtype);
            // Over 1,232 bytes (the EDNS size resolvers offer) UDP says "truncated": the
            // resolver asks again over TCP.
            if (r && !tcp && r->size() > 1232) {
                return reply(q, qend, 0, {}, true);
            }
            return r;
        }
        const Behaviour* b = nullptr;
        std::size_t best = 0;
        for (const auto& [zone, beh] : zones) {
            if (under(name, zone) && zone.size() >= best) {
                b = &beh;
                best = zone.size();
            }
        }
        behaviour = b;
        if (b == nullptr) {
            return reply(q, qend, 5, {});
        }
        if (b->loss_percent > 0 && static_cast<int>(rng() % 100) < b->loss_percent) {
            return std::nullopt;
        }
        const std::string sub = name.substr(0, name.size() - best);
        std::vector<std::uint8_t> r;
        if (b->mode == "silent") {
            return std::nullopt;
        } else if (b->mode == "dropfirst" && seen.insert(name).second) {
            return std::nullopt;
        } else if (b->mode == "nxdomain") {
            r = reply(q, qend, 3, {});
        } else if (b->mode == "servfail") {
            r = reply(q, qend, 2, {});
        } else if (b->mode == "refused") {
            r = reply(q, qend, 5, {});
        } else if (b->mode == "a" || b->mode == "wrongid") {
            in_addr ip{};
            inet_pton(AF_INET, b->mode == "a" ? b->arg.c_str() : "127.0.0.2", &ip);
            r = qtype == 1 ? reply(q, qend, 0, {ntohl(ip.s_addr)}) : reply(q, qend, 0, {});
            if (b->mode == "wrongid") {
                r[0] = static_cast<std::uint8_t>(r[0] ^ 0x5a);
            }
        } else if (b->mode == "garbage") {
            r.resize(40);
            for (auto& c : r) {
                c = static_cast<std::uint8_t>(rng());
            }
            r[0] = q[0];
            r[1] = q[1];
        } else if (b->mode == "truncated" && tcp) {
            return std::nullopt; // as if no TCP service were there: the connection closes
        } else if (b->mode == "ip4only" && std::count(sub.begin(), sub.end(), '.') != 4) {
            r = reply(q, qend, 3, {});
        } else if (b->mode == "truncated" || (b->mode == "tc" && !tcp)) {
            r = reply(q, qend, 0, {}, true);
        } else { // rfc, half, wrongport, tc over TCP
            r = rfc_answer(q, qend, qtype, sub, b->mode == "half");
        }
        return r;
    }
};

/// A TCP client: bytes received so far (queries are length-prefixed, RFC 1035 4.2.2).
struct TcpClient {
    int fd = -1;
    std::vector<std::uint8_t> in;
};

} // namespace

int main(int argc, char** argv) {
    std::signal(SIGPIPE, SIG_IGN);
    int port = 0;
    double rate = 0; // UDP queries read a second at most (0 = as fast as it can)
    int rcvbuf = 0;  // SO_RCVBUF of the UDP socket (0 = the system's default)
    Server server;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--port" && i + 1 < argc) {
            port = std::stoi(argv[++i]);
        } else if (arg == "--rate" && i + 1 < argc) {
            rate = std::stod(argv[++i]);
        } else if (arg == "--rcvbuf" && i + 1 < argc) {
            rcvbuf = std::stoi(argv[++i]);
        } else if (arg == "--drop-first") {
            server.drop_first = true;
        } else if (arg == "--records" && i + 1 < argc) {
            server.records = load_records(argv[++i]);
            server.have_records = true;
        } else if (arg == "--zone" && i + 1 < argc) {
            std::string spec = argv[++i];
            const auto eq = spec.find('=');
            if (eq == std::string::npos) {
                std::fprintf(stderr, "fake_dns: --zone NAME=MODE[@DELAY][%%LOSS]\n");
                return 2;
            }
            Behaviour b;
            std::string mode = spec.substr(eq + 1);
            if (const auto pct = mode.find('%'); pct != std::string::npos) {
                b.loss_percent = std::stoi(mode.substr(pct + 1));
                mode.erase(pct);
            }
            if (const auto at = mode.find('@'); at != std::string::npos) {
                b.delay_ms = std::stoi(mode.substr(at + 1));
                mode.erase(at);
            }
            if (const auto colon = mode.find(':'); colon != std::string::npos) {
                b.arg = mode.substr(colon + 1);
                mode.erase(colon);
            }
            b.mode = mode;
            server.zones[lower(spec.substr(0, eq))] = b;
        } else {
            std::fprintf(stderr, "fake_dns: unknown argument %s\n", arg.c_str());
            return 2;
        }
    }
    // UDP and TCP on the same port, for answers that do not fit (or pretend not to fit) in
    // UDP. With --port 0 the kernel picks the UDP port, which a TCP socket may hold already:
    // then another is tried.
    int fd = -1;
    int listener = -1;
    sockaddr_in addr{};
    for (int attempt = 0; attempt < 50 && listener < 0; ++attempt) {
        if (fd >= 0) {
            close(fd);
        }
        fd = socket(AF_INET, SOCK_DGRAM, 0);
        addr = sockaddr_in{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(static_cast<std::uint16_t>(port));
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
            std::perror("fake_dns: bind");
            return 1;
        }
        socklen_t alen = sizeof addr;
        getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &alen);
        if (rcvbuf > 0) {
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
        }
        listener = socket(AF_INET, SOCK_STREAM, 0);
        const int one = 1;
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (listener >= 0 &&
            (bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
             listen(listener, 64) != 0)) {
            close(listener);
            listener = -1;
            if (port != 0) {
                break;
            }
        }
    }
    if (listener < 0) {
        std::perror("fake_dns: tcp bind");
        return 1;
    }
    // "wrongport" answers leave from this other socket: a resolver must ignore them.
    const int other = socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in any{};
    any.sin_family = AF_INET;
    any.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (other < 0 || bind(other, reinterpret_cast<sockaddr*>(&any), sizeof any) != 0) {
        std::perror("fake_dns: bind");
        return 1;
    }
    std::printf("PORT %d\n", ntohs(addr.sin_port));
    std::fflush(stdout);

    std::priority_queue<Delayed, std::vector<Delayed>, std::greater<>> delayed;
    std::vector<TcpClient> clients;
    Clock::time_point next_read{};
    while (true) {
        int wait = -1;
        if (!delayed.empty()) {
            const auto d = std::chrono::duration_cast<std::chrono::milliseconds>(
                delayed.top().when - Clock::now());
            wait = static_cast<int>(std::max<long>(0, d.count()));
        }
        // --rate: a resolver busy elsewhere reads its socket no faster than this; what
        // arrives meanwhile waits in the socket buffer, and overflows it.
        const auto now = Clock::now();
        const bool rested = now >= next_read;
        if (!rested) {
            const auto d = std::chrono::duration_cast<std::chrono::microseconds>(next_read - now);
            const int ms = static_cast<int>((d.count() + 999) / 1000);
            wait = wait < 0 ? ms : std::min(wait, ms);
        }
        std::vector<pollfd> fds{{fd, static_cast<short>(rested ? POLLIN : 0), 0},
                                {listener, POLLIN, 0}};
        for (const auto& c : clients) {
            fds.push_back({c.fd, POLLIN, 0});
        }
        poll(fds.data(), fds.size(), wait);
        while (!delayed.empty() && delayed.top().when <= Clock::now()) {
            const auto& d = delayed.top();
            sendto(fd,
                   d.packet.data(),
                   d.packet.size(),
                   0,
                   reinterpret_cast<const sockaddr*>(&d.peer),
                   d.peer_len);
            delayed.pop();
        }
        if ((fds[1].revents & POLLIN) != 0) {
            const int c = accept(listener, nullptr, nullptr);
            if (c >= 0) {
                clients.push_back({c, {}});
            }
        }
        for (std::size_t i = 2; i < fds.size(); ++i) {
            if (fds[i].revents == 0) {
                continue;
            }
            auto& client = clients[i - 2];
            std::uint8_t buf[4096];
            const auto n = recv(client.fd, buf, sizeof buf, 0);
            if (n <= 0) {
                close(client.fd);
                client.fd = -1;
                continue;
            }
            client.in.insert(client.in.end(), buf, buf + n);
            while (client.in.size() >= 2) {
                const std::size_t len = (client.in[0] << 8) | client.in[1];
                if (client.in.size() < 2 + len) {
                    break;
                }
                const std::vector<std::uint8_t> q(client.in.begin() + 2,
                                                  client.in.begin() + 2 + static_cast<long>(len));
                client.in.erase(client.in.begin(), client.in.begin() + 2 + static_cast<long>(len));
                const Behaviour* b = nullptr;
                auto r = server.answer(q, true, b);
                if (!r) {
                    close(client.fd);
                    client.fd = -1;
                    client.in.clear();
                    break;
                }
                std::vector<std::uint8_t> framed{static_cast<std::uint8_t>(r->size() >> 8),
                                                 static_cast<std::uint8_t>(r->size())};
                framed.insert(framed.end(), r->begin(), r->end());
                send(client.fd, framed.data(), framed.size(), 0);
            }
        }
        std::erase_if(clients, [](const TcpClient& c) { return c.fd < 0; });
        if ((fds[0].revents & POLLIN) == 0) {
            continue;
        }
        // Unpaced: one query per wake-up. Paced: as many as the rate allows since the last
        // read (at most 1 ms behind, so a pause is not made up in one burst).
        const auto gap = std::chrono::duration_cast<Clock::duration>(
            std::chrono::duration<double>(rate > 0 ? 1.0 / rate : 0.0));
        do {
            std::vector<std::uint8_t> q(4096);
            sockaddr_storage peer{};
            socklen_t plen = sizeof peer;
            const auto n = recvfrom(
                fd, q.data(), q.size(), MSG_DONTWAIT, reinterpret_cast<sockaddr*>(&peer), &plen);
            if (n <= 0) {
                break;
            }
            q.resize(static_cast<std::size_t>(n));
            if (rate > 0) {
                next_read = std::max(next_read, Clock::now() - std::chrono::milliseconds(1)) + gap;
            }
            const Behaviour* b = nullptr;
            auto r = server.answer(q, false, b);
            if (!r) {
                continue;
            }
            if (b != nullptr && b->delay_ms > 0) {
                delayed.push(Delayed{Clock::now() + std::chrono::milliseconds(b->delay_ms),
                                     std::move(*r),
                                     peer,
                                     plen});
                continue;
            }
            const int from = b != nullptr && b->mode == "wrongport" ? other : fd;
            sendto(from, r->data(), r->size(), 0, reinterpret_cast<sockaddr*>(&peer), plen);
        } while (rate > 0 && next_read <= Clock::now());
    }
}
