#include "engine/emission.hpp"

#include "rblscope/verdict.hpp"

#include <fmt/format.h>

namespace rblscope::engine {

namespace {

// An HTTP source's reading as a result like any other list's.
ZoneResult http_result(const Zone& zone, const Lookup& l) {
    ZoneResult r;
    r.zone = &zone;
    r.subject = l.subject;
    r.status = l.http->status;
    r.severity = l.http->status == Status::listed ? l.http->severity : Severity::info;
    r.meaning = l.http->meaning;
    r.error = l.http->error;
    r.facts = l.http->facts;
    r.elapsed_ms = l.raw.elapsed_ms;
    if (r.status == Status::listed && !zone.delist_url.empty()) {
        r.delist_url = expand_delist_url(zone.delist_url, l.subject);
    }
    return r;
}

} // namespace

void complete_report(ActiveTarget& t,
                     const std::vector<ZoneState>& zones,
                     const ExitPolicy& policy) {
    TargetReport& rep = t.report;
    if (rep.target.kind == Target::Kind::hostname && rep.addresses.empty() && !t.resolve_failed) {
        rep.notes.push_back(fmt::format(
            "{} has no A or AAAA record; only the domain lists were asked", rep.target.hostname));
    }
    rep.results.reserve(t.lookups.size());
    for (auto& l : t.lookups) {
        const auto& zs = zones[l.zone];
        if (l.http) {
            rep.results.push_back(http_result(*zs.zone, l));
            continue;
        }
        // A "both" zone's IPv6 data is judged by its IPv6 test points.
        const bool by_v6_points = l.v6_subject && zs.zone->kind == ZoneKind::both;
        auto r = classify(*zs.zone, l.raw, by_v6_points ? zs.health6 : zs.health);
        r.subject = l.subject;
        r.txt = std::move(l.txt);
        if (r.status == Status::listed && !zs.zone->delist_url.empty()) {
            r.delist_url = expand_delist_url(zs.zone->delist_url, l.subject);
        }
        rep.results.push_back(std::move(r));
    }
    decide(rep);
    rep.exit_code = static_cast<int>(exit_code_for(rep, policy));
}

} // namespace rblscope::engine
