// Microsoft SNDS IP status (key in the query): GET {url}/ipStatus.aspx?key=KEY
// CSV without a header, CRLF: first_ip,last_ip,blocked,details
//   192.0.2.10,192.0.2.11,Yes,Blocked due to user complaints or other evidence of spamming
// These are Outlook.com's own blocks (behind "550 5.7.606 banned sending IP" and S3150),
// visible nowhere else. SNDS only knows the ranges registered to the key's account and
// only IPv4. Downloaded once, kept an hour, matched offline.
//
// SNDS data (key in the query): GET {url}/data.aspx?key=KEY
// CSV without a header, CRLF, one row per IP for the most recent day, 14 fields:
//   ip, activity_start, activity_end, rcpt_commands, data_commands, message_recipients,
//   filter_result (GREEN/YELLOW/RED), complaint_rate ("< 0.1%", "0.4%"),
//   trap_message_start, trap_message_end, trap_hits, sample_helo, sample_mail_from, comments
// How Outlook.com's filters saw the address yesterday: RED (over 90 % of its mail filtered
// as spam) reads as listed, YELLOW (10-90 %), spam-trap hits or a complaint rate of 0.3 %
// and more as a warning. Downloaded once, kept an hour.

#include "core/sanitize.hpp"
#include "sources/adapter.hpp"

#include <array>
#include <charconv>
#include <fmt/format.h>
#include <optional>

namespace rblscope {

namespace {

// SNDS answers a wrong key or a disabled automated access with its HTML sign-in page.
std::optional<Error> html_page(std::string_view body, const std::string& name) {
    const auto start = body.find_first_not_of(" \t\r\n");
    if (start != std::string_view::npos && body[start] == '<') {
        return Error{"SNDS answered with an HTML page, not its CSV: the key is wrong or "
                     "automated access is not enabled for it (or the portal changed)",
                     name};
    }
    return std::nullopt;
}

// SNDS has no IPv6 data: an IPv6 address is not asked, rather than reported clean.
std::optional<SourceReading> not_ipv4(const IpAddress& ip) {
    if (ip.is_v4()) {
        return std::nullopt;
    }
    SourceReading r;
    r.status = Status::skipped;
    r.error = "SNDS covers IPv4 only";
    return r;
}

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
    if (auto html = html_page(body, name)) {
        return *html;
    }
    std::vector<ListedBlock> blocks;
    for (const auto& line : source::lines_of(body)) {
        const auto where = fmt::format("{}:{}", name, line.number);
        std::array<std::string_view, 3> field{};
        std::string_view rest = line.text;
        for (auto& f : field) {
            const auto comma = rest.find(',');
            if (comma == std::string_view::npos) {
                return Error{"expected first_ip,last_ip,blocked,details: " +
                                 sanitize_text(line.text, 80),
                             where};
            }
            f = trim(rest.substr(0, comma));
            rest = rest.substr(comma + 1);
        }
        const auto first = IpAddress::parse(field[0]);
        const auto last = IpAddress::parse(field[1]);
        if (!first || !last || !first->is_v4() || !last->is_v4() || *last < *first) {
            return Error{"not an IPv4 range: " + sanitize_text(line.text, 80), where};
        }
        if (field[2] != "Yes") {
            continue; // only blocked ranges matter
        }
        const std::string text =
            first == last ? first->to_string() : first->to_string() + "-" + last->to_string();
        blocks.push_back({*first, *last, text, sanitize_text(trim(rest), 200), {}});
    }
    return blocks;
}

SourceReading snds_match(const std::vector<ListedBlock>& blocks, const IpAddress& ip) {
    if (auto skipped = not_ipv4(ip)) {
        return *skipped;
    }
    SourceReading r;
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

constexpr std::size_t k_fields = 14;
enum Field : std::size_t {
    f_ip = 0,
    f_start = 1,
    f_end = 2,
    f_recipients = 5,
    f_filter = 6,
    f_complaints = 7,
    f_trap_hits = 10,
    f_comments = 13,
};

std::vector<BulkFile> snds_data_files(const Zone& zone, const std::string& key) {
    return {{zone.url + "/data.aspx?key=" + source::url_encode(key), "data.aspx"}};
}

// One CSV record (RFC 4180 quoting: "a,b" and "" for a quote inside). Returns false on an
// unterminated quote.
bool split_csv(std::string_view line, std::vector<std::string>& out) {
    out.clear();
    std::string cur;
    bool quoted = false;
    for (std::size_t i = 0; i < line.size(); ++i) {
        const char c = line[i];
        if (quoted) {
            if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
                cur += '"';
                ++i;
            } else if (c == '"') {
                quoted = false;
            } else {
                cur += c;
            }
        } else if (c == '"') {
            quoted = true;
        } else if (c == ',') {
            out.push_back(std::move(cur));
            cur.clear();
        } else if (c != '\r') {
            cur += c;
        }
    }
    out.push_back(std::move(cur));
    return !quoted;
}

Result<std::vector<ListedBlock>> snds_data_parse(std::string_view body, const std::string& name) {
    if (auto html = html_page(body, name)) {
        return *html;
    }
    std::vector<ListedBlock> rows;
    std::vector<std::string> f;
    for (const auto& line : source::lines_of(body)) {
        const auto where = fmt::format("{}:{}", name, line.number);
        if (!split_csv(line.text, f) || f.size() < k_fields) {
            return Error{fmt::format("expected {} comma-separated fields: {}",
                                     k_fields,
                                     sanitize_text(line.text, 80)),
                         where};
        }
        const auto ip = IpAddress::parse(f[f_ip]);
        if (!ip) {
            return Error{"not an IP address: " + sanitize_text(f[f_ip], 60), where};
        }
        ListedBlock row{*ip, *ip, sanitize_text(f[f_ip], 60), {}, {}};
        row.fields.reserve(f.size());
        for (const auto& v : f) {
            row.fields.push_back(sanitize_text(v, 200));
        }
        rows.push_back(std::move(row));
    }
    return rows;
}

// "< 0.1%" -> 0.0, "0.4%" -> 0.4; nullopt when unreadable.
std::optional<double> complaint_percent(const std::string& text) {
    if (text.starts_with("<")) {
        return 0.0;
    }
    double v = 0;
    const auto* end = text.data() + text.size();
    const auto [p, ec] = std::from_chars(text.data(), end, v);
    if (ec != std::errc() || (p != end && *p != '%')) {
        return std::nullopt;
    }
    return v;
}

SourceReading snds_data_match(const std::vector<ListedBlock>& rows, const IpAddress& ip) {
    if (auto skipped = not_ipv4(ip)) {
        return *skipped;
    }
    SourceReading r;
    for (const auto& row : rows) {
        if (!row.contains(ip)) {
            continue;
        }
        const auto& f = row.fields;
        const std::string& filter = f[f_filter];
        const auto complaints = complaint_percent(f[f_complaints]);
        long traps = 0;
        std::from_chars(
            f[f_trap_hits].data(), f[f_trap_hits].data() + f[f_trap_hits].size(), traps);
        r.meaning = fmt::format("{} to {}: filter result {}, complaint rate {}, {} trap hits, "
                                "{} recipients",
                                f[f_start],
                                f[f_end],
                                filter.empty() ? "none" : filter,
                                f[f_complaints].empty() ? "none" : f[f_complaints],
                                traps,
                                f[f_recipients].empty() ? "0" : f[f_recipients]);
        if (!f[f_comments].empty()) {
            r.meaning += "; " + f[f_comments];
        }
        std::vector<std::string> why;
        if (filter == "RED") {
            r.severity = Severity::critical;
            why.emplace_back("RED: over 90 % of its mail was filtered as spam");
        } else if (filter == "YELLOW") {
            why.emplace_back("YELLOW: 10-90 % of its mail was filtered as spam");
        }
        if (traps > 0) {
            why.push_back(fmt::format("{} spam-trap hits", traps));
        }
        if (complaints && *complaints >= 0.3) {
            why.push_back(
                fmt::format("complaint rate {} (0.3 % and more is bad)", f[f_complaints]));
        }
        if (why.empty()) {
            r.status = Status::clean;
            return r;
        }
        r.status = Status::listed;
        if (r.severity != Severity::critical) {
            r.severity = Severity::warning;
        }
        std::string reasons;
        for (const auto& w : why) {
            reasons += (reasons.empty() ? "" : "; ") + w;
        }
        r.meaning = reasons + " (" + r.meaning + ")";
        return r;
    }
    r.status = Status::clean;
    r.meaning = "no SNDS data for this address (SNDS reports only addresses registered to the "
                "account that sent Outlook.com more than about 100 messages that day)";
    return r;
}

const BulkList k_snds_data_list{
    &snds_data_files, &snds_data_parse, &snds_data_match, std::chrono::hours(1)};

} // namespace

extern const HttpAdapter k_snds_ipstatus_adapter{
    "snds-ipstatus", true, nullptr, nullptr, &k_snds_list};

extern const HttpAdapter k_snds_data_adapter{
    "snds-data", true, nullptr, nullptr, &k_snds_data_list};

} // namespace rblscope
