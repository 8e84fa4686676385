#include "engine/zone_tests.hpp"

#include "engine/zone_health.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace rblscope::engine {

const std::optional<TestPoint>& test_point_of(const Zone& z, const Job& j) {
    if (j.kind == JobKind::test_listed) {
        return j.v6_point ? z.test_listed6 : z.test_listed;
    }
    return j.v6_point ? z.test_unlisted6 : z.test_unlisted;
}

int queue_test_points(std::vector<ZoneState>& zones,
                      std::vector<Destination>& dests,
                      const EngineOptions& options) {
    int queued = 0;
    for (std::size_t i = 0; i < zones.size(); ++i) {
        auto& zs = zones[i];
        if (!zs.skip_reason.empty() || (!zs.down_reason.empty() && !options.test_zones_down)) {
            continue;
        }
        const auto add = [&](const std::optional<TestPoint>& point, JobKind kind, bool v6) {
            if (point) {
                Job j;
                j.index = i;
                j.kind = kind;
                j.v6_point = v6;
                dests[zs.dest].queue.push_back(j);
                ++queued;
                zs.v6_points_open += v6 && zs.zone->bare ? 1 : 0;
            }
        };
        add(zs.zone->test_listed, JobKind::test_listed, false);
        add(zs.zone->test_unlisted, JobKind::test_unlisted, false);
        add(zs.zone->test_listed6, JobKind::test_listed, true);
        add(zs.zone->test_unlisted6, JobKind::test_unlisted, true);
    }
    return queued;
}

void record_test_answer(ZoneState& zs, const Job& j, RawAnswer raw) {
    const bool listed = j.kind == JobKind::test_listed;
    (j.v6_point ? (listed ? zs.test_listed6 : zs.test_unlisted6)
                : (listed ? zs.test_listed : zs.test_unlisted)) = std::move(raw);
    if (j.v6_point && zs.zone->bare) {
        --zs.v6_points_open;
    }
}

std::optional<std::string> ipv6_refusal(const ZoneState& zs) {
    const Zone& z = *zs.zone;
    const auto health = assess_health(z,
                                      {opt_ptr(z.test_listed6), &zs.test_listed6},
                                      {opt_ptr(z.test_unlisted6), &zs.test_unlisted6});
    if (health.state == ZoneHealth::State::healthy) {
        return std::nullopt;
    }
    const std::string listed = z.test_listed6 ? z.test_listed6->subject : "::ffff:7f00:2";
    const std::string unlisted = z.test_unlisted6 ? z.test_unlisted6->subject : "::ffff:7f00:1";
    switch (health.state) {
    case ZoneHealth::State::misses_positive:
        return fmt::format("the zone does not list its IPv6 test point {} ({}): it does not "
                           "take IPv6 addresses",
                           listed,
                           answer_words(zs.test_listed6));
    case ZoneHealth::State::lists_everything:
        return fmt::format("the zone lists its IPv6 negative test point {} ({}): its IPv6 "
                           "answers mean nothing",
                           unlisted,
                           answer_words(zs.test_unlisted6));
    case ZoneHealth::State::unknown:
    case ZoneHealth::State::healthy:
        break;
    }
    const bool listed_right = zs.test_listed6.kind == RawAnswer::Kind::answers &&
                              read_answers(z, zs.test_listed6.a).status == Status::listed;
    const RawAnswer& failed = listed_right ? zs.test_unlisted6 : zs.test_listed6;
    return fmt::format("the zone's IPv6 test points did not answer as RFC 5782 asks ({} for {}): "
                       "whether it takes IPv6 addresses is unknown",
                       answer_words(failed),
                       &failed == &zs.test_listed6 ? listed : unlisted);
}

void assess_zones(std::vector<ZoneState>& zones) {
    for (auto& zs : zones) {
        const Zone& z = *zs.zone;
        zs.health = assess_health(z,
                                  {opt_ptr(z.test_listed), &zs.test_listed},
                                  {opt_ptr(z.test_unlisted), &zs.test_unlisted});
        zs.health6 = assess_health(z,
                                   {opt_ptr(z.test_listed6), &zs.test_listed6},
                                   {opt_ptr(z.test_unlisted6), &zs.test_unlisted6});
    }
}

// Refusals depend on the resolver and are reported per result; the warning names only the
// conditions that argue for a catalog edit (lists everything, answers outside 127/8, silent).
void report_zone_health(const std::vector<ZoneState>& zones,
                        const std::vector<std::string>& resolvers,
                        const EngineOptions& options,
                        ResultSink& sink) {
    std::vector<std::string> failing;
    std::size_t asked = 0, silent = 0;
    for (const auto& zs : zones) {
        const Zone& z = *zs.zone;
        if (z.kind == ZoneKind::http) {
            continue;
        }
        ZoneHealthReport r;
        if (!zs.skip_reason.empty()) {
            r.zone = &z;
            r.evidence = "not asked: " + zs.skip_reason;
        } else if (!zs.down_reason.empty() && !options.test_zones_down) {
            r.zone = &z;
            r.evidence = "not asked: " + zs.down_reason;
        } else {
            r = judge_zone(z,
                           {opt_ptr(z.test_listed), &zs.test_listed},
                           {opt_ptr(z.test_unlisted), &zs.test_unlisted},
                           {opt_ptr(z.test_listed6), &zs.test_listed6},
                           {opt_ptr(z.test_unlisted6), &zs.test_unlisted6});
        }
        asked += r.condition == ZoneCondition::untested ? 0 : 1;
        silent += r.condition == ZoneCondition::no_answer ? 1 : 0;
        const bool edit = r.condition == ZoneCondition::lists_everything ||
                          r.condition == ZoneCondition::outside_127 ||
                          r.condition == ZoneCondition::no_answer;
        if (!z.bare && z.status == ZoneStatus::active && edit) {
            failing.push_back(fmt::format("{} ({})", z.zone, to_string(r.condition)));
        }
        sink.on_zone_health(r);
    }
    if (failing.empty() || !options.warn_failing_zones) {
        return;
    }
    if (silent * 2 > asked) {
        // Most lists silent at once says more about the resolver than about the lists.
        sink.on_warning(
            fmt::format("{} of {} zones did not answer their test points: the "
                        "resolver ({}{}) or the network is the likely cause; "
                        "`rblscope zones --health` shows the evidence",
                        silent,
                        asked,
                        fmt::join(resolvers, ", "),
                        options.resolvers.empty() ? ", the system's, from /etc/resolv.conf" : ""));
        return;
    }
    constexpr std::size_t k_named = 8;
    const auto more = failing.size() > k_named ? failing.size() - k_named : 0;
    failing.resize(std::min(failing.size(), k_named));
    sink.on_warning(fmt::format(
        "{} the catalog calls active failed {} test points here: {}{}; `rblscope zones "
        "--health` shows the evidence and the catalog edits it suggests",
        failing.size() + more == 1 ? "a zone" : fmt::format("{} zones", failing.size() + more),
        failing.size() + more == 1 ? "its" : "their",
        fmt::join(failing, ", "),
        more > 0 ? fmt::format(" and {} more", more) : std::string()));
}

} // namespace rblscope::engine
