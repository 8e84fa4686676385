#pragma once
// HTTP basic authentication against the bcrypt hashes of a web configuration file.
// bcrypt is slow on purpose (some 50 ms at cost 10) and serve has one loop, so:
// credentials bcrypt accepted are remembered (by their SHA-256, with the hash they
// matched), a client (IPv4 address, IPv6 /64) that fails 10 times in a minute is refused
// without a check until the minute is over, and checks of credentials not remembered are
// budgeted for the whole server (5 a second, 10 at once) so that many clients together
// cannot fill the loop with them either. An unknown user costs a bcrypt check too, so that
// the time of a refusal does not say which users exist.

#include "serve/connection_guard.hpp"

#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>

namespace rblscope::exporter {

class BasicAuth {
  public:
    using Clock = std::chrono::steady_clock;
    enum class Outcome {
        allowed,
        denied,   ///< 401
        throttled ///< 429: too many failures from this client, or checks, just now
    };

    BasicAuth() = default;
    explicit BasicAuth(std::map<std::string, std::string> users) : m_users(std::move(users)) {}

    /// Whether any user is configured (otherwise every request is allowed).
    [[nodiscard]] bool enabled() const { return !m_users.empty(); }
    /// Checks the credentials a request carried (absent: none sent).
    Outcome check(const std::optional<std::string>& user,
                  const std::optional<std::string>& password,
                  const ClientKey& client,
                  Clock::time_point now);

    static constexpr int failures_allowed = 10;    ///< a minute, per client
    static constexpr double checks_per_second = 5; ///< bcrypt checks, whole server
    static constexpr double checks_at_once = 10;

  private:
    struct Failures {
        int count = 0;
        Clock::time_point since;
    };
    std::map<std::string, std::string> m_users;
    std::set<std::string> m_accepted; ///< SHA-256 of user, password and hash
    std::unordered_map<ClientKey, Failures, ClientKeyHash> m_failures;
    double m_check_tokens = checks_at_once;
    Clock::time_point m_tokens_at{};
};

/// Whether `password` matches the bcrypt `hash` (libcrypt's crypt_r; compared in constant
/// time).
[[nodiscard]] bool bcrypt_matches(const std::string& password, const std::string& hash);

} // namespace rblscope::exporter
