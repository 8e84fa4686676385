#pragma once
/// \file health.hpp
/// \brief How a zone answered its own test points in one run (`rblscope zones --health`),
/// and the catalog edit that follows from it.

#include "rblscope/catalog.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rblscope {

enum class ZoneCondition : std::uint8_t {
    healthy,          ///< the positive point listed, the negative one not
    no_answer,        ///< a test point got no answer (timeout, SERVFAIL)
    refuses,          ///< REFUSED, an error code, or NXDOMAIN for the positive point
    lists_everything, ///< the negative point is listed
    outside_127,      ///< an answer outside 127.0.0.0/8: the domain lapsed or is parked
    untested,         ///< the zone has no test points, or was not asked (no key)
};
[[nodiscard]] std::string_view to_string(ZoneCondition c) noexcept;

/// One test point and what it got, in words ("127.0.0.2", "NXDOMAIN", "timeout").
struct PointAnswer {
    std::string subject;
    std::string answer;
};

struct ZoneHealthReport {
    const Zone* zone = nullptr;
    ZoneCondition condition = ZoneCondition::untested;
    std::vector<PointAnswer> points; ///< positive first, then negative (then IPv6 ones)
    std::string evidence;            ///< why the condition, for people
    /// The catalog status this run argues for, when it differs from the catalog's.
    std::optional<ZoneStatus> suggested_status;
    std::string suggestion_note; ///< how sure the suggestion is, what else to do
};

/// A whole `zones --health` run: each zone's report in the order asked, and the totals.
struct ZoneHealthRun {
    std::vector<ZoneHealthReport> reports;
    std::vector<std::string> resolvers; ///< what was asked through
    bool interrupted = false;
    std::map<ZoneCondition, int> counts; ///< zones in each condition (none: left out)
    int suggestions = 0;                 ///< reports with a suggested catalog status

    [[nodiscard]] int count(ZoneCondition c) const;
    /// 0 when every zone is as the catalog says, 1 (WARNING) when an edit is suggested, 3
    /// (UNKNOWN) when the run was cut short or nothing answered: the resolver, not the lists.
    [[nodiscard]] int exit_code() const;
};

} // namespace rblscope
