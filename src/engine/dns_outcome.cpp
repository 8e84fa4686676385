#include "engine/dns_outcome.hpp"

#include "core/sanitize.hpp"

#include <ares.h>
#include <fmt/format.h>

namespace rblscope {

RawAnswer to_raw(const DnsReply& reply) {
    RawAnswer raw;
    switch (reply.status) {
    case ARES_SUCCESS:
        raw.kind = reply.a.empty() ? RawAnswer::Kind::nodata : RawAnswer::Kind::answers;
        raw.a = reply.a;
        raw.ttl = reply.ttl;
        break;
    case ARES_ENOTFOUND:
        raw.kind = RawAnswer::Kind::nxdomain;
        raw.ttl = reply.negative_ttl.value_or(0);
        break;
    case ARES_ENODATA:
        raw.kind = RawAnswer::Kind::nodata;
        raw.ttl = reply.negative_ttl.value_or(0);
        break;
    case ARES_ESERVFAIL:
        raw.kind = RawAnswer::Kind::servfail;
        break;
    case ARES_EREFUSED:
        raw.kind = RawAnswer::Kind::refused;
        break;
    case ARES_ETIMEOUT:
        raw.kind = RawAnswer::Kind::timeout;
        break;
    case ARES_ECONNREFUSED:
        raw.kind = RawAnswer::Kind::failure;
        raw.detail = "connection refused: no DNS server listening at the resolver address";
        break;
    default:
        raw.kind = RawAnswer::Kind::failure;
        raw.detail = reply.parse_error
                         ? fmt::format("garbled answer: {}", dns_status_text(reply.status))
                         : fmt::format("DNS error: {}", dns_status_text(reply.status));
        break;
    }
    raw.cached = reply.cached;
    return raw;
}

std::string txt_reason(const DnsReply& reply) {
    std::string joined;
    for (const auto& s : reply.txt) {
        joined += joined.empty() ? "" : " | ";
        joined += s;
    }
    return sanitize_text(joined, 512);
}

} // namespace rblscope
