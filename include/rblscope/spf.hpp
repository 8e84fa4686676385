#pragma once
/// \file spf.hpp
/// \brief SPF (RFC 7208): record parsing and `check_host()`.
///
/// The evaluator is a pure function of the question and the DNS answers known so far. When
/// it needs an answer it does not have, it says which (`SpfOutcome::need`); the caller asks
/// DNS (in the engine's event loop, many questions at once) and runs it again. Re-running is
/// cheap (no I/O) and keeps the evaluator free of callbacks, so the RFC's processing limits
/// and the whole conformance suite can be checked against plain data.

#include "rblscope/error.hpp"
#include "rblscope/ip.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rblscope {

enum class SpfResult : std::uint8_t { none, neutral, pass, fail, softfail, temperror, permerror };
[[nodiscard]] std::string_view to_string(SpfResult r) noexcept;

/// The record types SPF asks for.
enum class DnsType : std::uint8_t { a, aaaa, mx, txt, ptr };
[[nodiscard]] std::string_view to_string(DnsType t) noexcept;

/// One DNS answer as SPF needs it.
struct DnsAnswer {
    enum class Status : std::uint8_t { ok, nxdomain, error };
    Status status = Status::ok;    ///< error: timeout or SERVFAIL (SPF's temperror)
    std::vector<std::string> data; ///< A/AAAA: addresses; MX/PTR: names; TXT: joined strings
};

/// Answers known so far. `find()` returns nullptr for a question not asked yet.
class DnsView {
  public:
    virtual ~DnsView() = default;
    [[nodiscard]] virtual const DnsAnswer* find(std::string_view name, DnsType type) const = 0;
};

struct DnsQuestion {
    std::string name; ///< lowercase, no trailing dot
    DnsType type = DnsType::a;
    bool operator==(const DnsQuestion&) const = default;
};

/// The inputs of check_host() (RFC 7208 section 4).
struct SpfQuery {
    IpAddress ip;
    std::string sender;   ///< MAIL FROM; empty: postmaster@helo is used
    std::string helo;     ///< HELO/EHLO name
    std::string receiver; ///< this host's name for %{r} (default "unknown")
};

struct SpfOutcome {
    SpfResult result = SpfResult::none;
    std::optional<DnsQuestion> need; ///< set: run again once this is answered
    std::string domain;              ///< the domain whose policy was evaluated
    std::string mechanism;           ///< the term that decided ("-all", "ip4:192.0.2.0/24", ...)
    std::string record;              ///< the domain whose record holds that term (inside
                                     ///< includes and redirects): where a fix belongs
    std::string explanation;         ///< fail: the exp= text, or "" when there is none
    std::string problem;             ///< permerror/temperror: why, for people
    int dns_lookups = 0;             ///< terms that caused DNS lookups (limit 10)
    int void_lookups = 0;            ///< lookups that found nothing (limit 2)
};

/// check_host() for the sender's domain (or the HELO name when the sender is empty).
[[nodiscard]] SpfOutcome spf_check(const SpfQuery& query, const DnsView& dns);

/// How check_all() (and vet) ask DNS: as the engine does (see EngineOptions), so the same
/// options mean the same there.
struct SpfDnsOptions {
    std::vector<std::string> resolvers;      ///< "IP[:PORT]"; empty: the system's
    std::chrono::milliseconds timeout{1500}; ///< one question's budget, its copies included
    int retries = 2;                         ///< extra copies sent inside the budget
    int concurrency = 500;                   ///< ceiling of the resolver's in-flight window
    /// Readable when the work must stop (see EngineOptions::stop_fd): questions not yet
    /// answered then count as DNS errors. -1 = none.
    int stop_fd = -1;
};

/// Runs every check at once over DNS: one event loop, answers shared between checks (a /24
/// against one domain asks the domain's records once). Results are in input order. An error
/// only when DNS cannot be used at all (no usable resolver).
[[nodiscard]] Result<std::vector<SpfOutcome>> spf_check_all(const std::vector<SpfQuery>& queries,
                                                            const SpfDnsOptions& options);

/// A parsed SPF record, for showing and editing ("add ip6:2001:db8::25").
struct SpfTerm {
    char qualifier = '+';  ///< + - ~ ? (directives only)
    std::string name;      ///< mechanism or modifier name, lowercase
    std::string value;     ///< after ':' or '=' (macro string, unexpanded)
    int cidr4 = -1;        ///< /N (a, mx, ip4); -1 = none
    int cidr6 = -1;        ///< //N (a, mx) or /N (ip6); -1 = none
    bool modifier = false; ///< name=value
};
struct SpfRecord {
    std::vector<SpfTerm> terms;
};

/// Parses "v=spf1 ..." (RFC 7208 section 12 grammar); errors name the term.
[[nodiscard]] Result<SpfRecord> parse_spf_record(std::string_view text);

} // namespace rblscope
