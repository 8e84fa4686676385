// Spamhaus DROP ("Don't Route Or Peer"): netblocks hijacked or run by spam operations,
// published as NDJSON files, downloaded whole (at most hourly by Spamhaus' terms; rblscope
// keeps a copy for 12 hours) and matched offline:
//   {"cidr":"192.0.2.0/24","sblid":"SBL000001","rir":"arin"}
//   {"type":"metadata","timestamp":1700000000,"size":0,"records":2,...}   <- last line

#include "core/sanitize.hpp"
#include "sources/adapter.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace rblscope {

namespace {

using nlohmann::json;

std::vector<BulkFile> drop_files(const Zone& zone, const std::string& /*key*/) {
    return {{zone.url + "/drop_v4.json", "drop_v4.json"},
            {zone.url + "/drop_v6.json", "drop_v6.json"}};
}

Result<ListedBlock> drop_record(const json& doc) {
    const auto cidr = doc.find("cidr");
    if (cidr == doc.end() || !cidr->is_string()) {
        return Error{"a record without \"cidr\"", {}};
    }
    auto block = Cidr::parse(cidr->get<std::string>());
    if (!block) {
        return Error{sanitize_text(block.error().message, 200), {}};
    }
    std::string label = doc.contains("sblid") && doc["sblid"].is_string()
                            ? sanitize_text(doc["sblid"].get<std::string>(), 40)
                            : std::string();
    return ListedBlock::of(*block, std::move(label));
}

Result<std::vector<ListedBlock>> drop_parse(std::string_view body, const std::string& name) {
    return source::read_spamhaus_ndjson(body, name, &drop_record);
}

SourceReading drop_match(const std::vector<ListedBlock>& blocks, const IpAddress& ip) {
    SourceReading r;
    for (const auto& b : blocks) {
        if (b.contains(ip)) {
            r.status = Status::listed;
            r.severity = Severity::critical;
            r.meaning = fmt::format("DROP: in {}{}, a netblock hijacked or run by spammers "
                                    "(do not route or peer)",
                                    b.text,
                                    b.label.empty() ? "" : " (" + b.label + ")");
            return r;
        }
    }
    r.status = Status::clean;
    return r;
}

const BulkList k_drop_list{&drop_files, &drop_parse, &drop_match};

} // namespace

extern const HttpAdapter k_spamhaus_drop_adapter{
    "spamhaus-drop", false, nullptr, nullptr, &k_drop_list};

} // namespace rblscope
