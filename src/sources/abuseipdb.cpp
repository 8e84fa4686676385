// AbuseIPDB API v2 check (key in the "Key" header): GET {url}/check?ipAddress=IP&maxAgeInDays=90
//   {"data":{"abuseConfidenceScore":100,"totalReports":1,"numDistinctUsers":1,
//    "lastReportedAt":"2018-12-20T20:55:14+00:00","isWhitelisted":false,...}}
// Errors: {"errors":[{"detail":"...","status":401}]}; 429 carries Retry-After.
// Reading (thresholds are ours): confidence >= 75 listed (critical), 25..74 listed
// (warning: suspicious), below 25 clean with the figures shown.

#include "core/sanitize.hpp"
#include "sources/adapter.hpp"
#include "sources/json_fields.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace rblscope {

namespace {

using nlohmann::json;

HttpRequest abuseipdb_request(const Zone& zone, const std::string& key, const std::string& ip) {
    HttpRequest req;
    req.url =
        fmt::format("{}/check?ipAddress={}&maxAgeInDays=90", zone.url, source::url_encode(ip));
    // Without Accept: application/json, errors come back as an HTML page.
    req.headers = {"Key: " + key, "Accept: application/json"};
    return req;
}

std::string error_detail(const json& doc, const std::string& body) {
    if (doc.is_object() && doc.contains("errors") && doc["errors"].is_array() &&
        !doc["errors"].empty() && doc["errors"][0].is_object() &&
        doc["errors"][0].contains("detail") && doc["errors"][0]["detail"].is_string()) {
        return doc["errors"][0]["detail"].get<std::string>();
    }
    return source::body_excerpt(body);
}

SourceReading abuseipdb_read(const Zone& /*zone*/, const HttpResponse& response) {
    const json doc = json::parse(response.body, nullptr, false);
    if (response.status == 401 || response.status == 403) {
        return source::http_error(response,
                                  "the API key was refused: " + error_detail(doc, response.body));
    }
    if (response.status == 429) {
        return source::http_error(response,
                                  "rate limit reached: " + error_detail(doc, response.body));
    }
    if (response.status != 200) {
        return source::http_error(response, error_detail(doc, response.body));
    }
    SourceReading r;
    const json* data =
        doc.is_object() && doc.contains("data") && doc["data"].is_object() ? &doc["data"] : nullptr;
    if (data == nullptr || !data->contains("abuseConfidenceScore") ||
        !(*data)["abuseConfidenceScore"].is_number()) {
        r.error = "the answer is not AbuseIPDB's JSON: " + source::body_excerpt(response.body);
        return r;
    }
    const double score = (*data)["abuseConfidenceScore"].get<double>();
    const long reports = source::number_or(*data, "totalReports", 0);
    const long users = source::number_or(*data, "numDistinctUsers", 0);
    r.meaning = fmt::format(
        "abuse confidence {:g}%, {} reports from {} users in 90 days", score, reports, users);
    if (data->contains("lastReportedAt") && (*data)["lastReportedAt"].is_string()) {
        r.meaning += ", last " + sanitize_text((*data)["lastReportedAt"].get<std::string>(), 40);
    }
    if (score >= 75) {
        r.status = Status::listed;
        r.severity = Severity::critical;
    } else if (score >= 25) {
        r.status = Status::listed;
        r.severity = Severity::warning;
        r.meaning = "suspicious: " + r.meaning;
    } else {
        r.status = Status::clean;
    }
    return r;
}

} // namespace

extern const HttpAdapter k_abuseipdb_adapter{
    "abuseipdb", true, &abuseipdb_request, &abuseipdb_read};

} // namespace rblscope
