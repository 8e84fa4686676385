#pragma once
/// \file target.hpp
/// \brief What the user asked about: IP, CIDR block, hostname or email address.

#include "rblscope/error.hpp"
#include "rblscope/ip.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace rblscope {

/// One target as typed by the user, classified.
struct Target {
    enum class Kind : std::uint8_t { ip, cidr, hostname, email };
    Kind kind = Kind::ip;
    std::string text;         ///< As given (trimmed).
    IpAddress ip;             ///< kind == ip
    std::optional<Cidr> cidr; ///< kind == cidr
    std::string hostname;     ///< kind == hostname: lowercase, no trailing dot;
                              ///< kind == email: the domain part
    std::string email;        ///< kind == email: lowercased address
    std::string where;        ///< "targets.txt:12" for file input, else empty
    /// What of the text was not used, said once to the user: "the port 25 was ignored"
    /// (from [2001:db8::1]:25 or 192.0.2.1:25), "the zone index %eth0 was ignored".
    /// Empty when the text is exactly the target.
    std::string note;
};

/// Classifies one target string, all of its bytes (a NUL byte is refused, never a
/// terminator). Accepted as well: a leading byte-order mark, `[IPv6]`, `[IPv6]:PORT`,
/// `IPv4:PORT` and an IPv6 zone index (`fe80::1%eth0`), with a `note` saying what was
/// ignored. Refused with the reason: control characters, legacy IPv4 notations (octal,
/// hexadecimal, fewer than four parts: `0177.0.0.1` is 127.0.0.1 to inet_aton, 177.0.0.1
/// to a reader) and host names whose last label is all digits (RFC 1123, 3696).
[[nodiscard]] Result<Target> parse_target(std::string_view text);

/// True for a syntactically valid DNS hostname (letters, digits, hyphens, underscores in
/// labels, at least two labels, labels <= 63 octets, total <= 253).
[[nodiscard]] bool is_valid_hostname(std::string_view name);

/// Reads targets one line at a time from a file descriptor: '#' starts a comment, blank
/// lines are skipped, lines longer than 4 KiB are refused (and skipped). Memory is one
/// bounded buffer, so input of any size streams. A UTF-8 byte-order mark at the start is
/// skipped; a UTF-16 file is refused as such (one error, nothing read from it).
///
/// Never blocks: on a pipe or terminal without a complete line yet, next() returns nullopt
/// with waiting() true; the caller waits until fd() is readable and asks again (the engine
/// does this in its event loop, so a paused pipe costs no CPU and stops no lookups).
class TargetReader {
  public:
    /// `fd` is not owned. `name` is used in error locations ("-" is shown as "stdin").
    TargetReader(int fd, std::string name);

    /// The next target or a line-numbered error; nullopt at end of input or while waiting.
    [[nodiscard]] std::optional<Result<Target>> next();

    /// True when the last next() returned nullopt because no complete line is there yet.
    [[nodiscard]] bool waiting() const noexcept { return m_waiting; }
    [[nodiscard]] int fd() const noexcept { return m_fd; }

    static constexpr std::size_t max_line = 4096;

  private:
    int m_fd;
    std::string m_name;
    std::string m_buffer;
    std::size_t m_pos = 0;    ///< start of the unread part of m_buffer
    std::uint64_t m_line = 0; ///< lines returned or refused so far
    bool m_eof = false;
    bool m_waiting = false;
    bool m_skipping = false;      ///< inside a refused over-long line
    bool m_checked_start = false; ///< the byte-order mark, if any, was looked at
};

} // namespace rblscope
