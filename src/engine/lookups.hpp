#pragma once
// The Run's working data, shared by its parts (run.cpp, dns_requests.cpp, http_sources.cpp,
// zone_tests.cpp, emission.cpp): targets in progress and their lookups, the jobs that carry
// lookups to the network, what the run knows about each zone, and each destination's queue
// and window.

#include "engine/classify.hpp"
#include "engine/window.hpp"
#include "rblscope/result.hpp"
#include "rblscope/target.hpp"
#include "sources/adapter.hpp"

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace rblscope {

class DnsChannel;

namespace engine {

using Clock = std::chrono::steady_clock;

[[nodiscard]] inline std::uint32_t ms_since(Clock::time_point start) {
    return static_cast<std::uint32_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count());
}

/// One (subject, zone) question of a target.
struct Lookup {
    std::size_t zone = 0;
    std::string subject; ///< shown to the user
    std::string prefix;  ///< labels before the zone suffix
    RawAnswer raw;
    std::string txt;
    Clock::time_point started;
    bool ip_subject = true;
    bool v6_subject = false;
    std::optional<SourceReading> http; ///< http sources: the adapter's reading
};

struct ActiveTarget {
    TargetReport report;
    std::vector<Lookup> lookups;
    int outstanding = 0;
    bool resolve_failed = false;
    int resolve_answers = 0;
};

enum class JobKind : std::uint8_t {
    lookup,
    txt,
    resolve_a,
    resolve_aaaa,
    test_listed,
    test_unlisted
};

/// A unit of work for the network: a lookup, its TXT follow-up, a host name's addresses, or
/// a zone's test point.
struct Job {
    ActiveTarget* target = nullptr;
    std::size_t index = 0; ///< lookup index, or zone index for tests
    JobKind kind = JobKind::lookup;
    bool v6_point = false;     ///< test jobs: the zone's IPv6 test point
    bool paced = false;        ///< waited for its zone's rate slot already
    bool reauthorized = false; ///< http: sent again with a new access token after a 401
    /// Asked again after a whole budget went unanswered while its zone answered others: the
    /// budgets spent so far, the copies sent in them, and when the first one started.
    int rounds = 0;
    int sent_before = 0;
    Clock::time_point first_started{};

    [[nodiscard]] bool is_test() const noexcept {
        return kind == JobKind::test_listed || kind == JobKind::test_unlisted;
    }
    [[nodiscard]] bool is_resolve() const noexcept {
        return kind == JobKind::resolve_a || kind == JobKind::resolve_aaaa;
    }
};

/// How a job ended: with a DNS reply, or by the run's own decision: never sent (its zone is
/// skipped), cut off by the run's deadline or a stop, not sent because its zone is down
/// (EngineOptions::zones_down) or gave no answer to anything in this run (dead), or not
/// sent because the zone does not take IPv6 (a zone outside the catalog whose IPv6 test
/// points failed).
enum class Ending : std::uint8_t { replied, skipped, cut, down, dead, no_ipv6 };

/// A list downloaded whole (kind http with a bulk adapter): fetched once per run at most,
/// lookups park until it is there.
struct BulkState {
    enum class Phase : std::uint8_t { idle, loading, ready, failed };
    Phase phase = Phase::idle;
    int downloads_left = 0;
    std::vector<ListedBlock> blocks;
    std::map<std::string, std::string> errors; ///< file -> why it could not be used
    std::string error;                         ///< failed: all of them, in file order
    std::vector<Job> parked;                   ///< lookups waiting for the download
};

/// An access token for sources behind OAuth (HttpAdapter::oauth_scope): asked for once per
/// run at most (or taken from the process's cache), shared by the zones with the same key
/// file, scope and token URL; lookups park until it is there.
struct TokenState {
    enum class Phase : std::uint8_t { idle, loading, ready, failed };
    Phase phase = Phase::idle;
    std::string source;    ///< key file, scope and token URL: which zones share it
    std::string cache_key; ///< account, scope and token URL (google::cached_token)
    std::string value;     ///< ready: the token; never printed
    std::string error;     ///< failed: why, without secrets
    std::vector<Job> parked;
};

/// What the run knows about one selected zone.
struct ZoneState {
    const Zone* zone = nullptr;
    std::string suffix;   ///< the zone with its key filled in; never printed
    std::size_t dest = 0; ///< index of the destination its queries go to
    std::string skip_reason;
    std::string down_reason; ///< EngineOptions::zones_down: lookups fail at once, tests run
    RawAnswer test_listed, test_unlisted;
    RawAnswer test_listed6, test_unlisted6; ///< "both" zones only
    ZoneHealth health;
    ZoneHealth health6;                   ///< how the zone answers IPv6 queries ("both" zones)
    const HttpAdapter* adapter = nullptr; ///< http sources
    std::string key;                      ///< http sources' API key; never printed
    std::unique_ptr<BulkState> bulk;      ///< downloaded lists
    std::shared_ptr<TokenState> token;    ///< sources behind OAuth
    Clock::time_point next_slot;          ///< earliest next request (http: `rate`; dns: zone_rate)
    RttEstimator rtt;
    ZoneLiveness liveness;
    std::deque<Job> waiting; ///< lookups held back until the zone first answers (or is dead)
    /// Zones outside the catalog take IPv6 only if their IPv6 test points say so: until both
    /// have settled, IPv6 lookups wait here.
    int v6_points_open = 0;
    std::deque<Job> waiting_v6;
    std::optional<std::string> ipv6_refused; ///< once they have: why IPv6 is not asked
};

/// Where queries go: one per DNS channel (the resolvers, each zone server), plus one for
/// the HTTP sources. Each has its own queues and window, so a slow server cannot hold up
/// another's work.
struct Destination {
    DnsChannel* channel = nullptr; ///< null: the HTTP sources
    CongestionWindow window;
    std::deque<Job> urgent; ///< follow-ups (TXT, questions asked again) go first
    std::deque<Job> queue;
    /// Requests in the order they were sent, to find the ones turning late (id, sent at).
    std::deque<std::pair<std::uint64_t, Clock::time_point>> sent_order;
    std::chrono::milliseconds late_after{250}; ///< when a request stops holding a slot
    Clock::time_point late_after_updated{};
    bool late_timer = false; ///< a wake-up is set for when the oldest request turns late
    bool used = false;       ///< some selected zone (or host name resolution) sends here

    Destination(DnsChannel* ch, int ceiling, bool adaptive)
        : channel(ch), window(ceiling, adaptive) {}
    [[nodiscard]] bool has_work() const noexcept { return !urgent.empty() || !queue.empty(); }
};

template <typename T> const T* opt_ptr(const std::optional<T>& o) {
    return o ? &*o : nullptr;
}

} // namespace engine
} // namespace rblscope
