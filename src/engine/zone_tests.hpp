#pragma once
// The zones' own test points in a run (RFC 5782 section 5): queued before any target, their
// answers stored, each zone's health assessed once they have all settled, and reported to the
// sink (`zones --health`, and check's warning about active zones that fail).

#include "engine/lookups.hpp"
#include "rblscope/engine.hpp"

#include <optional>
#include <string>
#include <vector>

namespace rblscope::engine {

/// Queues the test points of every zone that is asked in this run at the back of its
/// destination's queue. Returns how many were queued.
int queue_test_points(std::vector<ZoneState>& zones,
                      std::vector<Destination>& dests,
                      const EngineOptions& options);

/// The test point test job `j` asks.
[[nodiscard]] const std::optional<TestPoint>& test_point_of(const Zone& z, const Job& j);

/// Stores what test job `j` got.
void record_test_answer(ZoneState& zs, const Job& j, RawAnswer raw);

/// A zone outside the catalog takes IPv6 only when it lists its IPv6 test point and not
/// the negative one (RFC 5782 section 5): none when it does, else why each IPv6 lookup of
/// the zone is skipped. Valid once its IPv6 points have settled.
[[nodiscard]] std::optional<std::string> ipv6_refusal(const ZoneState& zs);

/// Each zone's health from its test points (both pairs for "both" zones).
void assess_zones(std::vector<ZoneState>& zones);

/// Every DNS zone's test points, judged, to the sink; one warning naming the zones the
/// catalog calls active whose points argue for a catalog edit.
/// `resolvers`: the servers of the main channel, named when most zones are silent.
void report_zone_health(const std::vector<ZoneState>& zones,
                        const std::vector<std::string>& resolvers,
                        const EngineOptions& options,
                        ResultSink& sink);

} // namespace rblscope::engine
