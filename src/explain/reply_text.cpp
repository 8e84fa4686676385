// One piece of report text: a reply found inside a line, a reply as one clean line, the
// command a report names, Postfix's sentence about a remote reply, a mail address anywhere.
// Pure functions shared by the readers of reports (text_report.cpp) and DSNs (message.cpp).

#include "core/sanitize.hpp"
#include "core/text.hpp"
#include "explain/mime.hpp"
#include "explain/parse.hpp"

#include <algorithm>
#include <vector>

namespace rblscope::explain_detail {

namespace {

bool is_alnum(char c) {
    return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

} // namespace

bool starts_with_enhanced(std::string_view s) {
    return s.size() > 6 && (s[0] == '4' || s[0] == '5') && s[1] == '.' && is_digit(s[2]) &&
           (s[3] == '.' || (is_digit(s[3]) && s[4] == '.'));
}

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

std::string normalize_command(std::string_view cmd) {
    cmd = trim_blanks(cmd);
    if (istarts_with(cmd, "pipelined ")) {
        cmd.remove_prefix(10);
    }
    const auto lower = ascii_lower(cmd);
    if (lower.starts_with("initial connection") || lower == "greeting" || lower == "connect") {
        return "greeting";
    }
    if (lower.starts_with("end of data") || lower.starts_with("data")) {
        return "DATA";
    }
    for (const std::string_view two : {"mail from", "rcpt to"}) {
        if (lower.starts_with(two)) {
            return ascii_upper(two);
        }
    }
    for (const std::string_view one : {"ehlo", "helo", "mail", "rcpt", "auth", "starttls"}) {
        if (lower.starts_with(one) &&
            (lower.size() == one.size() || lower[one.size()] == ' ' || lower[one.size()] == ':')) {
            return ascii_upper(one);
        }
    }
    return std::string(cmd.substr(0, 32));
}

bool read_postfix_host_report(std::string_view t, Rejection& r) {
    // "delivery temporarily suspended:" repeats an earlier refusal; the refusal is what counts.
    if (t.starts_with("delivery temporarily suspended: ")) {
        t.remove_prefix(32);
    }
    const auto said = t.find(" said: ");
    const auto refused = t.find(" refused to talk to me: ");
    if (!t.starts_with("host ") ||
        (said == std::string_view::npos && refused == std::string_view::npos)) {
        return false;
    }
    const auto cut = std::min(said, refused);
    split_host_ip(t.substr(5, cut - 5), r.remote_host, r.remote_ip);
    std::string_view rest = t.substr(cut + (cut == said ? 7 : 24));
    if (cut == refused) {
        r.command = "greeting";
    }
    if (const auto in = rest.rfind(" (in reply to "); in != std::string_view::npos) {
        auto cmd = rest.substr(in + 14);
        r.command = std::string(cmd.substr(0, cmd.find(" command")));
        rest = rest.substr(0, in);
    }
    r.reply = clean_reply(rest);
    return true;
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
                    out = code;
                    out += ' ';
                    out += enhanced;
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
