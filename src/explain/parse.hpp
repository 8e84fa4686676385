#pragma once
// Parsers behind RejectionReader: one MTA log line at a time, or one bounce message /
// pasted text as a whole. Pure functions over text; no I/O.

#include "rblscope/explain.hpp"

#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace rblscope::explain_detail {

/// What a line turned out to be.
enum class LineKind : std::uint8_t {
    rejection, ///< an MTA log line reporting a deferral or a bounce (`out` is filled)
    log,       ///< some other log line (delivered, connect, another daemon ...)
    text,      ///< not a log line: part of a bounce message or pasted text
};

/// State the qmail log needs across lines: which recipient a delivery number is for.
struct LogState {
    std::unordered_map<std::string, std::string> qmail_recipients;
};

/// Classifies one line (no newline) and parses it when it reports a rejection.
LineKind parse_log_line(std::string_view line, LogState& state, Rejection& out);

/// How prose without a reply code is worded: like no rule, like the vague rules (category
/// unknown: "could not be delivered" and nothing more), or like a rule that says why.
enum class Wording : std::uint8_t { none, vague, specific };
/// Whether prose without a reply code is worded like a known rejection (a rule's pattern).
using WordingTest = std::function<Wording(std::string_view)>;

/// Finds every rejection in one bounce message (headers, MIME parts, DSN fields, the
/// human-readable part of each MTA's format) or in pasted text. `where` is the location
/// of its first line; rejections get the location of the line that reported them.
void parse_message(std::string_view text,
                   std::string_view source_name,
                   std::uint64_t first_line,
                   const WordingTest& wording,
                   const std::function<void(Rejection&&)>& sink);

/// The readable report of a bounce (or pasted text): one Rejection per recipient's report,
/// `where` holding the line number only (the caller adds the source name).
void scan_text(std::string_view text,
               std::uint64_t first_line,
               const WordingTest& wording,
               std::vector<Rejection>& out);

/// An enhanced status code at the start of `s` ("5.2.2 ..."), as some reports give no
/// reply code.
bool starts_with_enhanced(std::string_view s);

/// Offset of a 4xx/5xx reply inside a line ("Deferred: 550 ...", "returned '550 5.7.1 ...",
/// "smtp;550 ...", "said 421-4.7.0 ..."), or npos. A three-digit number alone is not a reply
/// ("size 500 bytes"): it must follow a delimiter or a word that introduces one, or carry an
/// enhanced code of its own class.
std::size_t reply_in_line(std::string_view s);

/// The first mail address anywhere in `s`, or empty.
std::string address_anywhere(std::string_view s);

/// The SMTP command a report names, as one word or two: "RCPT TO:<a@b>" -> "RCPT TO",
/// "EHLO mx.example.net" -> "EHLO", "end of data" -> "DATA", "initial connection" ->
/// "greeting".
std::string normalize_command(std::string_view cmd);

/// A reply as one line: whitespace collapsed, the repeated "550-5.7.1" prefixes of
/// multi-line replies dropped, control characters removed, at most 2 KiB.
std::string clean_reply(std::string_view raw);

/// Postfix's own sentence about a remote reply ("host mx[192.0.2.1] said: 550 ... (in reply
/// to RCPT TO command)", "host mx[192.0.2.1] refused to talk to me: 421 ...", either after
/// "delivery temporarily suspended: "): the remote host, address, command and reply into
/// `r`. False (and `r` untouched) for other text.
bool read_postfix_host_report(std::string_view text, Rejection& r);

/// Splits "host[1.2.3.4]:25" or "host [1.2.3.4]" into name and address.
void split_host_ip(std::string_view text, std::string& host, std::string& ip);

} // namespace rblscope::explain_detail
