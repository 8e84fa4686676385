#include "sources/adapter.hpp"

#include "core/sanitize.hpp"

#include <array>
#include <fmt/format.h>

namespace rblscope {

extern const HttpAdapter k_stopforumspam_adapter;
extern const HttpAdapter k_abuseipdb_adapter;
extern const HttpAdapter k_spamhaus_drop_adapter;
extern const HttpAdapter k_ripestat_blocklist_adapter;
extern const HttpAdapter k_snds_ipstatus_adapter;
extern const HttpAdapter k_snds_data_adapter;
extern const HttpAdapter k_ripestat_network_adapter;
extern const HttpAdapter k_ripestat_abuse_adapter;
extern const HttpAdapter k_spamhaus_asndrop_adapter;

const HttpAdapter* find_adapter(std::string_view name) {
    static const std::array<const HttpAdapter*, 9> adapters = {&k_stopforumspam_adapter,
                                                               &k_abuseipdb_adapter,
                                                               &k_spamhaus_drop_adapter,
                                                               &k_ripestat_blocklist_adapter,
                                                               &k_snds_ipstatus_adapter,
                                                               &k_snds_data_adapter,
                                                               &k_ripestat_network_adapter,
                                                               &k_ripestat_abuse_adapter,
                                                               &k_spamhaus_asndrop_adapter};
    for (const auto* a : adapters) {
        if (a->name == name) {
            return a;
        }
    }
    return nullptr;
}

ListedBlock ListedBlock::of(const Cidr& block, std::string label) {
    auto bytes = block.network().bytes();
    const int bits = block.network().is_v4() ? 32 : 128;
    for (int i = block.prefix(); i < bits; ++i) {
        bytes[static_cast<std::size_t>(i / 8)] |= static_cast<std::uint8_t>(0x80u >> (i % 8));
    }
    const IpAddress last = block.network().is_v4()
                               ? IpAddress::v4(bytes[0], bytes[1], bytes[2], bytes[3])
                               : IpAddress::v6(bytes);
    return {block.network(), last, block.to_string(), std::move(label)};
}

SourceReading read_response(const HttpAdapter& adapter,
                            const HttpResponse& response,
                            const std::string& key,
                            const std::vector<ListedBlock>* blocks) {
    SourceReading r;
    if (response.timed_out) {
        r.status = Status::timeout;
        r.error = fmt::format("no complete HTTP response within {} ms", response.elapsed.count());
    } else if (!response.error.empty()) {
        r.error = "HTTP request failed: " + sanitize_text(response.error, 300);
    } else if (response.status >= 500) {
        r.error = source::http_error(response, "the service failed").error;
    } else if (adapter.read_with != nullptr && blocks != nullptr) {
        r = adapter.read_with(response, *blocks);
    } else {
        r = adapter.read(response);
    }
    source::redact(r.error, key);
    source::redact(r.meaning, key);
    return r;
}

namespace source {

void redact(std::string& text, const std::string& key) {
    if (key.empty()) {
        return;
    }
    for (auto pos = text.find(key); pos != std::string::npos; pos = text.find(key, pos)) {
        text.replace(pos, key.size(), "[key]");
    }
}

std::string url_encode(std::string_view value) {
    std::string out;
    for (const unsigned char c : value) {
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '.' || c == '_' || c == '~') {
            out += static_cast<char>(c);
        } else {
            out += fmt::format("%{:02X}", c);
        }
    }
    return out;
}

std::string body_excerpt(const std::string& body) {
    return sanitize_text(body, 120);
}

SourceReading http_error(const HttpResponse& response, std::string_view detail) {
    SourceReading r;
    r.status = Status::error;
    r.error = fmt::format("HTTP {}: {}", response.status, sanitize_text(detail, 300));
    if (response.retry_after_s) {
        r.error += fmt::format(" (retry after {} s)", *response.retry_after_s);
    }
    return r;
}

} // namespace source

} // namespace rblscope
