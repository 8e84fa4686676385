#include "serve/connection_guard.hpp"

#include <algorithm>
#include <cstring>
#include <netinet/in.h>
#include <sys/socket.h>

namespace rblscope::exporter {

std::optional<ClientKey> client_key(const sockaddr* address) {
    if (address == nullptr) {
        return std::nullopt;
    }
    ClientKey key;
    if (address->sa_family == AF_INET) {
        const auto* in = reinterpret_cast<const sockaddr_in*>(address);
        key.bytes[0] = 4;
        std::memcpy(&key.bytes[1], &in->sin_addr, 4);
        return key;
    }
    if (address->sa_family == AF_INET6) {
        const auto* in6 = reinterpret_cast<const sockaddr_in6*>(address);
        const auto* b = reinterpret_cast<const std::uint8_t*>(&in6->sin6_addr);
        static constexpr std::array<std::uint8_t, 12> mapped{
            0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        if (std::equal(mapped.begin(), mapped.end(), b)) {
            key.bytes[0] = 4;
            std::memcpy(&key.bytes[1], b + 12, 4);
        } else {
            key.bytes[0] = 6;
            std::memcpy(&key.bytes[1], b, 8); // the /64: one host usually has all of it
        }
        return key;
    }
    return std::nullopt;
}

std::size_t ClientKeyHash::operator()(const ClientKey& k) const noexcept {
    std::uint64_t h = 1469598103934665603ULL; // FNV-1a
    for (const auto b : k.bytes) {
        h = (h ^ b) * 1099511628211ULL;
    }
    return static_cast<std::size_t>(h);
}

ConnectionGuard::Admission ConnectionGuard::admit(const ClientKey& client) {
    const auto it = m_per_client.find(client);
    if (it != m_per_client.end() && it->second >= m_limits.per_client) {
        return {};
    }
    Admission admission{true, std::nullopt};
    if (m_open < m_limits.max_connections) {
        return admission;
    }
    // Full: the oldest waiting connection of the client holding the most makes room.
    Connection* victim = nullptr;
    Id victim_id = 0;
    std::size_t victim_count = 0;
    for (auto& [id, c] : m_connections) {
        if (c.released || c.busy) {
            continue;
        }
        const std::size_t count = m_per_client.at(c.client);
        if (victim == nullptr || count > victim_count ||
            (count == victim_count && c.waiting_since < victim->waiting_since)) {
            victim = &c;
            victim_id = id;
            victim_count = count;
        }
    }
    if (victim == nullptr) {
        return {}; // every connection is answering a request: nothing to take
    }
    release(victim_id, *victim);
    admission.evict = victim_id;
    return admission;
}

void ConnectionGuard::opened(Id id, const ClientKey& client, Clock::time_point now) {
    const auto [it, fresh] = m_connections.try_emplace(id, Connection{client, now});
    if (!fresh) {
        return;
    }
    ++m_per_client[client];
    ++m_open;
}

void ConnectionGuard::request_started(Id id) {
    if (const auto it = m_connections.find(id); it != m_connections.end()) {
        it->second.busy = true;
    }
}

void ConnectionGuard::request_done(Id id, Clock::time_point now) {
    if (const auto it = m_connections.find(id); it != m_connections.end()) {
        it->second.busy = false;
        it->second.served = true;
        it->second.waiting_since = now;
    }
}

void ConnectionGuard::release(Id /*id*/, Connection& c) {
    if (c.released) {
        return;
    }
    c.released = true;
    --m_open;
    const auto it = m_per_client.find(c.client);
    if (it != m_per_client.end() && --it->second == 0) {
        m_per_client.erase(it);
    }
}

void ConnectionGuard::closed(Id id) {
    const auto it = m_connections.find(id);
    if (it == m_connections.end()) {
        return;
    }
    release(id, it->second);
    m_connections.erase(it);
}

ConnectionGuard::Clock::time_point ConnectionGuard::deadline(const Connection& c) const {
    return c.waiting_since + (c.served ? m_limits.idle_timeout : m_limits.header_timeout);
}

std::vector<ConnectionGuard::Id> ConnectionGuard::expire(Clock::time_point now) {
    std::vector<Id> expired;
    for (auto& [id, c] : m_connections) {
        if (!c.released && !c.busy && deadline(c) <= now) {
            release(id, c);
            expired.push_back(id);
        }
    }
    return expired;
}

} // namespace rblscope::exporter
