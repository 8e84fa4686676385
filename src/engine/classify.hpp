#pragma once
// Turning raw DNS outcomes into honest statuses. Pure functions: no I/O, unit-tested.

#include "rblscope/catalog.hpp"
#include "rblscope/result.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace rblscope {

/// What the resolver said, before any interpretation.
struct RawAnswer {
    enum class Kind : std::uint8_t {
        pending,  ///< not answered yet
        answers,  ///< NOERROR with A records
        nxdomain, ///< the name does not exist
        nodata,   ///< NOERROR, no A record
        servfail,
        refused,
        timeout,
        failure, ///< anything else (bad response, connection refused ...); see detail
        skipped,
    };
    Kind kind = Kind::pending;
    std::vector<std::uint32_t> a; ///< IPv4 answers, host order
    std::uint32_t ttl = 0;        ///< answers: the records' TTL; NXDOMAIN/NODATA: the negative TTL
    bool cached = false;          ///< taken from the answer cache
    std::string detail;
    std::uint32_t elapsed_ms = 0;
    int tries = 0; ///< queries sent
};

/// The reading of a set of A answers against a zone's code table.
struct AnswerReading {
    Status status = Status::listed; ///< listed or error
    Severity severity = Severity::info;
    std::string meaning; ///< listed: code meanings; error: the reason
};

/// Reads A answers by the zone's code table: anything outside 127.0.0.0/8 or matching an
/// error code is an error; otherwise a listing with the worst code's severity.
[[nodiscard]] AnswerReading read_answers(const Zone& zone,
                                         const std::vector<std::uint32_t>& answers);

/// What a zone's test points showed in this run.
struct ZoneHealth {
    enum class State : std::uint8_t {
        unknown, ///< no test points, or they did not answer
        healthy,
        lists_everything, ///< the must-not-be-listed point was listed
        misses_positive,  ///< the must-be-listed point came back NXDOMAIN
    };
    State state = State::unknown;
    std::string evidence; ///< what the test point answered
};

/// One test point and what it answered; a null point means the zone has none.
struct TestAnswer {
    const TestPoint* point = nullptr;
    const RawAnswer* answer = nullptr;
};

/// Combines the two test-point answers into a health state.
[[nodiscard]] ZoneHealth assess_health(const Zone& zone, TestAnswer listed, TestAnswer unlisted);

/// The final status of one query, given the zone's health in this run.
[[nodiscard]] ZoneResult
classify(const Zone& zone, const RawAnswer& answer, const ZoneHealth& health);

/// "https://x/?ip={ip}" with the subject filled in (URL-encoded).
[[nodiscard]] std::string expand_delist_url(const std::string& url_template,
                                            const std::string& subject);

} // namespace rblscope
