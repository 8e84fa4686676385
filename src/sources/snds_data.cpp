// Microsoft SNDS data (key in the query): GET {url}/data.aspx?key=KEY
// CSV without a header, CRLF, one row per IP for the most recent day, 14 fields:
//   ip, activity_start, activity_end, rcpt_commands, data_commands, message_recipients,
//   filter_result (GREEN/YELLOW/RED), complaint_rate ("< 0.1%", "0.4%"),
//   trap_message_start, trap_message_end, trap_hits, sample_helo, sample_mail_from, comments
// How Outlook.com's filters saw the address yesterday: RED (over 90 % of its mail filtered
// as spam) reads as listed, YELLOW (10-90 %), spam-trap hits or a complaint rate of 0.3 %
// and more as a warning. Downloaded once, kept an hour.

#include "core/sanitize.hpp"
#include "sources/adapter.hpp"

#include <charconv>
#include <fmt/format.h>

namespace rblscope {

namespace {

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
    std::size_t start = 0;
    while (start < body.size() &&
           (body[start] == ' ' || body[start] == '\r' || body[start] == '\n')) {
        ++start;
    }
    if (body.substr(start).starts_with("<")) {
        return Error{"SNDS answered with an HTML page, not its CSV: the key is wrong or "
                     "automated access is not enabled for it (or the portal changed)",
                     name};
    }
    std::vector<ListedBlock> rows;
    std::vector<std::string> f;
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
        if (!split_csv(line, f) || f.size() < k_fields) {
            return Error{fmt::format("expected {} comma-separated fields: {}",
                                     k_fields,
                                     sanitize_text(line, 80)),
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
    SourceReading r;
    if (!ip.is_v4()) {
        r.status = Status::skipped;
        r.error = "SNDS covers IPv4 only";
        return r;
    }
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

extern const HttpAdapter k_snds_data_adapter{
    "snds-data", true, nullptr, nullptr, &k_snds_data_list};

} // namespace rblscope
