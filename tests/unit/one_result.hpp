#pragma once
// A target report with one result, for the tests of what changed between runs (core's
// track_changes, the history): 192.0.2.1 on zone "a" (a.test), a listing with a TXT reason
// and a delisting link, a timeout with its error.

#include "rblscope/catalog.hpp"
#include "rblscope/result.hpp"
#include "rblscope/target.hpp"

#include <string>
#include <vector>

namespace rblscope::test {

inline Zone zone_a() {
    Zone z;
    z.id = "a";
    z.zone = "a.test";
    return z;
}

inline TargetReport
report_of(const Zone& zone, Status status, std::vector<std::string> codes = {}) {
    TargetReport rep;
    rep.target = parse_target("192.0.2.1").value();
    ZoneResult r;
    r.zone = &zone;
    r.subject = "192.0.2.1";
    r.status = status;
    r.codes = std::move(codes);
    r.txt = status == Status::listed ? "listed for spam <b>" : "";
    r.delist_url = status == Status::listed ? "https://a.test/remove" : "";
    r.error = status == Status::timeout ? "no answer" : "";
    rep.results.push_back(std::move(r));
    return rep;
}

} // namespace rblscope::test
