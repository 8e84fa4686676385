// Spamhaus ASN-DROP: autonomous systems run by spammers or cyber-criminals, downloaded
// whole (asndrop.json, NDJSON with a closing metadata line, kept 12 hours):
//   {"asn":64511,"rir":"arin","domain":"bad.example","cc":"US","asname":"EXAMPLE-AS-1"}
// An address is listed when an AS that originates its prefix is on the list; the origin
// comes from RIPEstat network-info at the zone's aux_url:
//   GET {aux_url}/data/network-info/data.json?resource=IP -> {"data":{"asns":["64511"],...}}

#include "core/sanitize.hpp"
#include "sources/ripestat.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace rblscope {

namespace {

using nlohmann::json;

std::vector<BulkFile> asndrop_files(const Zone& zone, const std::string& /*key*/) {
    return {{zone.url + "/asndrop.json", "asndrop.json"}};
}

Result<ListedBlock> asndrop_record(const json& doc) {
    if (!doc.contains("asn") || !doc["asn"].is_number_unsigned()) {
        return Error{"a record without a numeric \"asn\"", {}};
    }
    ListedBlock entry;
    entry.label = std::to_string(doc["asn"].get<std::uint64_t>());
    entry.text = "AS" + entry.label;
    for (const char* k : {"asname", "domain", "cc"}) {
        if (doc.contains(k) && doc[k].is_string()) {
            entry.text += " " + sanitize_text(doc[k].get<std::string>(), 60);
        }
    }
    return entry;
}

Result<std::vector<ListedBlock>> asndrop_parse(std::string_view body, const std::string& name) {
    return source::read_spamhaus_ndjson(body, name, &asndrop_record);
}

HttpRequest origin_request(const Zone& zone, const std::string& /*key*/, const std::string& ip) {
    return ripestat::request(zone.aux_url, "network-info", ip);
}

SourceReading asndrop_read(const HttpResponse& response, const std::vector<ListedBlock>& list) {
    SourceReading r;
    const json doc = json::parse(response.body, nullptr, false);
    const json* data = ripestat::data_of(doc, response, r);
    if (data == nullptr) {
        return r;
    }
    if (!data->contains("asns") || !(*data)["asns"].is_array()) {
        r.error = "RIPEstat network-info did not give the origin AS: " +
                  source::body_excerpt(response.body);
        return r;
    }
    std::vector<std::string> origins;
    for (const auto& a : (*data)["asns"]) {
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

const BulkList k_asndrop_list{&asndrop_files, &asndrop_parse};

} // namespace

extern const HttpAdapter k_spamhaus_asndrop_adapter{
    "spamhaus-asndrop", false, &origin_request, nullptr, &k_asndrop_list, &asndrop_read};

} // namespace rblscope
