#include "engine/dns_outcome.hpp"

#include "core/sanitize.hpp"

#include <fmt/format.h>

namespace rblscope {

RawAnswer to_raw(const DnsReply& reply) {
    RawAnswer raw;
    switch (reply.status) {
    case DnsStatus::answered:
        raw.kind = reply.a.empty() ? RawAnswer::Kind::nodata : RawAnswer::Kind::answers;
        raw.a = reply.a;
        raw.ttl = reply.ttl;
        break;
    case DnsStatus::nxdomain:
        raw.kind = RawAnswer::Kind::nxdomain;
        raw.ttl = reply.negative_ttl.value_or(0);
        break;
    case DnsStatus::nodata:
        raw.kind = RawAnswer::Kind::nodata;
        raw.ttl = reply.negative_ttl.value_or(0);
        break;
    case DnsStatus::servfail:
        raw.kind = RawAnswer::Kind::servfail;
        break;
    case DnsStatus::refused:
        raw.kind = RawAnswer::Kind::refused;
        break;
    case DnsStatus::timeout:
        raw.kind = RawAnswer::Kind::timeout;
        break;
    case DnsStatus::connection_refused:
        raw.kind = RawAnswer::Kind::failure;
        raw.detail = "connection refused: no DNS server listening at the resolver address";
        break;
    case DnsStatus::garbled:
        raw.kind = RawAnswer::Kind::failure;
        raw.detail = fmt::format("garbled answer: {}", sanitize_text(reply.error, 200));
        break;
    case DnsStatus::other:
        raw.kind = RawAnswer::Kind::failure;
        raw.detail = fmt::format("DNS error: {}", sanitize_text(reply.error, 200));
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
