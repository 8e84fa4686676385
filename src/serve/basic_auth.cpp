#include "serve/basic_auth.hpp"

#include <algorithm>
#include <crypt.h>
#include <cstring>
#include <memory>
#include <openssl/crypto.h>
#include <openssl/evp.h>

namespace rblscope::exporter {

namespace {

// Checked against when the user is unknown, so that a refusal takes as long either way.
constexpr const char* unknown_user_hash =
    "$2b$10$rblscopeDummySaltAbCd.10P5/9smzE5L4irbT2OJ.Q7LysHOwm6";

std::string sha256(const std::string& text) {
    std::string digest(EVP_MAX_MD_SIZE, '\0');
    unsigned length = 0;
    EVP_Digest(text.data(),
               text.size(),
               reinterpret_cast<unsigned char*>(digest.data()),
               &length,
               EVP_sha256(),
               nullptr);
    digest.resize(length);
    return digest;
}

} // namespace

bool bcrypt_matches(const std::string& password, const std::string& hash) {
    auto data = std::make_unique<crypt_data>(); // 32 KiB: not on the stack
    const char* result = ::crypt_r(password.c_str(), hash.c_str(), data.get());
    // A failed crypt_r returns NULL or a string starting with '*'.
    if (result == nullptr || result[0] == '*' || std::strlen(result) != hash.size()) {
        return false;
    }
    return CRYPTO_memcmp(result, hash.data(), hash.size()) == 0;
}

BasicAuth::Outcome BasicAuth::check(const std::optional<std::string>& user,
                                    const std::optional<std::string>& password,
                                    const ClientKey& client,
                                    Clock::time_point now) {
    if (!enabled()) {
        return Outcome::allowed;
    }
    if (!user || !password) {
        return Outcome::denied; // nothing to check: the browser asks, Prometheus is told
    }
    auto& failures = m_failures[client];
    if (now - failures.since > std::chrono::minutes(1)) {
        failures = Failures{0, now};
    }
    if (failures.count >= failures_allowed) {
        return Outcome::throttled;
    }
    const auto it = m_users.find(*user);
    const std::string& hash = it != m_users.end() ? it->second : unknown_user_hash;
    std::string remembered = *user;
    remembered.push_back('\0');
    remembered += *password;
    remembered.push_back('\0');
    remembered += hash;
    const auto digest = sha256(remembered);
    if (it != m_users.end() && m_accepted.contains(digest)) {
        return Outcome::allowed;
    }
    // A token bucket for bcrypt checks across all clients.
    if (m_tokens_at != Clock::time_point{}) {
        const std::chrono::duration<double> since = now - m_tokens_at;
        m_check_tokens =
            std::min(checks_at_once, m_check_tokens + since.count() * checks_per_second);
    }
    m_tokens_at = now;
    if (m_check_tokens < 1) {
        return Outcome::throttled;
    }
    m_check_tokens -= 1;
    if (bcrypt_matches(*password, hash) && it != m_users.end()) {
        m_accepted.insert(digest);
        if (failures.count == 0) {
            m_failures.erase(client);
        }
        return Outcome::allowed;
    }
    ++failures.count;
    if (m_failures.size() > 100000) {
        m_failures.clear(); // bounded: a forgotten count only allows a few more tries
    }
    return Outcome::denied;
}

} // namespace rblscope::exporter
