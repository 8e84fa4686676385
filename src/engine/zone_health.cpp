#include "engine/zone_health.hpp"

#include <algorithm>
#include <array>
#include <fmt/format.h>

namespace rblscope {

namespace {

// Worse conditions rank higher; the worse pair of test points decides.
int badness(ZoneCondition c) {
    switch (c) {
    case ZoneCondition::untested:
        return 0;
    case ZoneCondition::healthy:
        return 1;
    case ZoneCondition::no_answer:
        return 2;
    case ZoneCondition::refuses:
        return 3;
    case ZoneCondition::lists_everything:
        return 4;
    case ZoneCondition::outside_127:
        return 5;
    }
    return 0;
}

struct PairVerdict {
    ZoneCondition condition = ZoneCondition::untested;
    std::string evidence;
};

bool is_no(const RawAnswer& a) {
    return a.kind == RawAnswer::Kind::nxdomain || a.kind == RawAnswer::Kind::nodata;
}

bool no_answer(const RawAnswer& a) {
    return a.kind == RawAnswer::Kind::timeout || a.kind == RawAnswer::Kind::pending ||
           a.kind == RawAnswer::Kind::servfail || a.kind == RawAnswer::Kind::failure;
}

PairVerdict judge_pair(const Zone& zone, TestAnswer listed, TestAnswer unlisted) {
    PairVerdict v;
    const std::array<std::pair<TestAnswer, const char*>, 2> points{
        {{listed, "positive"}, {unlisted, "negative"}}};
    // The worst signs first: any answer outside 127/8, then the negative point listed.
    for (const auto& [p, which] : points) {
        if (p.point == nullptr || p.answer == nullptr) {
            continue;
        }
        for (const auto a : p.answer->a) {
            if ((a >> 24) != 127) {
                v.condition = ZoneCondition::outside_127;
                v.evidence = fmt::format("the {} test point {} answered {}, outside 127.0.0.0/8: "
                                         "the list's domain has lapsed or is parked",
                                         which,
                                         p.point->subject,
                                         answer_words(*p.answer));
                return v;
            }
        }
    }
    if (unlisted.point != nullptr && unlisted.answer != nullptr &&
        unlisted.answer->kind == RawAnswer::Kind::answers &&
        read_answers(zone, unlisted.answer->a).status == Status::listed) {
        v.condition = ZoneCondition::lists_everything;
        v.evidence = fmt::format("the negative test point {} is listed ({}): the zone lists "
                                 "every address",
                                 unlisted.point->subject,
                                 answer_words(*unlisted.answer));
        return v;
    }
    for (const auto& [p, which] : points) {
        if (p.point == nullptr || p.answer == nullptr) {
            continue;
        }
        if (p.answer->kind == RawAnswer::Kind::refused) {
            v.condition = ZoneCondition::refuses;
            v.evidence = fmt::format("the {} test point {} was REFUSED", which, p.point->subject);
            return v;
        }
        if (p.answer->kind == RawAnswer::Kind::answers) {
            const auto reading = read_answers(zone, p.answer->a);
            if (reading.status == Status::error) {
                v.condition = ZoneCondition::refuses;
                v.evidence = fmt::format(
                    "the {} test point {} answered {}", which, p.point->subject, reading.meaning);
                return v;
            }
        }
    }
    if (listed.point != nullptr && listed.answer != nullptr && is_no(*listed.answer)) {
        v.condition = ZoneCondition::refuses;
        v.evidence = fmt::format("the positive test point {} is not listed ({}): the list "
                                 "answers this resolver \"not listed\" for everything",
                                 listed.point->subject,
                                 answer_words(*listed.answer));
        if (!zone.refusal_hint.empty()) {
            v.evidence += " (" + zone.refusal_hint + ")";
        }
        return v;
    }
    for (const auto& [p, which] : points) {
        if (p.point != nullptr && p.answer != nullptr && no_answer(*p.answer)) {
            v.condition = ZoneCondition::no_answer;
            v.evidence = fmt::format(
                "the {} test point {}: {}", which, p.point->subject, answer_words(*p.answer));
            return v;
        }
    }
    const bool have = (listed.point != nullptr && listed.answer != nullptr) ||
                      (unlisted.point != nullptr && unlisted.answer != nullptr);
    if (have) {
        v.condition = ZoneCondition::healthy;
    }
    return v;
}

void suggest(ZoneHealthReport& r) {
    const auto status = r.zone->status;
    switch (r.condition) {
    case ZoneCondition::lists_everything:
        if (status != ZoneStatus::lists_everything) {
            r.suggested_status = ZoneStatus::lists_everything;
            r.suggestion_note = "confirm through a second resolver first";
        }
        break;
    case ZoneCondition::outside_127:
        if (status != ZoneStatus::defunct) {
            r.suggested_status = ZoneStatus::defunct;
            r.suggestion_note = "its domain no longer runs a list";
        }
        break;
    case ZoneCondition::no_answer:
        if (status == ZoneStatus::active || status == ZoneStatus::unverified) {
            r.suggested_status = ZoneStatus::defunct;
            r.suggestion_note = "only if it stays silent from other networks for days: one "
                                "run without an answer is weak evidence";
        }
        break;
    case ZoneCondition::healthy:
        if (status == ZoneStatus::defunct || status == ZoneStatus::lists_everything ||
            status == ZoneStatus::unverified) {
            r.suggested_status = ZoneStatus::active;
        }
        break;
    case ZoneCondition::refuses:
        // Depends on who asks (public resolvers, missing keys), not on the list.
        r.suggestion_note = "ask through a resolver of your own (or with the list's key)";
        break;
    case ZoneCondition::untested:
        break;
    }
}

} // namespace

std::string_view to_string(ZoneCondition c) noexcept {
    switch (c) {
    case ZoneCondition::healthy:
        return "healthy";
    case ZoneCondition::no_answer:
        return "no-answer";
    case ZoneCondition::refuses:
        return "refuses";
    case ZoneCondition::lists_everything:
        return "lists-everything";
    case ZoneCondition::outside_127:
        return "outside-127";
    case ZoneCondition::untested:
        return "untested";
    }
    return "untested";
}

std::string answer_words(const RawAnswer& answer) {
    switch (answer.kind) {
    case RawAnswer::Kind::answers: {
        std::string out;
        for (const auto a : answer.a) {
            out += (out.empty() ? "" : ", ") + IpAddress::v4(a).to_string();
        }
        return out;
    }
    case RawAnswer::Kind::nxdomain:
        return "NXDOMAIN";
    case RawAnswer::Kind::nodata:
        return "no A record";
    case RawAnswer::Kind::servfail:
        return "SERVFAIL";
    case RawAnswer::Kind::refused:
        return "REFUSED";
    case RawAnswer::Kind::pending:
    case RawAnswer::Kind::timeout:
        return "timeout";
    case RawAnswer::Kind::failure:
        return answer.detail.empty() ? std::string("failed") : answer.detail;
    case RawAnswer::Kind::skipped:
        return "not asked";
    }
    return "?";
}

ZoneHealthReport judge_zone(const Zone& zone,
                            TestAnswer listed,
                            TestAnswer unlisted,
                            TestAnswer listed6,
                            TestAnswer unlisted6) {
    ZoneHealthReport r;
    r.zone = &zone;
    for (const auto& p : {listed, unlisted, listed6, unlisted6}) {
        if (p.point != nullptr && p.answer != nullptr) {
            r.points.push_back({p.point->subject, answer_words(*p.answer)});
        }
    }
    auto v = judge_pair(zone, listed, unlisted);
    const auto v6 = judge_pair(zone, listed6, unlisted6);
    // Outside the catalog the IPv6 pair only says whether the zone takes IPv6 at all.
    if (!zone.bare && badness(v6.condition) > badness(v.condition)) {
        v = v6;
    }
    r.condition = v.condition;
    r.evidence = v.condition == ZoneCondition::healthy
                     ? std::string("the test points answered as they should")
                 : v.condition == ZoneCondition::untested
                     ? std::string("the zone has no test points")
                     : std::move(v.evidence);
    if (zone.bare && v6.condition != ZoneCondition::untested) {
        r.evidence += v6.condition == ZoneCondition::healthy
                          ? "; it takes IPv6 addresses (its IPv6 test points answered as they "
                            "should)"
                          : "; IPv6 addresses are not asked: " + v6.evidence;
    }
    suggest(r);
    return r;
}

} // namespace rblscope
