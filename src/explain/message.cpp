// Bounce messages and pasted text: RFC 5322 headers, MIME parts (RFC 2045/2046), DSN fields
// (RFC 3464) and which reading wins for each recipient.

#include "core/sanitize.hpp"
#include "core/text.hpp"
#include "explain/mime.hpp"
#include "explain/parse.hpp"

#include <algorithm>
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
        const auto diagnostic = h.get("diagnostic-code");
        r.diagnostic = strip_type(diagnostic);
        if (istarts_with(trim_blanks(diagnostic), "x-unix") && !r.diagnostic.empty() &&
            std::all_of(r.diagnostic.begin(), r.diagnostic.end(), is_digit)) {
            // Sendmail's local mailer (a pipe, procmail) exited with this sysexits code.
            r.diagnostic = "local delivery program exited with status " + r.diagnostic;
        }
        out.push_back(std::move(r));
    }
    return out;
}

/// A record of a recipient the mail did not reach (not delivered, relayed or expanded; an
/// action, or a 4.x.x/5.x.x status).
bool is_failure(const DsnRecord& d) {
    return !(d.action == "delivered" || d.action == "relayed" || d.action == "expanded") &&
           (!d.action.empty() || d.status.starts_with('4') || d.status.starts_with('5'));
}

/// The fields of a message/feedback-report part (RFC 5965) that say who complained.
struct FeedbackReport {
    bool present = false;
    std::string type, user_agent, source_ip, reporting_mta, arrival;
    std::vector<std::string> recipients; // Original-Rcpt-To (one report may name several)
    std::uint64_t line = 0;
};

struct MessageScan {
    const WordingTest* wording = nullptr;
    std::vector<DsnRecord> dsn;
    std::vector<Rejection> text;
    std::vector<std::pair<std::string, std::uint64_t>> html; // text of HTML parts, tags removed
    FeedbackReport feedback;
    std::string reporting_mta;
    std::string arrival;
    std::string original_to; // the returned message's only To: address, when it has one
};

/// The only address in a header value ("Name <a@example.com>"), or "" when it has none or
/// several.
std::string only_address(std::string_view value) {
    if (std::count(value.begin(), value.end(), '@') != 1) {
        return {};
    }
    return address_in(value);
}

/// The readable text of an HTML part: tags dropped (block ends become line breaks), the
/// common entities decoded, <style> and <script> skipped.
std::string html_text(std::string_view html) {
    std::string out;
    out.reserve(html.size() / 2);
    for (std::size_t i = 0; i < html.size(); ++i) {
        const char c = html[i];
        if (c == '<') {
            const auto close = html.find('>', i);
            if (close == std::string_view::npos) {
                break;
            }
            const auto tag =
                ascii_lower(html.substr(i + 1, std::min<std::size_t>(close - i - 1, 10)));
            for (const std::string_view skip : {"style", "script"}) {
                if (tag.starts_with(skip)) {
                    const auto end =
                        ascii_lower(html.substr(close)).find(std::string("</") + std::string(skip));
                    i = end == std::string::npos ? html.size() : close + end;
                }
            }
            const bool block =
                tag.starts_with("br") || tag.starts_with("p") || tag.starts_with("/p") ||
                tag.starts_with("div") || tag.starts_with("/div") || tag.starts_with("tr") ||
                tag.starts_with("/tr") || tag.starts_with("li") || tag.starts_with("/h") ||
                tag.starts_with("/table") || tag.starts_with("/td");
            out += block ? '\n' : ' ';
            if (i < html.size()) {
                i = std::max(i, close);
            }
            continue;
        }
        if (c == '&') {
            static constexpr std::pair<std::string_view, char> k_entities[] = {{"&amp;", '&'},
                                                                               {"&lt;", '<'},
                                                                               {"&gt;", '>'},
                                                                               {"&quot;", '"'},
                                                                               {"&#39;", '\''},
                                                                               {"&nbsp;", ' '},
                                                                               {"&#160;", ' '},
                                                                               {"&apos;", '\''}};
            bool done = false;
            for (const auto& [name, ch] : k_entities) {
                if (html.substr(i).starts_with(name)) {
                    out += ch;
                    i += name.size() - 1;
                    done = true;
                    break;
                }
            }
            if (done) {
                continue;
            }
        }
        out += c == '\r' ? '\n' : c;
    }
    return out;
}

void read_feedback(std::string_view body, std::uint64_t line, FeedbackReport& f) {
    Lines lines(body, line);
    const auto h = read_headers(lines);
    f.present = true;
    f.line = line + 1;
    for (const auto& [name, value] : h.fields) {
        if (name == "feedback-type") {
            f.type = sanitize_text(value, 64);
        } else if (name == "user-agent") {
            f.user_agent = sanitize_text(value, 128);
        } else if (name == "source-ip") {
            f.source_ip = sanitize_text(value, 64);
        } else if (name == "reporting-mta") {
            const auto semi = value.find(';');
            f.reporting_mta = sanitize_text(
                trim_blanks(semi == std::string::npos ? std::string_view(value)
                                                      : std::string_view(value).substr(semi + 1)),
                255);
        } else if (name == "arrival-date" || name == "received-date") {
            f.arrival = value;
        } else if (name == "original-rcpt-to" && f.recipients.size() < 1000) {
            f.recipients.push_back(address_in(value));
        }
    }
}

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
    if (type == "message/feedback-report") {
        read_feedback(body, line, scan.feedback);
        return;
    }
    if ((type == "message/rfc822" || type == "text/rfc822-headers") && scan.original_to.empty()) {
        // The returned original is never read as a rejection; its To: may name the recipient
        // a report without one was about.
        Lines lines(body, line);
        scan.original_to = only_address(read_headers(lines).get("to"));
        return;
    }
    const bool html = type == "text/html";
    if (!type.empty() && !html && !type.starts_with("text/plain")) {
        return; // attachments
    }
    const auto cte = ascii_lower(trim_blanks(h.get("content-transfer-encoding")));
    std::string decoded;
    std::string_view text = body;
    if (cte == "base64") {
        decoded = base64_decode(body);
        text = decoded;
    } else if (cte == "quoted-printable") {
        decoded = decode_quoted_printable(body);
        text = decoded;
    }
    if (html) {
        // Read only when the message has no plain text to read (an HTML-only NDR).
        scan.html.emplace_back(html_text(text), line);
        return;
    }
    scan_text(text, line, *scan.wording, scan.text);
}

/// Header fields that make a header block a message's (not "Error: 550 ..." pasted).
bool message_field(std::string_view name) {
    static constexpr std::string_view k_fields[] = {
        "from",           "to",          "subject",      "date",           "received",
        "return-path",    "message-id",  "mime-version", "content-type",   "delivered-to",
        "reply-to",       "sender",      "cc",           "auto-submitted", "x-failed-recipients",
        "dkim-signature", "in-reply-to", "references",   "x-mailer",       "precedence"};
    return std::find(std::begin(k_fields), std::end(k_fields), name) != std::end(k_fields) ||
           name.starts_with("x-") || name.starts_with("arc-") || name.starts_with("list-");
}

/// Fields of a delivery-status block pasted on its own.
bool dsn_field(std::string_view name) {
    return name == "final-recipient" || name == "original-recipient" || name == "diagnostic-code" ||
           name == "reporting-mta" || name == "remote-mta";
}

std::string domain_of(std::string_view address) {
    const auto at = address.rfind('@');
    auto d = at == std::string_view::npos ? std::string_view{} : address.substr(at + 1);
    return std::string(trim_blanks(d.substr(0, d.find_first_of("> "))));
}

} // namespace

namespace {

/// RFC 3834 auto-replies and vacation notices (Outlook sets only the subject).
bool auto_reply(const Headers& h) {
    const auto submitted = ascii_lower(h.get("auto-submitted"));
    const auto subject = ascii_lower(h.get("subject"));
    const auto precedence = ascii_lower(h.get("precedence"));
    static constexpr std::string_view k_subjects[] = {"automatic reply",
                                                      "auto reply",
                                                      "autoreply",
                                                      "auto-reply",
                                                      "out of office",
                                                      "out of the office",
                                                      "away until",
                                                      "vacation",
                                                      "abwesenheit",
                                                      "absence",
                                                      "réponse automatique",
                                                      "risposta automatica",
                                                      "respuesta automática",
                                                      "auto:"};
    return submitted.starts_with("auto-replied") || !h.get("x-autoreply").empty() ||
           !h.get("x-autorespond").empty() || precedence == "auto_reply" ||
           std::any_of(std::begin(k_subjects), std::end(k_subjects), [&](std::string_view w) {
               return subject.find(w) != std::string::npos;
           });
}

/// A bounce's sender: mailer-daemon, postmaster, or a subject that says so.
bool from_mail_system(const Headers& h) {
    const auto from = ascii_lower(h.get("from"));
    const auto subject = ascii_lower(h.get("subject"));
    static constexpr std::string_view k_words[] = {"undeliver",
                                                   "undelivered",
                                                   "delivery status",
                                                   "delivery failure",
                                                   "failure notice",
                                                   "returned mail",
                                                   "could not be delivered",
                                                   "delivery has failed",
                                                   "not delivered",
                                                   "mail delivery",
                                                   "nondeliverable",
                                                   "rejected",
                                                   "delayed"};
    return from.find("mailer-daemon") != std::string::npos ||
           from.find("postmaster") != std::string::npos ||
           std::any_of(std::begin(k_words), std::end(k_words), [&](std::string_view w) {
               return subject.find(w) != std::string::npos;
           });
}

} // namespace

void parse_message(std::string_view text,
                   std::string_view source_name,
                   std::uint64_t first_line,
                   const WordingTest& wording,
                   const std::function<void(Rejection&&)>& sink) {
    Headers h;
    std::uint64_t body_line = first_line - 1;
    std::string_view body = text;
    MessageScan scan;
    scan.wording = &wording;
    bool pasted_dsn = false;
    {
        Lines probe(text, first_line - 1);
        std::string_view first;
        while (probe.next(first) && trim_blanks(first).empty()) {
        }
        if (looks_like_header(first) || first.starts_with("From ")) {
            // A header block only when it has a message's fields: "Error: 550 ..." or
            // "<user@example.net>:" pasted first look like headers and are not.
            Lines lines(text, first_line - 1);
            auto candidate = read_headers(lines);
            const auto has = [&](bool (*test)(std::string_view)) {
                return std::any_of(candidate.fields.begin(),
                                   candidate.fields.end(),
                                   [&](const auto& f) { return test(f.first); });
            };
            if (has(message_field)) {
                h = std::move(candidate);
                body = lines.rest();
                body_line = lines.line();
            } else if (has(dsn_field)) {
                pasted_dsn = true; // "Final-Recipient: ... Diagnostic-Code: ..." on its own
            }
        }
    }
    const bool is_message = !h.fields.empty();
    if (pasted_dsn) {
        scan.dsn = scan_dsn(text, first_line - 1, scan.reporting_mta, scan.arrival);
    } else {
        walk(body, body_line, h, 0, scan);
    }
    if (scan.text.empty() && scan.dsn.empty()) {
        for (const auto& [html, line] : scan.html) {
            scan_text(html, line, wording, scan.text);
        }
    }
    if (scan.text.empty() && scan.dsn.empty() && !scan.feedback.present &&
        content_type(h.get("content-type")).starts_with("multipart/")) {
        // Parts that could not be told apart (a boundary that does not match, a broken
        // MIME structure): the body read as one text, up to the copy of the original.
        scan_text(body, body_line, wording, scan.text);
    }

    std::string log_host = scan.reporting_mta;
    if (log_host.empty()) {
        log_host = domain_of(h.get("from"));
    }
    const auto date = !scan.arrival.empty()            ? scan.arrival
                      : !scan.feedback.arrival.empty() ? scan.feedback.arrival
                                                       : h.get("date");
    const auto subject = ascii_lower(h.get("subject"));
    const bool delay_notice =
        subject.find("delay") != std::string::npos || subject.find("warning") != std::string::npos;
    // A report that names no recipient was about the one the headers or the original name.
    std::string known_recipient = only_address(h.get("x-failed-recipients"));
    if (known_recipient.empty()) {
        known_recipient = scan.original_to;
    }
    const auto finalize = [&](Rejection&& r, std::uint64_t line) {
        if (r.recipient.empty() && r.action != "auto-reply" && r.action != "feedback") {
            r.recipient = known_recipient;
        }
        r.where = std::string(source_name) + ":" + std::to_string(line);
        r.log_host = sanitize_text(log_host, 255);
        r.time = sanitize_text(date, 64);
        sink(std::move(r));
    };

    // Reports that are not rejections are said to be what they are, never "0 findings".
    if (scan.feedback.present) {
        const auto& f = scan.feedback;
        auto recipients = f.recipients;
        if (recipients.empty()) {
            recipients.emplace_back();
        }
        for (const auto& rcpt : recipients) {
            Rejection r;
            r.source = "arf";
            r.action = "feedback";
            r.recipient = rcpt;
            r.remote_host = !f.reporting_mta.empty() ? f.reporting_mta : domain_of(h.get("from"));
            r.reply = "feedback report: " + (f.type.empty() ? std::string("abuse") : f.type) +
                      (f.user_agent.empty() ? "" : " (" + f.user_agent + ")") +
                      (f.source_ip.empty() ? "" : " about mail from " + f.source_ip) + " via " +
                      sanitize_text(h.get("from"), 255);
            finalize(std::move(r), f.line);
        }
        return;
    }
    const auto failing_records = std::count_if(scan.dsn.begin(), scan.dsn.end(), is_failure);
    if (failing_records == 0 && !scan.dsn.empty()) {
        for (const auto& d : scan.dsn) {
            Rejection r;
            r.source = "dsn";
            r.action = "delivered";
            r.recipient = d.recipient;
            r.status = d.status;
            r.remote_host = d.remote_mta;
            r.reply = "delivered" +
                      (d.action.empty() ? "" : " (Action: " + sanitize_text(d.action, 16) + ")") +
                      (d.diagnostic.empty() ? "" : ": " + clean_reply(d.diagnostic));
            finalize(std::move(r), d.line);
        }
        return;
    }
    if (is_message && scan.dsn.empty() && auto_reply(h) && !from_mail_system(h)) {
        Rejection r;
        r.source = "auto-reply";
        r.action = "auto-reply";
        r.recipient = address_in(h.get("from"));
        r.reply = "automatic reply: " + sanitize_text(h.get("subject"), 200);
        finalize(std::move(r), body_line);
        return;
    }

    std::vector<bool> text_used(scan.text.size(), false);
    for (const auto& d : scan.dsn) {
        if (!is_failure(d)) {
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
        // Postfix's X-Postfix diagnostics are its own sentence about the remote reply.
        read_postfix_host_report(r.reply, r);
        // The readable part often has what the DSN lacks: the address, the command, or
        // the whole reply when the Diagnostic-Code is missing.
        for (std::size_t i = 0; i < scan.text.size(); ++i) {
            auto& t = scan.text[i];
            if (text_used[i] ||
                (!t.recipient.empty() && ascii_lower(t.recipient) != ascii_lower(r.recipient))) {
                continue;
            }
            if (t.recipient.empty() && r.reply.size() >= 8 && failing_records > 1) {
                continue; // a report for nobody in particular: whose of several is unknown
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
        if (!is_message && code == 0 && wording(r.reply) == Wording::none) {
            continue; // pasted prose is a rejection only in a known rejection's words
        }
        r.source = is_message ? "bounce" : "reply";
        r.action = is_message ? (delay_notice || code / 100 == 4 ? "delayed" : "failed")
                              : (code / 100 == 4 ? "deferred" : "bounced");
        finalize(std::move(r), line);
    }
}

} // namespace rblscope::explain_detail
