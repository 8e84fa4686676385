// Bounce messages and pasted text: RFC 5322 headers, MIME parts (RFC 2045/2046), DSN fields
// (RFC 3464) and which reading wins for each recipient.

#include "core/sanitize.hpp"
#include "core/text.hpp"
#include "explain/mime.hpp"
#include "explain/parse.hpp"

#include <vector>

namespace rblscope::explain_detail {

namespace {

constexpr int k_max_depth = 8; // MIME nesting we follow; deeper parts are skipped

/// One recipient's fields in a message/delivery-status part.
struct DsnRecord {
    std::string recipient, action, status, remote_mta, diagnostic, arrival;
    std::uint64_t line = 0;
};

std::vector<DsnRecord> scan_dsn(std::string_view body,
                                std::uint64_t first_line,
                                std::string& reporting_mta,
                                std::string& arrival) {
    std::vector<DsnRecord> out;
    Lines lines(body, first_line);
    while (!lines.rest().empty()) {
        const auto at = lines.line() + 1;
        const auto h = read_headers(lines);
        if (h.fields.empty()) {
            continue;
        }
        if (auto v = h.get("reporting-mta"); !v.empty()) {
            const auto semi = v.find(';'); // "dns; mx.example.net"
            reporting_mta = std::string(trim_blanks(semi == std::string::npos
                                                        ? std::string_view(v)
                                                        : std::string_view(v).substr(semi + 1)));
        }
        if (auto v = h.get("arrival-date"); !v.empty()) {
            arrival = v;
        }
        auto rcpt = h.get("final-recipient");
        if (rcpt.empty()) {
            rcpt = h.get("original-recipient");
        }
        if (rcpt.empty() && h.get("status").empty()) {
            continue;
        }
        DsnRecord r;
        r.line = at;
        const auto strip_type = [](const std::string& v) {
            const auto semi = v.find(';');
            return std::string(trim_blanks(semi == std::string::npos
                                               ? std::string_view(v)
                                               : std::string_view(v).substr(semi + 1)));
        };
        r.recipient = address_in(strip_type(rcpt));
        r.action = ascii_lower(trim_blanks(h.get("action")));
        r.status = sanitize_text(trim_blanks(h.get("status")).substr(0, 16), 16);
        if (const auto sp = r.status.find(' '); sp != std::string::npos) {
            r.status.resize(sp); // "5.1.1 (user unknown)"
        }
        r.remote_mta = sanitize_text(strip_type(h.get("remote-mta")), 255);
        r.diagnostic = strip_type(h.get("diagnostic-code"));
        out.push_back(std::move(r));
    }
    return out;
}

struct MessageScan {
    std::vector<DsnRecord> dsn;
    std::vector<Rejection> text;
    std::string reporting_mta;
    std::string arrival;
};

void walk(
    std::string_view body, std::uint64_t line, const Headers& h, int depth, MessageScan& scan) {
    const auto ctype_value = h.get("content-type");
    const auto type = content_type(ctype_value);
    if (depth > k_max_depth) {
        return;
    }
    if (type.starts_with("multipart/")) {
        const auto boundary = parameter(ctype_value, "boundary");
        if (boundary.empty()) {
            return;
        }
        const std::string delim = "--" + boundary;
        Lines lines(body, line);
        std::string_view l;
        std::size_t part_start = std::string_view::npos;
        std::uint64_t part_line = 0;
        const auto emit = [&](std::size_t end) {
            if (part_start == std::string_view::npos || end < part_start) {
                return;
            }
            Lines part(body.substr(part_start, end - part_start), part_line);
            const auto ph = read_headers(part);
            walk(part.rest(), part.line(), ph, depth + 1, scan);
        };
        std::size_t offset = 0;
        while (lines.next(l)) {
            const auto this_offset = offset;
            offset = body.size() - lines.rest().size();
            if (!l.starts_with(delim)) {
                continue;
            }
            emit(this_offset);
            if (l.substr(delim.size()).starts_with("--")) {
                part_start = std::string_view::npos;
                break;
            }
            part_start = offset;
            part_line = lines.line();
        }
        emit(body.size());
        return;
    }
    if (type == "message/delivery-status" || type == "message/global-delivery-status") {
        auto more = scan_dsn(body, line, scan.reporting_mta, scan.arrival);
        scan.dsn.insert(scan.dsn.end(), more.begin(), more.end());
        return;
    }
    if (!type.empty() && type != "text/plain" && !type.starts_with("text/plain")) {
        return; // the original message, HTML copies, attachments
    }
    const auto cte = ascii_lower(trim_blanks(h.get("content-transfer-encoding")));
    if (cte == "base64") {
        scan_text(base64_decode(body), line, scan.text);
    } else if (cte == "quoted-printable") {
        scan_text(decode_quoted_printable(body), line, scan.text);
    } else {
        scan_text(body, line, scan.text);
    }
}

std::string domain_of(std::string_view address) {
    const auto at = address.rfind('@');
    auto d = at == std::string_view::npos ? std::string_view{} : address.substr(at + 1);
    return std::string(trim_blanks(d.substr(0, d.find_first_of("> "))));
}

} // namespace

void parse_message(std::string_view text,
                   std::string_view source_name,
                   std::uint64_t first_line,
                   const std::function<void(Rejection&&)>& sink) {
    Lines lines(text, first_line - 1);
    std::string_view first;
    Headers h;
    std::uint64_t body_line = first_line - 1;
    std::string_view body = text;
    {
        Lines probe(text, first_line - 1);
        while (probe.next(first) && trim_blanks(first).empty()) {
        }
        if (looks_like_header(first) || first.starts_with("From ")) {
            h = read_headers(lines);
            body = lines.rest();
            body_line = lines.line();
        }
    }
    const bool is_message = !h.fields.empty();
    MessageScan scan;
    walk(body, body_line, h, 0, scan);

    std::string log_host = scan.reporting_mta;
    if (log_host.empty()) {
        log_host = domain_of(h.get("from"));
    }
    const auto date = scan.arrival.empty() ? h.get("date") : scan.arrival;
    const auto subject = ascii_lower(h.get("subject"));
    const bool delay_notice =
        subject.find("delay") != std::string::npos || subject.find("warning") != std::string::npos;
    std::vector<bool> text_used(scan.text.size(), false);
    const auto finalize = [&](Rejection&& r, std::uint64_t line) {
        r.where = std::string(source_name) + ":" + std::to_string(line);
        r.log_host = sanitize_text(log_host, 255);
        r.time = sanitize_text(date, 64);
        sink(std::move(r));
    };
    for (const auto& d : scan.dsn) {
        if (d.action == "delivered" || d.action == "relayed" || d.action == "expanded") {
            continue;
        }
        if (d.action.empty() && !(d.status.starts_with('4') || d.status.starts_with('5'))) {
            continue;
        }
        Rejection r;
        r.source = "dsn";
        r.recipient = d.recipient;
        r.status = d.status;
        r.action = d.action.empty() ? (d.status.starts_with('4') ? "delayed" : "failed")
                                    : sanitize_text(d.action, 16);
        r.remote_host = d.remote_mta;
        r.reply = clean_reply(d.diagnostic);
        // The readable part often has what the DSN lacks: the address, the command, or
        // the whole reply when the Diagnostic-Code is missing.
        for (std::size_t i = 0; i < scan.text.size(); ++i) {
            auto& t = scan.text[i];
            if (text_used[i] ||
                (!t.recipient.empty() && ascii_lower(t.recipient) != ascii_lower(r.recipient))) {
                continue;
            }
            if (t.recipient.empty() && !r.reply.empty()) {
                continue;
            }
            text_used[i] = true;
            if (r.reply.empty() || (r.reply.size() < 8 && t.reply.size() > r.reply.size())) {
                r.reply = t.reply;
            }
            if (r.remote_ip.empty()) {
                r.remote_ip = t.remote_ip;
            }
            if (r.remote_host.empty()) {
                r.remote_host = t.remote_host;
            }
            r.command = t.command;
            break;
        }
        if (r.reply.empty()) {
            r.reply = r.status.empty() ? std::string() : "(no reply text; status " + r.status + ")";
        }
        if (!r.reply.empty()) {
            finalize(std::move(r), d.line);
        }
    }
    for (std::size_t i = 0; i < scan.text.size(); ++i) {
        if (text_used[i]) {
            continue;
        }
        auto& r = scan.text[i];
        const auto line = std::stoull(r.where);
        const int code = reply_code(r.reply);
        if (!is_message && code == 0) {
            continue; // pasted prose without a reply code is not a rejection
        }
        r.source = is_message ? "bounce" : "reply";
        r.action = is_message ? (delay_notice || code / 100 == 4 ? "delayed" : "failed")
                              : (code / 100 == 4 ? "deferred" : "bounced");
        finalize(std::move(r), line);
    }
}

} // namespace rblscope::explain_detail
