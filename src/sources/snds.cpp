// Microsoft SNDS IP status (key in the query): GET {url}/ipStatus.aspx?key=KEY
// CSV without a header, CRLF: first_ip,last_ip,blocked,details
//   192.0.2.10,192.0.2.11,Yes,Blocked due to user complaints or other evidence of spamming
// These are Outlook.com's own blocks (behind "550 5.7.606 banned sending IP" and S3150),
// visible nowhere else. SNDS only knows the ranges registered to the key's account and
// only IPv4. Downloaded once, kept an hour, matched offline.

#include "core/sanitize.hpp"
#include "sources/adapter.hpp"

#include <fmt/format.h>

namespace rblscope {

namespace {

std::vector<BulkFile> snds_files(const Zone& zone, const std::string& key) {
    return {{zone.url + "/ipStatus.aspx?key=" + source::url_encode(key), "ipStatus.aspx"}};
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) {
        s.remove_prefix(1);
    }
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
        s.remove_suffix(1);
    }
    return s;
}

Result<std::vector<ListedBlock>> snds_parse(std::string_view body, const std::string& name) {
    if (trim(body).starts_with("<")) {
        return Error{"SNDS answered with an HTML page, not its CSV: the key is wrong or "
                     "automated access is not enabled for it (or the portal changed)",
                     name};
    }
    std::vector<ListedBlock> blocks;
    std::size_t line_no = 0;
    std::size_t pos = 0;
    while (pos < body.size()) {
        const auto nl = body.find('\n', pos);
        const auto line = trim(body.substr(pos, nl == std::string_view::npos ? nl : nl - pos));
        pos = nl == std::string_view::npos ? body.size() : nl + 1;
        ++line_no;
        if (line.empty()) {
            continue;
        }
        const auto where = fmt::format("{}:{}", name, line_no);
        std::array<std::string_view, 3> field{};
        std::string_view rest = line;
        for (auto& f : field) {
            const auto comma = rest.find(',');
            if (comma == std::string_view::npos) {
                return Error{
                    "expected first_ip,last_ip,blocked,details: " + sanitize_text(line, 80), where};
            }
            f = trim(rest.substr(0, comma));
            rest = rest.substr(comma + 1);
        }
        const auto first = IpAddress::parse(field[0]);
        const auto last = IpAddress::parse(field[1]);
        if (!first || !last || !first->is_v4() || !last->is_v4() || *last < *first) {
            return Error{"not an IPv4 range: " + sanitize_text(line, 80), where};
        }
        if (field[2] != "Yes") {
            continue; // only blocked ranges matter
        }
        const std::string text =
            first == last ? first->to_string() : first->to_string() + "-" + last->to_string();
        blocks.push_back({*first, *last, text, sanitize_text(trim(rest), 200)});
    }
    return blocks;
}

SourceReading snds_match(const std::vector<ListedBlock>& blocks, const IpAddress& ip) {
    SourceReading r;
    if (!ip.is_v4()) {
        r.status = Status::skipped;
        r.error = "SNDS covers IPv4 only";
        return r;
    }
    for (const auto& b : blocks) {
        if (b.contains(ip)) {
            r.status = Status::listed;
            r.severity = Severity::critical;
            r.meaning = fmt::format("blocked by Outlook.com (range {}): {}",
                                    b.text,
                                    b.label.empty() ? "no reason given" : b.label);
            return r;
        }
    }
    r.status = Status::clean;
    r.meaning = "not among the blocked ranges SNDS shows this key (SNDS knows only the "
                "ranges registered to the account)";
    return r;
}

const BulkList k_snds_list{&snds_files, &snds_parse, &snds_match, std::chrono::hours(1)};

} // namespace

extern const HttpAdapter k_snds_ipstatus_adapter{
    "snds-ipstatus", true, nullptr, nullptr, &k_snds_list};

} // namespace rblscope
