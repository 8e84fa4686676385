// The readable part of a bounce, or pasted text: each MTA's report shape (Postfix, Exim,
// qmail, Sendmail transcripts, Lotus Notes, Exchange 2003, Gmail, "addr: reply" lines, bare
// replies) -> one Rejection per recipient, and the prose fallback for text no reader claimed.

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
           t.starts_with("------- Returned Message") || // Lotus Notes
           t.starts_with("Message headers follow") ||   // DragonFly Mail Agent
           ascii_lower(t).find("copy of the original message") != std::string::npos ||
           ascii_lower(t).find("header of the original message") != std::string::npos ||
           ascii_lower(t).find("original message follows") != std::string::npos;
}

/// One recipient's report in the readable part.
struct TextItem {
    std::string recipient;
    std::string host;
    std::string ip;
    std::string command;
    std::string raw; // lines joined with spaces
    std::uint64_t line = 0;
    Wording wording = Wording::none; // prose only: how it is worded
};

/// Exchange 5.5-2003: "      user@example.com on 4/29/01 11:34:45 PM" under "The following
/// recipient(s) could not be reached:" starts that recipient's reasons. The address, or "".
std::string exchange_recipient_line(std::string_view t) {
    const auto on = t.find(" on ");
    if (on == std::string_view::npos || on + 5 > t.size() || !is_digit(t[on + 4])) {
        return {};
    }
    const auto addr = t.substr(0, on);
    if (addr.find_first_of(" \t") != std::string_view::npos ||
        addr.find('@') == std::string_view::npos) {
        return {};
    }
    return address_in(addr);
}

/// Sendmail: "550 <user@example.net>... User unknown" gives one recipient's result. The
/// address, or "".
std::string sendmail_recipient_line(std::string_view t) {
    if (t.size() < 8 || reply_code(t) == 0 || t[3] != ' ' || t[4] != '<') {
        return {};
    }
    const auto close = t.find(">... ");
    if (close == std::string_view::npos) {
        return {};
    }
    return address_in(t.substr(4, close - 3));
}

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
    if (read_postfix_host_report(t, r)) {
        // Postfix: "host X[IP] said: ..." or "... refused to talk to me: ..."
    } else if (const auto e = t.find(k_exim); e != std::string_view::npos) {
        if (const auto h = t.find("host "); h != std::string_view::npos && h < e) {
            const auto close = t.find(']', h);
            if (close != std::string_view::npos && close < e) {
                split_host_ip(t.substr(h + 5, close - h - 4), r.remote_host, r.remote_ip);
            }
        }
        auto after = t.substr(e + k_exim.size());
        const auto colon = after.find(": ");
        r.command = normalize_command(after.substr(0, colon));
        r.reply = clean_reply(colon == std::string_view::npos ? after : after.substr(colon + 2));
    } else if (const auto was = t.find("the other server returned was: ");
               was != std::string_view::npos) {
        // Gmail: "... rejected by the server for the recipient domain example.jp by
        // mx.example.jp. [192.0.2.1]. The error that the other server returned was: 550 ..."
        const auto before = t.substr(0, was);
        if (const auto by = before.rfind(" by "); by != std::string_view::npos) {
            auto host = before.substr(by + 4);
            host = host.substr(
                0, host.find(']') == std::string_view::npos ? host.size() : host.find(']') + 1);
            split_host_ip(host, r.remote_host, r.remote_ip);
            while (!r.remote_host.empty() && r.remote_host.back() == '.') {
                r.remote_host.pop_back();
            }
        }
        r.reply = clean_reply(t.substr(was + 31));
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
    std::string talking_to;     // Sendmail transcript: "... while talking to HOST.:"
    std::string last_rcpt;      // Sendmail transcript: ">>> RCPT To:<addr>"
    bool notes = false;         // Lotus Notes: inside "------- Failure Reasons --------"
    bool across_blanks = false; // the open report goes on past blank lines (Gmail's)
    const auto close = [&] {
        if (open) {
            finish_item(item, out, talking_to);
        }
        item = TextItem{};
        open = false;
        across_blanks = false;
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
        const auto worded = !claimed && !paragraph.raw.empty() && wording && prose.size() < 16
                                ? wording(paragraph.raw)
                                : Wording::none;
        if (worded != Wording::none) {
            paragraph.wording = worded;
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
            if (!across_blanks) {
                close();
            }
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
        if (t.starts_with("... while talking to ") || t.starts_with("While talking to ")) {
            close();
            auto host = t.substr(t.find("talking to ") + 11);
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
        // Lotus Notes: the reasons, then the address they are for, under "Failure Reasons".
        if (t.starts_with("------- Failure Reasons")) {
            close();
            notes = true;
            continue;
        }
        if (notes) {
            if (const auto addr = address_in(t);
                !addr.empty() && t.find_first_of(" \t") == std::string_view::npos) {
                if (open && item.recipient.empty()) {
                    item.recipient = addr;
                }
                close();
                continue;
            }
            if (!open) {
                start({});
            }
            append(t);
            continue;
        }
        // Exchange 5.5-2003: "user@example.com on DATE" and the reasons indented below it.
        if (is_space(line.front())) {
            if (auto addr = exchange_recipient_line(t); !addr.empty()) {
                start(std::move(addr));
                continue;
            }
        }
        // Gmail's "Technical details of permanent failure:" opens the report for the address
        // named above it.
        if (t.starts_with("Technical details of ") &&
            t.find("failure:") != std::string_view::npos) {
            const auto rcpt = open ? item.recipient : last_rcpt;
            start(rcpt);
            across_blanks = true; // "The error that the other server returned was:" follows
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
        // Sendmail's result for one recipient: "550 <user@example.net>... User unknown". The
        // "<<<" reply above it (an item without a recipient yet) is this recipient's.
        if (auto addr = sendmail_recipient_line(t); !addr.empty()) {
            if (!(open && (item.recipient.empty() || item.recipient == addr))) {
                start(addr);
                item.host = talking_to;
            }
            item.recipient = std::move(addr);
            append(t);
            continue;
        }
        // Sendmail's result for a host: "421 example.org (smtp)... Deferred: ...". The next
        // recipient line says it again for its address; it does not belong to the one before.
        if (reply_code(t) != 0 && t.size() > 4 && t[3] == ' ' &&
            (t.find(" (smtp)... ") != std::string_view::npos ||
             t.find(" (esmtp)... ") != std::string_view::npos)) {
            if (open && !item.recipient.empty()) {
                close();
                continue;
            }
            if (!open) {
                start(last_rcpt);
                item.host = talking_to;
            }
            append(t);
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
        // Exim: an indented line holding only an address starts a recipient's report (not
        // "To:<TAB>user@example.com" in an NDR's summary).
        if (is_space(line.front()) && t.find_first_of(" \t:") == std::string_view::npos &&
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
        // A paragraph that says why wins over one that only says the mail failed.
        const bool specific = std::any_of(prose.begin(), prose.end(), [](const TextItem& p) {
            return p.wording == Wording::specific;
        });
        for (auto& p : prose) {
            if (specific && p.wording != Wording::specific) {
                continue;
            }
            p.raw = " " + p.raw;
            finish_item(p, out, talking_to);
        }
    }
}

} // namespace rblscope::explain_detail
