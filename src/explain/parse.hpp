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

/// Whether prose without a reply code is worded like a known rejection (a rule's pattern).
using WordingTest = std::function<bool(std::string_view)>;

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

/// A reply as one line: whitespace collapsed, the repeated "550-5.7.1" prefixes of
/// multi-line replies dropped, control characters removed, at most 2 KiB.
std::string clean_reply(std::string_view raw);

/// Splits "host[1.2.3.4]:25" or "host [1.2.3.4]" into name and address.
void split_host_ip(std::string_view text, std::string& host, std::string& ip);

} // namespace rblscope::explain_detail
