// RIPEstat blocklist (no key): GET {url}/data/blocklist/data.json?resource=IP&starttime=T
//   {"status":"ok","data":{"query_endtime":"2024-06-01T00:00:00","sources":{
//     "uceprotect-level1":[{"prefix":"192.0.2.15/32","details":"...",
//       "timelines":[{"starttime":"2024-02-03T10:00:00","endtime":"2024-02-09T08:00:00"}]}]}}}
// A timeline reaching the end of the query window is a current listing; earlier ones are
// history, which is what pre-migration vetting wants to see (an address burned by its
// previous owner). The window is the last 365 days.

#include "sources/ripestat.hpp"

#include "core/sanitize.hpp"

#include <chrono>
#include <ctime>
#include <fmt/format.h>
#include <iomanip>
#include <nlohmann/json.hpp>
#include <sstream>

namespace rblscope {

namespace {

using nlohmann::json;

constexpr long k_window_days = 365;
// A listing that ended less than a day before the end of the window is still current:
// RIPEstat's data lags by hours.
constexpr long k_current_slack_s = 86400;

HttpRequest ripestat_request(const Zone& zone, const std::string& /*key*/, const std::string& ip) {
    const auto now = std::chrono::system_clock::now();
    const auto start = std::chrono::duration_cast<std::chrono::seconds>(
                           (now - std::chrono::hours(24 * k_window_days)).time_since_epoch())
                           .count();
    return ripestat::request(zone.url, "blocklist", ip, fmt::format("&starttime={}", start));
}

// "2024-02-09T08:00:00" (optionally with fractions or a zone, ignored) as UTC seconds.
std::optional<std::int64_t> parse_time(const json& v) {
    if (!v.is_string()) {
        return std::nullopt;
    }
    std::tm tm{};
    std::istringstream in(v.get<std::string>());
    in >> std::get_time(&tm, "%Y-%m-%dT%H:%M:%S");
    if (in.fail()) {
        return std::nullopt;
    }
    return static_cast<std::int64_t>(timegm(&tm));
}

std::string day_of(const json& v) {
    return v.is_string() ? sanitize_text(v.get<std::string>().substr(0, 10), 10) : "now";
}

SourceReading ripestat_read(const Zone& /*zone*/, const HttpResponse& response) {
    const json doc = json::parse(response.body, nullptr, false);
    SourceReading r;
    const json* data = ripestat::data_of(doc, response, r);
    if (data == nullptr) {
        return r;
    }
    if (!data->contains("sources") || !(*data)["sources"].is_object()) {
        r.error =
            "the answer is not RIPEstat's blocklist JSON: " + source::body_excerpt(response.body);
        return r;
    }
    const auto window_end = parse_time(data->value("query_endtime", json()));
    std::vector<std::string> current, past;
    for (const auto& [list, entries] : (*data)["sources"].items()) {
        if (!entries.is_array()) {
            continue;
        }
        const std::string name = sanitize_text(list, 60);
        for (const auto& e : entries) {
            if (!e.is_object() || !e.contains("timelines") || !e["timelines"].is_array()) {
                continue;
            }
            const std::string prefix = e.contains("prefix") && e["prefix"].is_string()
                                           ? " " + sanitize_text(e["prefix"].get<std::string>(), 50)
                                           : std::string();
            for (const auto& t : e["timelines"]) {
                if (!t.is_object()) {
                    continue;
                }
                const auto end = parse_time(t.value("endtime", json()));
                const bool is_current =
                    !end || (window_end && *window_end - *end <= k_current_slack_s);
                const auto span = fmt::format("{}{} {}..{}",
                                              name,
                                              prefix,
                                              day_of(t.value("starttime", json())),
                                              is_current ? "now" : day_of(t["endtime"]));
                (is_current ? current : past).push_back(span);
            }
        }
    }
    const auto joined = [](const std::vector<std::string>& v) {
        std::string out;
        for (std::size_t i = 0; i < v.size() && i < 5; ++i) {
            out += (i == 0 ? "" : "; ") + v[i];
        }
        if (v.size() > 5) {
            out += fmt::format("; +{} more", v.size() - 5);
        }
        return out;
    };
    if (!current.empty()) {
        r.status = Status::listed;
        r.severity = Severity::warning;
        r.meaning = "listed now: " + joined(current);
        if (!past.empty()) {
            r.meaning += "; earlier: " + joined(past);
        }
    } else {
        r.status = Status::clean;
        r.meaning = past.empty() ? "no listing in the last 365 days"
                                 : "listed in the last 365 days, not now: " + joined(past);
    }
    return r;
}

} // namespace

namespace ripestat {

HttpRequest request(std::string_view base,
                    std::string_view call,
                    const std::string& ip,
                    std::string_view extra) {
    HttpRequest req;
    req.url = fmt::format("{}/data/{}/data.json?resource={}{}&sourceapp=rblscope",
                          base,
                          call,
                          source::url_encode(ip),
                          extra);
    req.headers = {"Accept: application/json"};
    return req;
}

const json* data_of(const json& doc, const HttpResponse& response, SourceReading& failure) {
    const bool envelope = doc.is_object() && doc.contains("status");
    if (response.status != 200 || (envelope && doc["status"] != "ok")) {
        std::string why = source::body_excerpt(response.body);
        if (envelope && doc.contains("messages") && doc["messages"].is_array()) {
            for (const auto& m : doc["messages"]) {
                if (m.is_array() && m.size() == 2 && m[1].is_string()) {
                    why = m[1].get<std::string>();
                    break;
                }
            }
        }
        failure = source::http_error(response, "RIPEstat: " + why);
        return nullptr;
    }
    if (!envelope || !doc.contains("data") || !doc["data"].is_object()) {
        failure = SourceReading{};
        failure.error = "the answer is not RIPEstat's JSON: " + source::body_excerpt(response.body);
        return nullptr;
    }
    return &doc["data"];
}

} // namespace ripestat

extern const HttpAdapter k_ripestat_blocklist_adapter{
    "ripestat-blocklist", false, &ripestat_request, &ripestat_read};

} // namespace rblscope
