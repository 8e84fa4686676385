// Spamhaus ASN-DROP: autonomous systems run by spammers or cyber-criminals, downloaded
// whole (asndrop.json, NDJSON with a closing metadata line, kept 12 hours):
//   {"asn":64511,"rir":"arin","domain":"bad.example","cc":"US","asname":"EXAMPLE-AS-1"}
// An address is listed when an AS that originates its prefix is on the list; the origin
// comes from RIPEstat network-info at the zone's aux_url:
//   GET {aux_url}/data/network-info/data.json?resource=IP -> {"data":{"asns":["64511"],...}}

#include "core/sanitize.hpp"
#include "sources/adapter.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace rblscope {

namespace {

using nlohmann::json;

std::vector<BulkFile> asndrop_files(const Zone& zone, const std::string& /*key*/) {
    return {{zone.url + "/asndrop.json", "asndrop.json"}};
}

Result<std::vector<ListedBlock>> asndrop_parse(std::string_view body, const std::string& name) {
    std::vector<ListedBlock> list;
    bool metadata = false;
    std::size_t line_no = 0;
    std::size_t pos = 0;
    while (pos < body.size()) {
        const auto nl = body.find('\n', pos);
        const auto line = body.substr(pos, nl == std::string_view::npos ? nl : nl - pos);
        pos = nl == std::string_view::npos ? body.size() : nl + 1;
        ++line_no;
        if (line.find_first_not_of(" \t\r") == std::string_view::npos) {
            continue;
        }
        const auto where = fmt::format("{}:{}", name, line_no);
        const json doc = json::parse(line, nullptr, false);
        if (doc.is_discarded() || !doc.is_object()) {
            return Error{"not a JSON object: " + sanitize_text(line, 80), where};
        }
        if (doc.value("type", "") == "metadata") {
            metadata = true;
            continue;
        }
        if (!doc.contains("asn") || !doc["asn"].is_number_unsigned()) {
            return Error{"a record without a numeric \"asn\"", where};
        }
        ListedBlock entry;
        entry.label = std::to_string(doc["asn"].get<std::uint64_t>());
        entry.text = "AS" + entry.label;
        for (const char* k : {"asname", "domain", "cc"}) {
            if (doc.contains(k) && doc[k].is_string()) {
                entry.text += " " + sanitize_text(doc[k].get<std::string>(), 60);
            }
        }
        list.push_back(std::move(entry));
    }
    if (!metadata) {
        return Error{"no metadata line at the end: the file looks truncated", name};
    }
    return list;
}

SourceReading asndrop_no_match(const std::vector<ListedBlock>& /*list*/, const IpAddress& /*ip*/) {
    SourceReading r;
    r.error = "ASN-DROP needs the address's origin AS";
    return r;
}

HttpRequest origin_request(const Zone& zone, const std::string& /*key*/, const std::string& ip) {
    HttpRequest req;
    req.url = fmt::format("{}/data/network-info/data.json?resource={}&sourceapp=rblscope",
                          zone.aux_url,
                          source::url_encode(ip));
    req.headers = {"Accept: application/json"};
    return req;
}

SourceReading origin_read_alone(const HttpResponse& /*response*/) {
    SourceReading r;
    r.error = "ASN-DROP: the list was not loaded";
    return r;
}

SourceReading asndrop_read(const HttpResponse& response, const std::vector<ListedBlock>& list) {
    SourceReading r;
    const json doc = json::parse(response.body, nullptr, false);
    if (response.status != 200 || !doc.is_object() || doc.value("status", "") != "ok" ||
        !doc.contains("data") || !doc["data"].is_object() || !doc["data"].contains("asns") ||
        !doc["data"]["asns"].is_array()) {
        if (response.status != 200) {
            return source::http_error(
                response, "RIPEstat network-info: " + source::body_excerpt(response.body));
        }
        r.error = "RIPEstat network-info did not give the origin AS: " +
                  source::body_excerpt(response.body);
        return r;
    }
    std::vector<std::string> origins;
    for (const auto& a : doc["data"]["asns"]) {
        if (a.is_string()) {
            origins.push_back(a.get<std::string>());
        } else if (a.is_number_unsigned()) {
            origins.push_back(std::to_string(a.get<std::uint64_t>()));
        }
    }
    for (const auto& origin : origins) {
        for (const auto& entry : list) {
            if (entry.label == origin) {
                r.status = Status::listed;
                r.severity = Severity::critical;
                r.meaning = fmt::format("ASN-DROP: announced by {}, an AS run by spammers or "
                                        "cyber-criminals",
                                        entry.text);
                return r;
            }
        }
    }
    r.status = Status::clean;
    std::string as_text;
    for (const auto& o : origins) {
        as_text += (as_text.empty() ? "AS" : ", AS") + sanitize_text(o, 12);
    }
    r.meaning = origins.empty() ? "not routed: no origin AS to check"
                                : "origin " + as_text + " not on ASN-DROP";
    return r;
}

const BulkList k_asndrop_list{&asndrop_files, &asndrop_parse, &asndrop_no_match};

} // namespace

extern const HttpAdapter k_spamhaus_asndrop_adapter{
    "spamhaus-asndrop", false, &origin_request, &origin_read_alone, &k_asndrop_list, &asndrop_read};

} // namespace rblscope
