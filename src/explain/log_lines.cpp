// MTA log lines: Postfix and Sendmail (syslog), Exim mainlog, qmail-send.
//
// Speed matters here (a gateway's log is gigabytes): every line is rejected or accepted on
// a couple of memchr/memmem scans, and only deferral and bounce lines are parsed further.

#include "core/sanitize.hpp"
#include "explain/parse.hpp"
#include "rblscope/ip.hpp"

#include <algorithm>
#include <array>
#include <cstring>

namespace rblscope::explain_detail {

namespace {

std::size_t find(std::string_view hay, std::string_view needle, std::size_t from = 0) {
    if (from > hay.size()) {
        return std::string_view::npos;
    }
    const void* p = memmem(hay.data() + from, hay.size() - from, needle.data(), needle.size());
    return p == nullptr ? std::string_view::npos
                        : static_cast<std::size_t>(static_cast<const char*>(p) - hay.data());
}

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

std::string_view next_token(std::string_view s, std::size_t& pos) {
    while (pos < s.size() && s[pos] == ' ') {
        ++pos;
    }
    const auto start = pos;
    while (pos < s.size() && s[pos] != ' ') {
        ++pos;
    }
    return s.substr(start, pos - start);
}

/// Syslog prefix: "Mon DD HH:MM:SS host prog[pid]: " (BSD) or "2026-11-20T10:00:00+00:00
/// host prog[pid]: " (RFC 5424 style). Returns the offset of the message, or npos.
std::size_t syslog_header(std::string_view line, std::string& time, std::string& host) {
    std::size_t pos = 0;
    if (line.size() > 16 && line[3] == ' ' && line[6] == ' ' && line[9] == ':' && line[12] == ':') {
        time = std::string(line.substr(0, 15));
        pos = 15;
    } else if (line.size() > 20 && is_digit(line[0]) && line[4] == '-' && line[7] == '-' &&
               line[10] == 'T') {
        time = std::string(next_token(line, pos));
    } else {
        return std::string_view::npos;
    }
    host = std::string(next_token(line, pos));
    const auto prog = next_token(line, pos);
    if (prog.empty() || prog.back() != ':') {
        return std::string_view::npos;
    }
    return pos < line.size() ? pos + 1 : pos;
}

/// The value of ", key=" up to the next ", " (or the end).
std::string_view field(std::string_view line, std::string_view key, std::size_t from) {
    const auto at = find(line, key, from);
    if (at == std::string_view::npos) {
        return {};
    }
    const auto start = at + key.size();
    const auto end = line.find(", ", start);
    return line.substr(start, end == std::string_view::npos ? line.size() - start : end - start);
}

std::string strip_angles(std::string_view s) {
    if (s.size() >= 2 && s.front() == '<') {
        const auto close = s.find('>');
        s = s.substr(1, close == std::string_view::npos ? s.size() - 1 : close - 1);
    }
    return sanitize_text(s, 320);
}

/// "host X[IP] said: REPLY (in reply to CMD command)" and friends (Postfix status text).
void postfix_text(std::string_view text, Rejection& out) {
    static constexpr std::string_view k_in_reply = " (in reply to ";
    static constexpr std::string_view k_suspended = "delivery temporarily suspended: ";
    if (text.starts_with(k_suspended)) { // an earlier failure to the same destination
        text.remove_prefix(k_suspended.size());
    }
    // "connect to HOST[IP]:25: ...", "lost connection with HOST[IP] while ...",
    // "conversation with HOST[IP] timed out while ...": the MTA's own words, with the host.
    for (const std::string_view lead :
         {"connect to ", "lost connection with ", "conversation with "}) {
        if (text.starts_with(lead) && out.remote_host.empty()) {
            const auto close = text.find(']');
            if (close != std::string_view::npos) {
                split_host_ip(text.substr(lead.size(), close + 1 - lead.size()),
                              out.remote_host,
                              out.remote_ip);
            }
        }
    }
    if (const auto said = find(text, " said: ");
        said != std::string_view::npos && text.starts_with("host ")) {
        split_host_ip(text.substr(5, said - 5), out.remote_host, out.remote_ip);
        text.remove_prefix(said + 7);
        if (const auto in = text.rfind(k_in_reply); in != std::string_view::npos) {
            auto cmd = text.substr(in + k_in_reply.size());
            if (const auto end = cmd.find(" command"); end != std::string_view::npos) {
                out.command = std::string(cmd.substr(0, end));
            }
            text = text.substr(0, in);
        }
    } else if (const auto refused = find(text, " refused to talk to me: ");
               refused != std::string_view::npos && text.starts_with("host ")) {
        split_host_ip(text.substr(5, refused - 5), out.remote_host, out.remote_ip);
        text.remove_prefix(refused + 24);
        out.command = "greeting";
    }
    out.reply = clean_reply(text);
}

/// The fields Postfix and Sendmail delivery lines share: syslog time and host, the queue
/// id and to=. Returns where the message text starts, or npos when it is not syslog.
std::size_t queue_line_fields(std::string_view line, std::string_view source, Rejection& out) {
    const auto msg = syslog_header(line, out.time, out.log_host);
    if (msg == std::string_view::npos) {
        return msg;
    }
    std::size_t pos = msg;
    auto qid = next_token(line, pos);
    if (!qid.empty() && qid.back() == ':') {
        qid.remove_suffix(1);
    }
    out.source = std::string(source);
    out.queue_id = sanitize_text(qid, 64);
    out.recipient = strip_angles(field(line, "to=", msg));
    return msg;
}

LineKind postfix_line(std::string_view line, std::size_t status_at, Rejection& out) {
    auto status = line.substr(status_at + 8);
    status = status.substr(0, status.find(' '));
    if (status == "sent" || status == "deliverable") {
        return LineKind::log;
    }
    if ((status != "deferred" && status != "bounced" && status != "expired" &&
         status != "undeliverable") ||
        find(line, " to=") == std::string_view::npos) {
        return LineKind::log;
    }
    const auto msg = queue_line_fields(line, "postfix", out);
    if (msg == std::string_view::npos) {
        return LineKind::log;
    }
    if (const auto relay = field(line, ", relay=", msg); !relay.empty() && relay != "none") {
        split_host_ip(relay, out.remote_host, out.remote_ip);
    }
    out.status = sanitize_text(field(line, ", dsn=", msg), 16);
    out.action = status == "undeliverable" ? "bounced" : std::string(status);
    const auto open = line.find(" (", status_at);
    if (open != std::string_view::npos) {
        auto text = line.substr(open + 2);
        if (!text.empty() && text.back() == ')') {
            text.remove_suffix(1);
        }
        postfix_text(text, out);
    }
    return LineKind::rejection;
}

LineKind sendmail_line(std::string_view line, std::size_t stat_at, Rejection& out) {
    const auto stat = line.substr(stat_at + 6);
    if (stat.empty() || stat.starts_with("Sent") || stat.starts_with("sent") ||
        find(line, " to=") == std::string_view::npos) {
        return LineKind::log;
    }
    const auto msg = queue_line_fields(line, "sendmail", out);
    if (msg == std::string_view::npos) {
        return LineKind::log;
    }
    // relay=mx.example.net. [192.0.2.1] or relay=[192.0.2.1]
    split_host_ip(field(line, ", relay=", msg), out.remote_host, out.remote_ip);
    while (!out.remote_host.empty() && out.remote_host.back() == '.') {
        out.remote_host.pop_back();
    }
    out.status = sanitize_text(field(line, ", dsn=", msg), 16);
    const bool deferred = stat.starts_with("Deferred") || out.status.starts_with('4');
    out.action = deferred ? "deferred" : "bounced";
    auto text = stat;
    if (text.starts_with("Deferred: ")) {
        text.remove_prefix(10);
    }
    out.reply = clean_reply(text);
    return LineKind::rejection;
}

/// Exim mainlog: "2026-11-20 10:00:00[.123] [+0000] [[pid]] ID ** rcpt ...: text".
LineKind exim_line(std::string_view line, Rejection& out) {
    std::size_t pos = 0;
    const auto date = next_token(line, pos);
    auto clock = next_token(line, pos);
    auto tok = next_token(line, pos);
    if (!tok.empty() && (tok[0] == '+' || tok[0] == '-')) {
        tok = next_token(line, pos); // time zone
    }
    if (tok.starts_with('[')) {
        tok = next_token(line, pos); // [pid]
    }
    const auto id = tok;
    const auto flag = next_token(line, pos);
    if (flag != "**" && flag != "==") {
        return LineKind::log;
    }
    out.source = "exim";
    out.time = std::string(date) + " " + std::string(clock);
    out.queue_id = sanitize_text(id, 64);
    out.action = flag == "**" ? "bounced" : "deferred";
    const auto rcpt = next_token(line, pos);
    out.recipient = strip_angles(rcpt.ends_with(':') ? rcpt.substr(0, rcpt.size() - 1) : rcpt);
    auto rest = line.substr(pos);
    if (const auto h = find(rest, " H="); h != std::string_view::npos) {
        auto hv = rest.substr(h + 3);
        const auto end = hv.find(']');
        split_host_ip(hv.substr(0, end == std::string_view::npos ? 0 : end + 1),
                      out.remote_host,
                      out.remote_ip);
    }
    static constexpr std::string_view k_smtp_error = "SMTP error from remote mail server after ";
    if (const auto e = find(rest, k_smtp_error); e != std::string_view::npos) {
        auto after = rest.substr(e + k_smtp_error.size());
        const auto colon = after.find(": ");
        auto cmd = after.substr(0, colon);
        cmd = cmd.substr(0, cmd.find_first_of(":<"));
        out.command = cmd == "initial connection" ? "greeting" : std::string(cmd);
        after = colon == std::string_view::npos ? std::string_view{} : after.substr(colon + 2);
        if (after.starts_with("host ")) { // "host mx.example.net [192.0.2.1]: 421 ..."
            const auto end = after.find("]: ");
            if (end != std::string_view::npos) {
                split_host_ip(after.substr(5, end - 4), out.remote_host, out.remote_ip);
                after.remove_prefix(end + 3);
            }
        }
        out.reply = clean_reply(after);
    } else if (const auto d = find(rest, "defer ("); d != std::string_view::npos) {
        const auto colon = rest.find(": ", d);
        out.reply =
            clean_reply(colon == std::string_view::npos ? rest.substr(d) : rest.substr(colon + 2));
    } else {
        const auto colon = rest.find(": ");
        out.reply = clean_reply(colon == std::string_view::npos ? rest : rest.substr(colon + 2));
    }
    return LineKind::rejection;
}

/// qmail-send: "... delivery 442: failure: 192.0.2.1_does_not_like_recipient./Remote_host_
/// said:_550_5.1.1_User_unknown/Giving_up_on_192.0.2.1./"; recipients come from the
/// earlier "starting delivery 442: msg 123 to remote user@example.net".
LineKind qmail_line(std::string_view line, std::size_t at, LogState& state, Rejection& out) {
    std::size_t pos = at + 9;
    auto num = next_token(line, pos);
    if (num.empty() || num.back() != ':') {
        return LineKind::log;
    }
    num.remove_suffix(1);
    if (num.empty() || !std::all_of(num.begin(), num.end(), is_digit)) {
        return LineKind::log;
    }
    const auto kind = next_token(line, pos);
    if (kind == "success:") {
        state.qmail_recipients.erase(std::string(num));
        return LineKind::log;
    }
    if (kind != "failure:" && kind != "deferral:") {
        return LineKind::log;
    }
    out.source = "qmail";
    syslog_header(line, out.time, out.log_host);
    if (out.time.empty()) {
        out.time = std::string(line.substr(0, line.find(' ')));
    }
    out.queue_id = std::string(num);
    out.action = kind == "failure:" ? "bounced" : "deferred";
    if (auto it = state.qmail_recipients.find(std::string(num));
        it != state.qmail_recipients.end()) {
        out.recipient = std::move(it->second);
        state.qmail_recipients.erase(it);
    }
    std::string text(line.substr(std::min(pos + 1, line.size())));
    for (auto& c : text) {
        c = c == '_' ? ' ' : c;
    }
    std::string_view t = text;
    if (const auto said = find(t, "Remote host said: "); said != std::string_view::npos) {
        const auto before = t.substr(0, said);
        std::string host;
        split_host_ip(before.substr(0, before.find(' ')), host, out.remote_ip);
        if (find(before, "does not like recipient") != std::string_view::npos) {
            out.command = "RCPT TO";
        } else if (find(before, "sender was rejected") != std::string_view::npos) {
            out.command = "MAIL FROM";
        } else if (find(before, "greeting failed") != std::string_view::npos) {
            out.command = "greeting";
        } else if (find(before, "DATA") != std::string_view::npos) {
            out.command = "DATA";
        }
        t.remove_prefix(said + 18);
        if (const auto g = find(t, "/Giving up"); g != std::string_view::npos) {
            t = t.substr(0, g);
        }
    }
    // '/' separates reply lines in qmail's log; a trailing one is only the line end.
    while (!t.empty() && t.back() == '/') {
        t.remove_suffix(1);
    }
    std::string joined(t);
    for (std::size_t i = 0; i + 1 < joined.size(); ++i) {
        if (joined[i] == '/' && (joined[i + 1] == ' ' || is_digit(joined[i + 1]))) {
            joined[i] = ' ';
        }
    }
    out.reply = clean_reply(joined);
    return LineKind::rejection;
}

} // namespace

void split_host_ip(std::string_view text, std::string& host, std::string& ip) {
    const auto open = text.find('[');
    if (open == std::string_view::npos) {
        auto name = text.substr(0, text.find(' '));
        if (IpAddress::parse(name)) {
            ip = sanitize_text(name, 64);
            return;
        }
        // "host:25" (one colon; IPv6 literals have more)
        if (const auto colon = name.find(':');
            colon != std::string_view::npos &&
            name.find(':', colon + 1) == std::string_view::npos) {
            name = name.substr(0, colon);
        }
        host = sanitize_text(name, 255);
        return;
    }
    auto name = text.substr(0, open);
    while (!name.empty() && name.back() == ' ') {
        name.remove_suffix(1);
    }
    host = sanitize_text(name, 255);
    const auto close = text.find(']', open);
    auto addr = text.substr(open + 1, close == std::string_view::npos ? 0 : close - open - 1);
    if (addr.starts_with("IPv6:") || addr.starts_with("ipv6:")) {
        addr.remove_prefix(5);
    }
    ip = sanitize_text(addr, 64);
}

/// The program token of a syslog line ("postfix/smtp[123]:"); empty when it is not syslog.
std::string_view syslog_program(std::string_view line) {
    std::size_t pos = 0;
    if (line.size() > 16 && line[3] == ' ' && line[6] == ' ' && line[9] == ':' && line[12] == ':') {
        pos = 15;
    } else if (line.size() > 20 && is_digit(line[0]) && line[4] == '-' && line[7] == '-' &&
               line[10] == 'T') {
        next_token(line, pos);
    } else {
        return {};
    }
    next_token(line, pos); // host
    const auto prog = next_token(line, pos);
    return prog.ends_with(':') ? prog : std::string_view{};
}

LineKind parse_log_line(std::string_view line, LogState& state, Rejection& out) {
    // Exim mainlog lines start with the date; syslog lines with a month name or an ISO
    // stamp; qmail's own log with a tai64n stamp.
    if (line.size() > 20 && is_digit(line[0]) && line[4] == '-' && line[7] == '-' &&
        line[10] == ' ' && line[13] == ':') {
        return exim_line(line, out);
    }
    const bool tai64n = line.starts_with("@4000");
    const auto prog = syslog_program(line);
    if (prog.empty() && !tai64n) {
        return LineKind::text;
    }
    if (tai64n || prog.starts_with("qmail")) {
        const auto at = find(line, "delivery ");
        if (at == std::string_view::npos) {
            return LineKind::log;
        }
        std::size_t pos = at + 9;
        const auto num = next_token(line, pos);
        if (const auto to = find(line, " to remote "); to != std::string_view::npos) {
            // "starting delivery 442: msg 123 to remote user@example.net"
            if (state.qmail_recipients.size() < 100000 && num.size() > 1) {
                state.qmail_recipients[std::string(num.substr(0, num.size() - 1))] =
                    sanitize_text(line.substr(to + 11), 320);
            }
            return LineKind::log;
        }
        return qmail_line(line, at, state, out);
    }
    // Postfix programs are "NAME/SERVICE[PID]:" (NAME is "postfix" unless syslog_name
    // says otherwise); Sendmail logs as sendmail or sm-mta. Other daemons are skipped
    // without a scan.
    if (prog.find('/') == std::string_view::npos && !prog.starts_with("sendmail") &&
        !prog.starts_with("sm-mta") && !prog.starts_with("sm-msp")) {
        return LineKind::log;
    }
    for (std::size_t at = find(line, " stat"); at != std::string_view::npos;
         at = find(line, " stat", at + 5)) {
        const auto rest = line.substr(at + 5);
        if (rest.starts_with("us=")) {
            return postfix_line(line, at, out);
        }
        if (rest.starts_with("=")) {
            return sendmail_line(line, at, out);
        }
    }
    return LineKind::log;
}

} // namespace rblscope::explain_detail
