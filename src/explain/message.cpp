// Bounce messages and pasted text: RFC 5322 headers, MIME parts (RFC 2045/2046), DSN fields
// (RFC 3464) and the human-readable reports of Postfix, Exim, Sendmail and qmail.

#include "core/sanitize.hpp"
#include "core/text.hpp"
#include "explain/parse.hpp"

#include <algorithm>
#include <cctype>
#include <vector>

namespace rblscope::explain_detail {

namespace {

constexpr int k_max_depth = 8; // MIME nesting we follow; deeper parts are skipped

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\r';
}
bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

bool istarts_with(std::string_view s, std::string_view prefix) {
    return s.size() >= prefix.size() && ascii_lower(s.substr(0, prefix.size())) == prefix;
}

/// Line-by-line walk over a view, keeping line numbers.
class Lines {
  public:
    Lines(std::string_view text, std::uint64_t first) : m_text(text), m_line(first) {}
    bool next(std::string_view& line) {
        if (m_pos >= m_text.size()) {
            return false;
        }
        const auto nl = m_text.find('\n', m_pos);
        const auto end = nl == std::string_view::npos ? m_text.size() : nl;
        line = m_text.substr(m_pos, end - m_pos);
        if (!line.empty() && line.back() == '\r') {
            line.remove_suffix(1);
        }
        m_pos = nl == std::string_view::npos ? m_text.size() : nl + 1;
        ++m_line;
        return true;
    }
    [[nodiscard]] std::uint64_t line() const { return m_line; } ///< of the last line read
    [[nodiscard]] std::string_view rest() const { return m_text.substr(m_pos); }

  private:
    std::string_view m_text;
    std::size_t m_pos = 0;
    std::uint64_t m_line;
};

struct Headers {
    std::vector<std::pair<std::string, std::string>> fields; // lowercased name, unfolded value
    [[nodiscard]] std::string get(std::string_view name) const {
        for (const auto& [n, v] : fields) {
            if (n == name) {
                return v;
            }
        }
        return {};
    }
};

bool looks_like_header(std::string_view line) {
    const auto colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0 || colon > 76) {
        return false;
    }
    return std::all_of(line.begin(), line.begin() + static_cast<long>(colon), [](char c) {
        return c > ' ' && c < 127;
    });
}

/// Reads a header block up to the blank line; `lines` is left after it.
Headers read_headers(Lines& lines) {
    Headers h;
    std::string_view line;
    while (lines.next(line)) {
        if (trim_blanks(line).empty()) {
            break;
        }
        if (is_space(line.front()) && !h.fields.empty()) {
            auto& v = h.fields.back().second;
            if (v.size() < 16384) {
                v += ' ';
                v += trim_blanks(line);
            }
            continue;
        }
        if (line.starts_with("From ") && h.fields.empty()) {
            continue; // mbox separator
        }
        const auto colon = line.find(':');
        if (colon == std::string_view::npos) {
            continue;
        }
        h.fields.emplace_back(ascii_lower(trim_blanks(line.substr(0, colon))),
                              std::string(trim_blanks(line.substr(colon + 1))));
    }
    return h;
}

/// `type/subtype` (lowercase) and one parameter of a Content-Type value.
std::string content_type(const std::string& value) {
    return ascii_lower(trim_blanks(std::string_view(value).substr(0, value.find(';'))));
}
std::string parameter(const std::string& value, std::string_view name) {
    const auto lv = ascii_lower(value);
    std::size_t at = 0;
    while ((at = lv.find(name, at)) != std::string::npos) {
        const bool starts = at == 0 || lv[at - 1] == ';' || is_space(lv[at - 1]);
        auto after = at + name.size();
        while (after < lv.size() && is_space(lv[after])) {
            ++after;
        }
        if (starts && after < lv.size() && lv[after] == '=') {
            std::string_view v = std::string_view(value).substr(after + 1);
            v = trim_blanks(v);
            if (v.starts_with('"')) {
                v.remove_prefix(1);
                return std::string(v.substr(0, v.find('"')));
            }
            return std::string(trim_blanks(v.substr(0, v.find(';'))));
        }
        at += name.size();
    }
    return {};
}

std::string decode_quoted_printable(std::string_view in) {
    std::string out;
    out.reserve(in.size());
    const auto hex = [](char c) {
        return is_digit(c)              ? c - '0'
               : (c >= 'A' && c <= 'F') ? c - 'A' + 10
               : (c >= 'a' && c <= 'f') ? c - 'a' + 10
                                        : -1;
    };
    for (std::size_t i = 0; i < in.size(); ++i) {
        if (in[i] != '=') {
            out += in[i];
            continue;
        }
        if (i + 1 < in.size() && (in[i + 1] == '\n' || in[i + 1] == '\r')) { // soft break
            i += in[i + 1] == '\r' && i + 2 < in.size() && in[i + 2] == '\n' ? 2 : 1;
            continue;
        }
        if (i + 2 < in.size() && hex(in[i + 1]) >= 0 && hex(in[i + 2]) >= 0) {
            out += static_cast<char>(hex(in[i + 1]) * 16 + hex(in[i + 2]));
            i += 2;
            continue;
        }
        out += '=';
    }
    return out;
}

/// The reply code at the start of `s` ("550", "550-5.7.1", "421 4.7.0"), or 0.
int reply_code(std::string_view s) {
    if (s.size() < 4 || !is_digit(s[0]) || !is_digit(s[1]) || !is_digit(s[2]) ||
        (s[3] != ' ' && s[3] != '-') || (s[0] != '4' && s[0] != '5')) {
        return 0;
    }
    return (s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0');
}

std::string address_in(std::string_view s) {
    s = trim_blanks(s);
    if (const auto lt = s.find('<'); lt != std::string_view::npos) {
        const auto gt = s.find('>', lt);
        if (gt != std::string_view::npos) {
            s = s.substr(lt + 1, gt - lt - 1);
        }
    }
    if (s.find('@') == std::string_view::npos || s.find(' ') != std::string_view::npos) {
        return {};
    }
    return sanitize_text(s, 320);
}

/// Where the original message begins in the plain reports of each MTA.
bool copy_marker(std::string_view t) {
    return t.starts_with("------ This is a copy of the message") ||
           t.starts_with("--- Below this line is a copy of the message") ||
           t.starts_with("------- Returned mail follows") ||
           t.starts_with("----- Original message -----") ||
           istarts_with(t, "-----original message-----") ||
           t.starts_with("------ Original message follows") ||
           t.starts_with("Original message follows") ||
           t.starts_with("----- Unsent message follows -----") ||
           t.starts_with("------ This is a copy of your message") ||
           ascii_lower(t).find("copy of the original message") != std::string::npos ||
           ascii_lower(t).find("header of the original message") != std::string::npos ||
           ascii_lower(t).find("original message follows") != std::string::npos;
}

/// An enhanced status code at the start of `s` ("5.2.2 ..."), as some reports give no
/// reply code.
bool starts_with_enhanced(std::string_view s) {
    return s.size() > 6 && (s[0] == '4' || s[0] == '5') && s[1] == '.' && is_digit(s[2]) &&
           (s[3] == '.' || (is_digit(s[3]) && s[4] == '.'));
}

/// Offset of a reply code after ": " inside a line ("... returned was: 550 5.7.1 ..."), or
/// npos.
std::size_t reply_inside(std::string_view s) {
    for (auto at = s.find(": "); at != std::string_view::npos; at = s.find(": ", at + 2)) {
        if (reply_code(s.substr(at + 2)) != 0) {
            return at + 2;
        }
    }
    return std::string_view::npos;
}

/// One recipient's report in the readable part.
struct TextItem {
    std::string recipient;
    std::string host;
    std::string ip;
    std::string command;
    std::string raw; // lines joined with spaces
    std::uint64_t line = 0;
};

/// Turns one item's raw text into host, command and reply, whichever MTA wrote it.
void finish_item(TextItem& item, std::vector<Rejection>& out, const std::string& default_host) {
    std::string_view t = trim_blanks(item.raw);
    if (t.empty()) {
        return;
    }
    Rejection r;
    r.recipient = item.recipient;
    r.remote_host = item.host;
    r.remote_ip = item.ip;
    r.command = item.command;
    static constexpr std::string_view k_exim = "SMTP error from remote mail server after ";
    if (t.starts_with("host ") && (t.find(" said: ") != std::string_view::npos ||
                                   t.find(" refused to talk to me: ") != std::string_view::npos)) {
        // Postfix: reuse the log parser's reading of the same sentence.
        Rejection tmp;
        std::string text(t);
        const auto said = text.find(" said: ");
        const auto refused = text.find(" refused to talk to me: ");
        const auto cut = std::min(said, refused);
        split_host_ip(std::string_view(text).substr(5, cut - 5), r.remote_host, r.remote_ip);
        std::string_view rest = std::string_view(text).substr(cut + (cut == said ? 7 : 24));
        if (cut == refused) {
            r.command = "greeting";
        }
        if (const auto in = rest.rfind(" (in reply to "); in != std::string_view::npos) {
            auto cmd = rest.substr(in + 14);
            r.command = std::string(cmd.substr(0, cmd.find(" command")));
            rest = rest.substr(0, in);
        }
        r.reply = clean_reply(rest);
    } else if (const auto e = t.find(k_exim); e != std::string_view::npos) {
        if (const auto h = t.find("host "); h != std::string_view::npos && h < e) {
            const auto close = t.find(']', h);
            if (close != std::string_view::npos && close < e) {
                split_host_ip(t.substr(h + 5, close - h - 4), r.remote_host, r.remote_ip);
            }
        }
        auto after = t.substr(e + k_exim.size());
        const auto colon = after.find(": ");
        auto cmd = after.substr(0, colon);
        cmd = cmd.substr(0, cmd.find_first_of(":<"));
        r.command = cmd == "initial connection" ? "greeting" : std::string(trim_blanks(cmd));
        r.reply = clean_reply(colon == std::string_view::npos ? after : after.substr(colon + 2));
    } else if (const auto said = t.find("Remote host said: "); said != std::string_view::npos) {
        // qmail: "Connected to 192.0.2.1 but sender was rejected. Remote host said: ..."
        const auto before = t.substr(0, said);
        if (const auto c = before.find("Connected to "); c != std::string_view::npos) {
            split_host_ip(before.substr(c + 13), r.remote_host, r.remote_ip);
        } else {
            split_host_ip(before, r.remote_host, r.remote_ip);
        }
        auto reply = t.substr(said + 18);
        if (const auto g = reply.find(" Giving up on "); g != std::string_view::npos) {
            reply = reply.substr(0, g);
        }
        r.reply = clean_reply(reply);
    } else {
        r.reply = clean_reply(t);
    }
    if (r.remote_host.empty() && r.remote_ip.empty()) {
        r.remote_host = default_host;
    }
    if (!r.reply.empty()) {
        r.where = std::to_string(item.line);
        out.push_back(std::move(r));
    }
}

/// The readable report of a bounce (or pasted text): items per recipient.
void scan_text(std::string_view text, std::uint64_t first_line, std::vector<Rejection>& out) {
    Lines lines(text, first_line);
    std::string_view line;
    TextItem item;
    bool open = false;
    std::string talking_to; // Sendmail transcript: "... while talking to HOST.:"
    std::string last_rcpt;  // Sendmail transcript: ">>> RCPT To:<addr>"
    const auto close = [&] {
        if (open) {
            finish_item(item, out, talking_to);
        }
        item = TextItem{};
        open = false;
    };
    const auto start = [&](std::string recipient) {
        close();
        item.recipient = std::move(recipient);
        item.line = lines.line();
        open = true;
    };
    const auto append = [&](std::string_view s) {
        if (item.raw.size() < 8192) {
            item.raw += ' ';
            item.raw += s;
        }
    };
    while (lines.next(line)) {
        // A bounce forwarded as a quote ("> " lines) is read as the bounce itself; Sendmail's
        // own ">>> " command lines keep their marker.
        while (line.starts_with("> ") || line == ">" || line.starts_with(">>>>")) {
            line.remove_prefix(1);
        }
        const auto t = trim_blanks(line);
        if (copy_marker(t)) {
            break;
        }
        if (t.empty()) {
            close();
            continue;
        }
        if (t.starts_with("... while talking to ")) {
            close();
            auto host = t.substr(21);
            while (!host.empty() && (host.back() == ':' || host.back() == '.')) {
                host.remove_suffix(1);
            }
            talking_to = sanitize_text(host, 255);
            continue;
        }
        if (t.starts_with(">>> ") || t.starts_with("Sent <<< ")) {
            const auto cmd = t.substr(t.starts_with(">>> ") ? 4 : 9);
            if (istarts_with(cmd, "rcpt to:")) {
                last_rcpt = address_in(cmd.substr(8));
            }
            if (open && !item.raw.empty()) {
                close();
            }
            continue;
        }
        // Gmail's "Technical details of permanent failure:" opens the report for the address
        // named above it.
        if (t.starts_with("Technical details of ") &&
            t.find("failure:") != std::string_view::npos) {
            const auto rcpt = open ? item.recipient : last_rcpt;
            start(rcpt);
            continue;
        }
        // "Received >>> 550 ..." is InterScan's form of "<<< 550 ...".
        const bool interscan = t.starts_with("Received >>> ");
        if (t.starts_with("<<< ") || interscan) {
            const auto reply = t.substr(interscan ? 13 : 4);
            if (reply_code(reply) == 0) {
                continue;
            }
            if (!open) {
                start(last_rcpt);
                item.host = talking_to;
            }
            append(reply);
            continue;
        }
        if (const auto reason = t.find("(reason: "); reason != std::string_view::npos) {
            auto r = t.substr(reason + 9);
            if (!r.empty() && r.back() == ')') {
                r.remove_suffix(1);
            }
            if (!open) {
                start(last_rcpt);
            }
            append(r);
            continue;
        }
        // "<user@example.net>" alone (Sendmail): the "(reason: ...)" line that follows is its
        if (t.starts_with('<') && t.ends_with('>') && t.find(' ') == std::string_view::npos) {
            if (const auto addr = address_in(t); !addr.empty()) {
                close();
                last_rcpt = addr;
                continue;
            }
        }
        // "<user@example.net>: host ..." (Postfix), "<user@example.net>:" (qmail)
        if (t.starts_with('<')) {
            const auto gt = t.find(">:");
            const auto gt2 = t.find("> (expanded from <");
            if (gt != std::string_view::npos || gt2 != std::string_view::npos) {
                const auto addr = address_in(t.substr(0, t.find('>') + 1));
                if (!addr.empty()) {
                    start(addr);
                    const auto colon = t.find(">: ", gt2 == std::string_view::npos ? 0 : gt2 + 1);
                    if (colon != std::string_view::npos) {
                        append(t.substr(colon + 3));
                    }
                    continue;
                }
            }
        }
        // "user@example.net: 550 ..." (OpenSMTPD and others)
        if (const auto colon = t.find(": ");
            colon != std::string_view::npos && !open && colon < 320 && t.find('@') < colon &&
            t.substr(0, colon).find(' ') == std::string_view::npos) {
            if (const auto addr = address_in(t.substr(0, colon)); !addr.empty()) {
                start(addr);
                append(t.substr(colon + 2));
                continue;
            }
        }
        // Exim: an indented line holding only an address starts a recipient's report.
        if (is_space(line.front()) && t.find(' ') == std::string_view::npos &&
            t.find('@') != std::string_view::npos) {
            if (const auto addr = address_in(t); !addr.empty()) {
                start(addr);
                last_rcpt = addr;
                continue;
            }
        }
        if (open) {
            append(t);
            continue;
        }
        if (reply_code(t) != 0 || starts_with_enhanced(t)) {
            start({}); // a pasted reply, or a report without recipients
            append(t);
        } else if (const auto at = reply_inside(t); at != std::string_view::npos) {
            start({});
            append(t.substr(at));
        }
    }
    close();
}

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

std::string clean_reply(std::string_view raw) {
    std::string text = sanitize_text(raw, 4096);
    std::vector<std::string_view> tokens;
    std::string_view rest = text;
    while (!rest.empty()) {
        const auto sp = rest.find(' ');
        const auto tok = rest.substr(0, sp);
        if (!tok.empty()) {
            tokens.push_back(tok);
        }
        if (sp == std::string_view::npos) {
            break;
        }
        rest.remove_prefix(sp + 1);
    }
    std::string out;
    std::string code;     // "550"
    std::string enhanced; // "5.7.1"
    for (std::size_t i = 0; i < tokens.size(); ++i) {
        auto tok = tokens[i];
        const bool is_code_tok =
            tok.size() >= 4 && reply_code(std::string(tok) + " ") != 0 && tok[3] == '-';
        if (i == 0) {
            if (tok.size() == 3 && reply_code(std::string(tok) + " ") != 0) {
                code = std::string(tok);
            } else if (is_code_tok) {
                code = std::string(tok.substr(0, 3));
                if (tok.size() > 4) {
                    enhanced = std::string(tok.substr(4));
                    out = code + " " + enhanced;
                    continue;
                }
                out = code;
                continue;
            }
            if (!code.empty() && i + 1 < tokens.size() && tokens[1].size() >= 5 &&
                tokens[1][1] == '.') {
                enhanced = std::string(tokens[1]);
            }
        } else if (!code.empty()) {
            // "550-5.7.1" or "550-" continuation prefixes, and "550 5.7.1" repeated inside
            if (tok.starts_with(code + "-") &&
                (tok.size() == 4 || tok.substr(4) == enhanced || enhanced.empty())) {
                continue;
            }
            if (tok == code && i + 1 < tokens.size() && !enhanced.empty() &&
                tokens[i + 1] == enhanced) {
                ++i;
                continue;
            }
            if (tok == enhanced && i >= 2 && tokens[i - 1].starts_with(code)) {
                continue;
            }
        }
        if (out.size() + tok.size() + 1 > 2048) {
            out += " ...";
            break;
        }
        if (!out.empty()) {
            out += ' ';
        }
        out += tok;
    }
    return out;
}

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
