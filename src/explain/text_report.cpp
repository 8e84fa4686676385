// The readable part of a bounce, or pasted text: each MTA's report shape (Postfix, Exim,
// qmail, Sendmail transcripts, Gmail, "addr: reply" lines, bare replies) -> one Rejection
// per recipient; and clean_reply(), which makes one line of a multi-line reply.

#include "core/sanitize.hpp"
#include "core/text.hpp"
#include "explain/mime.hpp"
#include "explain/parse.hpp"

#include <algorithm>
#include <vector>

namespace rblscope::explain_detail {

namespace {

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

bool is_alnum(char c) {
    return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/// Offset of a 4xx/5xx reply inside a line ("Deferred: 550 ...", "returned '550 5.7.1 ...",
/// "smtp;550 ...", "said 421-4.7.0 ..."), or npos. A three-digit number alone is not a reply
/// ("size 500 bytes"): it must follow a delimiter or a word that introduces one, or carry an
/// enhanced code of its own class.
std::size_t reply_in_line(std::string_view s) {
    static constexpr std::string_view k_words[] = {"said",
                                                   "error",
                                                   "code",
                                                   "reply",
                                                   "replied",
                                                   "response",
                                                   "returned",
                                                   "answered",
                                                   "was",
                                                   "smtp",
                                                   "with",
                                                   "status",
                                                   "responded",
                                                   "message",
                                                   "reason"};
    for (std::size_t i = 0; i + 4 <= s.size(); ++i) {
        if ((s[i] != '4' && s[i] != '5') || reply_code(s.substr(i)) == 0) {
            continue;
        }
        if (i > 0 && (is_alnum(s[i - 1]) || s[i - 1] == '.' || s[i - 1] == '-' || s[i - 1] == '#' ||
                      s[i - 1] == '/')) {
            continue;
        }
        const auto after = s.substr(i + 4);
        const bool enhanced =
            after.size() > 4 && after[0] == s[i] && after[1] == '.' && is_digit(after[2]);
        if (i == 0 || enhanced) {
            return i;
        }
        // The character before (blanks skipped) and the word before it.
        std::size_t j = i;
        while (j > 0 && (s[j - 1] == ' ' || s[j - 1] == '\t')) {
            --j;
        }
        if (j == 0) {
            return i;
        }
        const char c = s[j - 1];
        if (c == ':' || c == ';' || c == '(' || c == '\'' || c == '"' || c == '[' || c == '<' ||
            c == '>' || c == '=' || c == '`') {
            return i;
        }
        std::size_t k = j;
        while (k > 0 && is_alnum(s[k - 1])) {
            --k;
        }
        const auto word = ascii_lower(s.substr(k, j - k));
        if (std::find(std::begin(k_words), std::end(k_words), word) != std::end(k_words)) {
            return i;
        }
    }
    return std::string_view::npos;
}

/// The first mail address anywhere in `s`, or empty.
std::string address_anywhere(std::string_view s) {
    for (auto at = s.find('@'); at != std::string_view::npos; at = s.find('@', at + 1)) {
        auto b = at;
        while (b > 0 && (is_alnum(s[b - 1]) ||
                         std::string_view("._+-=").find(s[b - 1]) != std::string_view::npos)) {
            --b;
        }
        auto e = at + 1;
        while (e < s.size() && (is_alnum(s[e]) || s[e] == '.' || s[e] == '-')) {
            ++e;
        }
        while (e > at + 1 && s[e - 1] == '.') {
            --e;
        }
        if (b < at && e > at + 3 &&
            s.substr(at + 1, e - at - 1).find('.') != std::string_view::npos) {
            return sanitize_text(s.substr(b, e - b), 320);
        }
    }
    return {};
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
        // qmail names the stage in words.
        if (before.find("my name was rejected") != std::string_view::npos) {
            r.command = "HELO";
        } else if (before.find("sender was rejected") != std::string_view::npos) {
            r.command = "MAIL FROM";
        } else if (before.find("does not like recipient") != std::string_view::npos) {
            r.command = "RCPT TO";
        } else if (before.find("failed after I sent the message") != std::string_view::npos) {
            r.command = "DATA";
        } else if (before.find("greeting failed") != std::string_view::npos) {
            r.command = "greeting";
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

} // namespace

void scan_text(std::string_view text,
               std::uint64_t first_line,
               const WordingTest& wording,
               std::vector<Rejection>& out) {
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
    bool claimed = false; // the current paragraph holds a report found by a reader below
    const auto start = [&](std::string recipient) {
        close();
        claimed = true;
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
    // Fallback: a paragraph no reader above claimed, worded like a known rejection
    // ("Your message to ... couldn't be delivered", qmail's "Sorry, I couldn't find any host
    // named ..."), becomes a report when nothing else in this text did.
    const std::size_t first_out = out.size();
    std::vector<TextItem> prose;
    TextItem paragraph;
    std::string last_address; // the last address named in the text, for prose without one
    const auto end_paragraph = [&] {
        if (!claimed && !paragraph.raw.empty() && wording && prose.size() < 16 &&
            wording(paragraph.raw)) {
            paragraph.recipient = address_anywhere(paragraph.raw);
            if (paragraph.recipient.empty()) {
                paragraph.recipient = !last_rcpt.empty() ? last_rcpt : last_address;
            }
            prose.push_back(std::move(paragraph));
        }
        paragraph = TextItem{};
        claimed = false;
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
            end_paragraph();
            continue;
        }
        if (paragraph.raw.empty()) {
            paragraph.line = lines.line();
        }
        if (paragraph.raw.size() < 8192) {
            paragraph.raw += paragraph.raw.empty() ? "" : " ";
            paragraph.raw += t;
        }
        if (auto a = address_anywhere(t); !a.empty() && prose.empty()) {
            last_address = std::move(a); // "Your message to a@b couldn't be delivered." above
        }
        claimed = claimed || open;
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
        if (starts_with_enhanced(t)) {
            start({}); // a report without recipients or reply code
            append(t);
        } else if (const auto at = reply_in_line(t); at != std::string_view::npos) {
            start({}); // a pasted reply, with whatever came before it on the line
            append(t.substr(at));
        }
    }
    close();
    end_paragraph();
    if (out.size() == first_out) {
        for (auto& p : prose) {
            p.raw = " " + p.raw;
            finish_item(p, out, talking_to);
        }
    }
}

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

} // namespace rblscope::explain_detail
