// StopForumSpam query API (no key): GET {url}?ip=IP&json
//   {"success":1,"ip":{"appears":1,"frequency":255,"lastseen":"2025-02-25 18:34:43",
//    "confidence":99.95,"torexit":1}}
// A listing here means the address posted forum or registration spam: worth knowing for a
// mail server, weaker than a mail blocklist (its terms: not for per-connection use).

#include "core/sanitize.hpp"
#include "sources/adapter.hpp"
#include "sources/json_fields.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace rblscope {

namespace {

using nlohmann::json;

HttpRequest sfs_request(const Zone& zone, const std::string& /*key*/, const std::string& ip) {
    HttpRequest req;
    req.url = fmt::format("{}?ip={}&json", zone.url, source::url_encode(ip));
    req.headers = {"Accept: application/json"};
    return req;
}

SourceReading sfs_read(const Zone& /*zone*/, const HttpResponse& response) {
    if (response.status != 200) {
        return source::http_error(response, source::body_excerpt(response.body));
    }
    const json doc = json::parse(response.body, nullptr, false);
    SourceReading r;
    if (doc.is_discarded() || !doc.is_object() || !doc.contains("success")) {
        r.error = "the answer is not StopForumSpam's JSON: " + source::body_excerpt(response.body);
        return r;
    }
    if (doc["success"] != 1) {
        const auto e = source::string_or(doc, "error", "no reason given");
        r.error = "StopForumSpam refused the query: " + sanitize_text(e, 200);
        return r;
    }
    const auto ip = doc.find("ip");
    // operator[] on a const object must only name members that exist.
    if (ip == doc.end() || !ip->is_object() || !ip->contains("appears") ||
        !(*ip)["appears"].is_number_integer()) {
        r.error = "StopForumSpam's answer has no ip.appears field";
        return r;
    }
    const auto& o = *ip;
    const long frequency = source::number_or(o, "frequency", 0);
    if (o["appears"] == 0) {
        r.status = Status::clean;
        return r;
    }
    r.status = Status::listed;
    r.severity = Severity::warning;
    r.meaning = fmt::format("reported as a forum spammer {} times", frequency);
    if (o.contains("lastseen") && o["lastseen"].is_string()) {
        r.meaning += ", last " + sanitize_text(o["lastseen"].get<std::string>(), 40);
    }
    if (o.contains("confidence") && o["confidence"].is_number()) {
        r.meaning += fmt::format(", confidence {:g}%", o["confidence"].get<double>());
    }
    if (source::number_or(o, "torexit", 0) == 1) {
        r.meaning += "; a Tor exit node";
    }
    return r;
}

} // namespace

extern const HttpAdapter k_stopforumspam_adapter{"stopforumspam", false, &sfs_request, &sfs_read};

} // namespace rblscope
