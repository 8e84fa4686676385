#include "sources/adapter.hpp"

#include "core/sanitize.hpp"
#include "sources/json_fields.hpp"

#include <algorithm>
#include <array>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

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
extern const HttpAdapter k_google_postmaster_adapter;
extern const HttpAdapter k_google_compliance_adapter;

namespace {

const auto& adapters() {
    static const std::array<const HttpAdapter*, 11> all = {&k_stopforumspam_adapter,
                                                           &k_abuseipdb_adapter,
                                                           &k_spamhaus_drop_adapter,
                                                           &k_ripestat_blocklist_adapter,
                                                           &k_snds_ipstatus_adapter,
                                                           &k_snds_data_adapter,
                                                           &k_ripestat_network_adapter,
                                                           &k_ripestat_abuse_adapter,
                                                           &k_spamhaus_asndrop_adapter,
                                                           &k_google_postmaster_adapter,
                                                           &k_google_compliance_adapter};
    return all;
}

} // namespace

const HttpAdapter* find_adapter(std::string_view name) {
    for (const auto* a : adapters()) {
        if (a->name == name) {
            return a;
        }
    }
    return nullptr;
}

std::vector<std::string_view> adapter_names() {
    std::vector<std::string_view> v;
    for (const auto* a : adapters()) {
        v.push_back(a->name);
    }
    std::sort(v.begin(), v.end());
    return v;
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
    return {block.network(), last, block.to_string(), std::move(label), {}};
}

SourceReading read_response(const HttpAdapter& adapter,
                            const Zone& zone,
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
    } else {
        // The last line of defence: a reader that throws on a body it did not expect gives
        // an error result, never an exception in the event loop.
        try {
            if (adapter.read_with != nullptr) {
                // Without its list a two-step source cannot say "not listed".
                if (blocks == nullptr) {
                    r.error = "the downloaded list this source matches against is not loaded";
                } else {
                    r = adapter.read_with(response, *blocks);
                }
            } else {
                r = adapter.read(zone, response);
            }
        } catch (const std::exception& e) {
            r = SourceReading{};
            r.error = "the answer could not be read: " + sanitize_text(e.what(), 200);
        }
    }
    source::redact(r.error, key);
    source::redact(r.meaning, key);
    for (auto& [name, value] : r.facts) {
        source::redact(value, key);
    }
    return r;
}

Result<std::vector<ListedBlock>> parse_bulk(const HttpAdapter& adapter,
                                            std::string_view body,
                                            const std::string& name,
                                            const std::string& key) {
    Result<std::vector<ListedBlock>> blocks = std::vector<ListedBlock>{};
    try {
        blocks = adapter.bulk->parse(body, name);
    } catch (const std::exception& e) {
        blocks = Error{"cannot be read: " + sanitize_text(e.what(), 200), name};
    }
    if (!blocks) {
        auto text =
            "the downloaded list is not in the documented format: " + blocks.error().to_string();
        source::redact(text, key);
        return Error{std::move(text), {}};
    }
    for (auto& b : blocks.value()) {
        source::redact(b.label, key);
        for (auto& f : b.fields) {
            source::redact(f, key);
        }
    }
    return blocks;
}

SourceReading match_bulk(const HttpAdapter& adapter,
                         const std::vector<ListedBlock>& blocks,
                         const IpAddress& ip,
                         const std::string& key) {
    auto r = adapter.bulk->match(blocks, ip);
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

std::vector<Line> lines_of(std::string_view body) {
    std::vector<Line> lines;
    std::size_t number = 0;
    std::size_t pos = 0;
    while (pos < body.size()) {
        const auto nl = body.find('\n', pos);
        auto text = body.substr(pos, nl == std::string_view::npos ? nl : nl - pos);
        pos = nl == std::string_view::npos ? body.size() : nl + 1;
        ++number;
        if (text.ends_with('\r')) {
            text.remove_suffix(1);
        }
        if (text.find_first_not_of(" \t") != std::string_view::npos) {
            lines.push_back({number, text});
        }
    }
    return lines;
}

Result<std::vector<ListedBlock>>
read_spamhaus_ndjson(std::string_view body,
                     const std::string& name,
                     Result<ListedBlock> (*record)(const nlohmann::json& object)) {
    std::vector<ListedBlock> blocks;
    bool metadata = false;
    for (const auto& line : lines_of(body)) {
        const auto where = fmt::format("{}:{}", name, line.number);
        const auto doc = nlohmann::json::parse(line.text, nullptr, false);
        if (doc.is_discarded() || !doc.is_object()) {
            return Error{"not a JSON object: " + sanitize_text(line.text, 80), where};
        }
        if (source::string_or(doc, "type", "") == "metadata") {
            metadata = true;
            continue;
        }
        auto block = record(doc);
        if (!block) {
            return Error{block.error().message, where};
        }
        blocks.push_back(std::move(*block));
    }
    if (!metadata) {
        return Error{"no metadata line at the end: the file looks truncated", name};
    }
    return blocks;
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
