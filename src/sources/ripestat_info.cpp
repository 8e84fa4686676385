// RIPEstat facts shown next to the listings (role "info": they never change a verdict):
//   prefix-overview:      GET {url}/data/prefix-overview/data.json?resource=IP
//     {"status":"ok","data":{"announced":true,"resource":"192.0.2.0/24",
//      "asns":[{"asn":64500,"holder":"EXAMPLE-AS"}]}}
//   abuse-contact-finder: GET {url}/data/abuse-contact-finder/data.json?resource=IP
//     {"status":"ok","data":{"abuse_contacts":["abuse@example.net"],"authoritative_rir":"ripe"}}

#include "core/sanitize.hpp"
#include "sources/json_fields.hpp"
#include "sources/ripestat.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace rblscope {

namespace {

using nlohmann::json;

SourceReading info(std::string meaning) {
    SourceReading r;
    r.status = Status::listed;
    r.severity = Severity::info;
    r.meaning = std::move(meaning);
    return r;
}

HttpRequest network_request(const Zone& zone, const std::string& /*key*/, const std::string& ip) {
    return ripestat::request(zone.url, "prefix-overview", ip);
}

SourceReading network_read(const Zone& /*zone*/, const HttpResponse& response) {
    const json doc = json::parse(response.body, nullptr, false);
    SourceReading r;
    const json* data = ripestat::data_of(doc, response, r);
    if (data == nullptr) {
        return r;
    }
    if (!source::boolean_or(*data, "announced", false)) {
        return info("not announced in BGP: no network routes this address");
    }
    std::string asns;
    if (data->contains("asns") && (*data)["asns"].is_array()) {
        for (const auto& a : (*data)["asns"]) {
            if (!a.is_object() || !a.contains("asn") || !a["asn"].is_number_unsigned()) {
                continue;
            }
            asns += fmt::format("{}AS{}", asns.empty() ? "" : ", ", a["asn"].get<std::uint64_t>());
            if (a.contains("holder") && a["holder"].is_string()) {
                asns += " " + sanitize_text(a["holder"].get<std::string>(), 80);
            }
        }
    }
    const std::string prefix = data->contains("resource") && (*data)["resource"].is_string()
                                   ? sanitize_text((*data)["resource"].get<std::string>(), 50)
                                   : std::string("?");
    return info(fmt::format("{}, prefix {}", asns.empty() ? "no origin AS" : asns, prefix));
}

HttpRequest abuse_request(const Zone& zone, const std::string& /*key*/, const std::string& ip) {
    return ripestat::request(zone.url, "abuse-contact-finder", ip);
}

SourceReading abuse_read(const Zone& /*zone*/, const HttpResponse& response) {
    const json doc = json::parse(response.body, nullptr, false);
    SourceReading r;
    const json* data = ripestat::data_of(doc, response, r);
    if (data == nullptr) {
        return r;
    }
    std::string contacts;
    if (data->contains("abuse_contacts") && (*data)["abuse_contacts"].is_array()) {
        for (const auto& c : (*data)["abuse_contacts"]) {
            if (c.is_string()) {
                contacts +=
                    (contacts.empty() ? "" : ", ") + sanitize_text(c.get<std::string>(), 100);
            }
        }
    }
    std::string rir;
    if (data->contains("authoritative_rir") && (*data)["authoritative_rir"].is_string()) {
        rir = " (" + sanitize_text((*data)["authoritative_rir"].get<std::string>(), 20) + ")";
    }
    return info(contacts.empty() ? "no abuse contact registered" + rir
                                 : "abuse contact: " + contacts + rir);
}

} // namespace

extern const HttpAdapter k_ripestat_network_adapter{
    "ripestat-network", false, &network_request, &network_read};
extern const HttpAdapter k_ripestat_abuse_adapter{
    "ripestat-abuse-contact", false, &abuse_request, &abuse_read};

} // namespace rblscope
