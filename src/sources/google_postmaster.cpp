// Google Postmaster Tools API v2 (OAuth 2.0 bearer token, scope postmaster.traffic.readonly):
//   POST {url}/v2/domains/DOMAIN/domainStats:query
//   {"metricDefinitions":[{"name":"spam_rate","baseMetric":{"standardMetric":"SPAM_RATE"}},
//                         {"name":"spf","baseMetric":{"standardMetric":"AUTH_SUCCESS_RATE"},
//                          "filter":"auth_type = \"spf\""}, ...],
//    "timeQuery":{"dateRanges":{"dateRanges":[{"start":{...},"end":{...}}]}},
//    "aggregationGranularity":"DAILY","pageSize":200}
//   -> {"domainStats":[{"metric":"spam_rate","date":{"year":2026,"month":12,"day":5},
//                       "value":{"doubleValue":0.0012}}, ...]}
// Errors are google.rpc.Status: {"error":{"code":403,"status":"PERMISSION_DENIED",...}}.
//
// v1 (trafficStats, with its IP and domain reputation buckets) was shut down at the end of
// 2025; v2 has no per-IP data, so this source is asked about domains only. Reading: the
// most recent day with data; a user-reported spam rate at or above the catalog's
// spam_rate_critical (Google: never reach 0.3 %) is listed (critical), at or above
// spam_rate_warning (keep it below 0.1 %) listed (warning), else clean with the figures.
// No data (Gmail traffic below Google's threshold), a domain this account may not read and
// one Postmaster Tools does not know are each said, as skipped: they are not a verdict.
//
// google-postmaster-compliance: GET {url}/v2/domains/DOMAIN/complianceStatus
//   {"complianceData":{"rowData":[{"requirement":"SPF","status":{"status":"COMPLIANT"}},...],
//    "oneClickUnsubscribeVerdict":{"status":{"status":"NEEDS_WORK"},"reason":"NO_UNSUB_..."},
//    "honorUnsubscribeVerdict":{...}}}
// Any requirement NEEDS_WORK is listed (warning), all COMPLIANT clean; each requirement's
// state is a fact (vet's Gmail checklist reads them).

#include "core/sanitize.hpp"
#include "core/text.hpp"
#include "sources/adapter.hpp"
#include "sources/json_fields.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <map>
#include <nlohmann/json.hpp>
#include <variant>

namespace rblscope {

namespace {

using nlohmann::json;

json day_of(std::chrono::sys_days day) {
    const std::chrono::year_month_day ymd{day};
    return {{"year", static_cast<int>(ymd.year())},
            {"month", static_cast<unsigned>(ymd.month())},
            {"day", static_cast<unsigned>(ymd.day())}};
}

// The metrics asked for, by the names the answer carries them under; anything else in an
// answer is left (its name would become a fact's name).
constexpr std::array<std::string_view, 5> k_metric_names{
    "spam_rate", "spf", "dkim", "dmarc", "tls"};

json metric(const char* name, const char* standard, const char* filter = nullptr) {
    json m = {{"name", name}, {"baseMetric", {{"standardMetric", standard}}}};
    if (filter != nullptr) {
        m["filter"] = filter;
    }
    return m;
}

HttpRequest
postmaster_request(const Zone& zone, const std::string& token, const std::string& domain) {
    const auto today = std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now());
    const auto days = static_cast<int>(zone.param("days").value_or(7));
    const json body = {
        {"metricDefinitions",
         {metric("spam_rate", "SPAM_RATE"),
          metric("spf", "AUTH_SUCCESS_RATE", "auth_type = \"spf\""),
          metric("dkim", "AUTH_SUCCESS_RATE", "auth_type = \"dkim\""),
          metric("dmarc", "AUTH_SUCCESS_RATE", "auth_type = \"dmarc\""),
          metric("tls", "TLS_ENCRYPTION_RATE", "traffic_direction = \"inbound\"")}},
        {"timeQuery",
         {{"dateRanges",
           {{"dateRanges",
             {{{"start", day_of(today - std::chrono::days(days))}, {"end", day_of(today)}}}}}}}},
        {"aggregationGranularity", "DAILY"},
        {"pageSize", 200}};
    HttpRequest req;
    req.url =
        fmt::format("{}/v2/domains/{}/domainStats:query", zone.url, source::url_encode(domain));
    req.post_body = body.dump();
    req.headers = {"Authorization: Bearer " + token,
                   "Content-Type: application/json",
                   "Accept: application/json"};
    return req;
}

/// A StatisticValue as a number: doubleValue, floatValue or intValue (a decimal string).
std::optional<double> value_of(const json& stat) {
    const auto it = stat.find("value");
    if (it == stat.end() || !it->is_object()) {
        return std::nullopt;
    }
    for (const char* member : {"doubleValue", "floatValue"}) {
        const auto v = it->find(member);
        if (v != it->end() && v->is_number()) {
            return v->get<double>();
        }
    }
    const auto text = source::string_or(*it, "intValue", "");
    if (!text.empty() && text.find_first_not_of("0123456789") == std::string::npos &&
        text.size() < 16) {
        return std::stod(text);
    }
    return std::nullopt;
}

/// "2026-12-05" from a google.type.Date; empty when it is not one.
std::string date_of(const json& stat) {
    const auto it = stat.find("date");
    if (it == stat.end() || !it->is_object()) {
        return {};
    }
    const long y = source::number_or(*it, "year", 0);
    const long m = source::number_or(*it, "month", 0);
    const long d = source::number_or(*it, "day", 0);
    if (y < 2000 || y > 9999 || m < 1 || m > 12 || d < 1 || d > 31) {
        return {};
    }
    return fmt::format("{:04}-{:02}-{:02}", y, m, d);
}

/// The error of a google.rpc.Status body, said for a mail administrator.
SourceReading api_error(const HttpResponse& response) {
    const json doc = json::parse(response.body, nullptr, false);
    const json* error = doc.is_object() && doc.contains("error") && doc["error"].is_object()
                            ? &doc["error"]
                            : nullptr;
    const auto status = error != nullptr ? source::string_or(*error, "status", "") : "";
    const auto message = error != nullptr ? source::string_or(*error, "message", "") : "";
    SourceReading r;
    if (message.find("has not been used in project") != std::string::npos ||
        message.find("is disabled") != std::string::npos) {
        return source::http_error(response,
                                  "the Gmail Postmaster Tools API is not enabled in the service "
                                  "account's Google Cloud project: enable it there");
    }
    if (response.status == 403 || status == "PERMISSION_DENIED") {
        r.status = Status::skipped;
        r.error = "this service account may not read the domain in Postmaster Tools: verify the "
                  "domain there and add the service account's address as a user of it";
        return r;
    }
    if (response.status == 404 || status == "NOT_FOUND") {
        r.status = Status::skipped;
        r.error = "the domain is not registered in Postmaster Tools (add and verify it at "
                  "https://postmaster.google.com)";
        return r;
    }
    if (response.status == 401) {
        return source::http_error(response, "Google refused the access token");
    }
    if (response.status == 429) {
        return source::http_error(response, "the Postmaster Tools API quota is used up");
    }
    return source::http_error(
        response, message.empty() ? source::body_excerpt(response.body) : status + ": " + message);
}

/// A 200 answer's body as a JSON object; else the reading to give (the API's error, or a
/// body that is not JSON).
std::variant<json, SourceReading> answer_of(const HttpResponse& response) {
    if (response.status != 200) {
        return api_error(response);
    }
    json doc = json::parse(response.body, nullptr, false);
    if (doc.is_discarded() || !doc.is_object()) {
        SourceReading r;
        r.error = "the answer is not JSON: " + source::body_excerpt(response.body);
        return r;
    }
    return doc;
}

SourceReading postmaster_read(const Zone& zone, const HttpResponse& response) {
    auto answer = answer_of(response);
    if (auto* failed = std::get_if<SourceReading>(&answer)) {
        return std::move(*failed);
    }
    const json& doc = std::get<json>(answer);
    SourceReading r;
    // date -> metric name -> value; dates sort as text (YYYY-MM-DD).
    std::map<std::string, std::map<std::string, double>> days;
    if (const auto it = doc.find("domainStats"); it != doc.end() && it->is_array()) {
        for (const auto& stat : *it) {
            if (!stat.is_object()) {
                continue;
            }
            const auto date = date_of(stat);
            const auto name = source::string_or(stat, "metric", "");
            const auto value = value_of(stat);
            const bool asked = std::find(k_metric_names.begin(), k_metric_names.end(), name) !=
                               k_metric_names.end();
            if (!date.empty() && asked && value && *value >= 0 && *value <= 1) {
                days[date][name] = *value;
            }
        }
    }
    const auto latest = std::find_if(days.rbegin(), days.rend(), [](const auto& day) {
        return day.second.contains("spam_rate");
    });
    const auto span = static_cast<int>(zone.param("days").value_or(7));
    if (latest == days.rend()) {
        r.status = Status::skipped;
        r.error = fmt::format("Google has no data for the domain in the last {} days: Postmaster "
                              "Tools reports only domains that send Gmail users enough mail "
                              "each day",
                              span);
        return r;
    }
    const auto& [date, figures] = *latest;
    const double spam = figures.at("spam_rate");
    r.facts.emplace_back("date", date);
    for (const auto& [name, value] : figures) {
        r.facts.emplace_back(name, fmt::format("{}", value));
    }
    std::string facts;
    for (const auto& [name, label] : {std::pair{"spf", "SPF pass"},
                                      {"dkim", "DKIM pass"},
                                      {"dmarc", "DMARC pass"},
                                      {"tls", "TLS"}}) {
        if (const auto f = figures.find(name); f != figures.end()) {
            facts +=
                fmt::format("{}{} {}", facts.empty() ? "" : ", ", label, percent_text(f->second));
        }
    }
    const double warning = zone.param("spam_rate_warning").value_or(1);
    const double critical = zone.param("spam_rate_critical").value_or(1);
    r.status = spam >= warning ? Status::listed : Status::clean;
    r.severity = spam >= critical ? Severity::critical : Severity::warning;
    r.meaning = fmt::format("user-reported spam rate {} on {}", percent_text(spam), date);
    if (spam >= critical) {
        r.meaning += fmt::format(": at or above Google's limit of {} for bulk senders, Gmail "
                                 "limits or rejects their mail",
                                 percent_text(critical));
    } else if (spam >= warning) {
        r.meaning += fmt::format(": above Google's target of {} (limit {})",
                                 percent_text(warning),
                                 percent_text(critical));
    } else {
        r.meaning += fmt::format(" (Google's target: below {})", percent_text(warning));
    }
    if (!facts.empty()) {
        r.meaning += "; " + facts;
    }
    return r;
}

HttpRequest
compliance_request(const Zone& zone, const std::string& token, const std::string& domain) {
    HttpRequest req;
    req.url =
        fmt::format("{}/v2/domains/{}/complianceStatus", zone.url, source::url_encode(domain));
    req.headers = {"Authorization: Bearer " + token, "Accept: application/json"};
    return req;
}

/// "COMPLIANT" / "NEEDS_WORK" of a ComplianceStatus object ({"status": "..."}), or "".
std::string state_of(const json& holder, const char* member) {
    const auto it = holder.find(member);
    return it != holder.end() && it->is_object() ? source::string_or(*it, "status", "") : "";
}

// Gmail's sender requirements as Postmaster Tools judges them: every requirement in
// `rowData`, plus the unsubscribe verdicts (with their reason when not compliant).
SourceReading compliance_read(const Zone& /*zone*/, const HttpResponse& response) {
    auto answer = answer_of(response);
    if (auto* failed = std::get_if<SourceReading>(&answer)) {
        return std::move(*failed);
    }
    const json& doc = std::get<json>(answer);
    SourceReading r;
    const auto data = doc.find("complianceData");
    if (data == doc.end() || !data->is_object()) {
        r.status = Status::skipped;
        r.error = "Google has no compliance status for the domain (too little mail to Gmail)";
        return r;
    }
    std::vector<std::string> needs_work;
    std::size_t requirements = 0;
    const auto add = [&](std::string requirement, std::string state, std::string reason) {
        requirement = sanitize_text(requirement, 60);
        state = sanitize_text(state, 40);
        if (requirement.empty() || state.empty() ||
            std::any_of(r.facts.begin(), r.facts.end(), [&](const auto& f) {
                return f.first == requirement;
            })) {
            return;
        }
        reason = sanitize_text(reason, 60);
        const bool explained = !reason.empty() && reason != "REASON_UNSPECIFIED";
        if (state == "NEEDS_WORK") {
            needs_work.push_back(explained ? fmt::format("{} ({})", requirement, reason)
                                           : requirement);
        }
        if (state == "NEEDS_WORK" && explained) {
            r.facts.emplace_back(requirement + "_REASON", reason);
        }
        r.facts.emplace_back(std::move(requirement), std::move(state));
        ++requirements;
    };
    if (const auto rows = data->find("rowData"); rows != data->end() && rows->is_array()) {
        for (const auto& row : *rows) {
            if (row.is_object()) {
                add(source::string_or(row, "requirement", ""), state_of(row, "status"), "");
            }
        }
    }
    for (const auto& [member, requirement] :
         {std::pair{"oneClickUnsubscribeVerdict", "ONE_CLICK_UNSUBSCRIBE"},
          {"honorUnsubscribeVerdict", "HONOR_UNSUBSCRIBE"}}) {
        if (const auto v = data->find(member); v != data->end() && v->is_object()) {
            add(requirement, state_of(*v, "status"), source::string_or(*v, "reason", ""));
        }
    }
    if (r.facts.empty()) {
        r.status = Status::skipped;
        r.error = "Google has no compliance status for the domain (too little mail to Gmail)";
        return r;
    }
    if (needs_work.empty()) {
        r.status = Status::clean;
        r.meaning = fmt::format("meets all {} of Gmail's sender requirements Postmaster Tools "
                                "checks",
                                requirements);
        return r;
    }
    r.status = Status::listed;
    r.severity = Severity::warning;
    r.meaning = fmt::format("Gmail's sender requirements: needs work on {} ({} of {} met)",
                            fmt::join(needs_work, ", "),
                            requirements - needs_work.size(),
                            requirements);
    return r;
}

} // namespace

extern const HttpAdapter k_google_compliance_adapter{
    "google-postmaster-compliance",
    true,
    &compliance_request,
    &compliance_read,
    nullptr,
    nullptr,
    "https://www.googleapis.com/auth/postmaster.traffic.readonly"};

extern const HttpAdapter k_google_postmaster_adapter{
    "google-postmaster",
    true,
    &postmaster_request,
    &postmaster_read,
    nullptr,
    nullptr,
    "https://www.googleapis.com/auth/postmaster.traffic.readonly"};

} // namespace rblscope
