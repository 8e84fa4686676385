#pragma once
// Judging a zone by its test points: a pure function, unit-tested; the engine calls it once
// the points have settled, `rblscope zones --health` prints it.

#include "engine/classify.hpp"
#include "rblscope/health.hpp"

namespace rblscope {

/// The zone's condition from its IPv4 (or only) pair of test points and, for "both" zones,
/// its IPv6 pair (null points where the zone has none); the worse pair decides. The
/// suggestion compares the condition with the catalog's status.
[[nodiscard]] ZoneHealthReport judge_zone(const Zone& zone,
                                          TestAnswer listed,
                                          TestAnswer unlisted,
                                          TestAnswer listed6 = {},
                                          TestAnswer unlisted6 = {});

/// What a test point got, in words: "127.0.0.2", "NXDOMAIN", "timeout", "SERVFAIL".
[[nodiscard]] std::string answer_words(const RawAnswer& answer);

} // namespace rblscope
