#pragma once
/// \file target.hpp
/// \brief What the user asked about: IP, CIDR block, hostname or email address.

#include "rblscope/error.hpp"
#include "rblscope/ip.hpp"

#include <cstdint>
#include <istream>
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
};

/// Classifies one target string. Errors say what the text looked like and why it was refused.
[[nodiscard]] Result<Target> parse_target(std::string_view text);

/// True for a syntactically valid DNS hostname (letters, digits, hyphens, underscores in
/// labels, at least two labels, labels <= 63 octets, total <= 253).
[[nodiscard]] bool is_valid_hostname(std::string_view name);

/// Reads targets one line at a time from a stream: '#' starts a comment, blank lines are
/// skipped. Never holds more than one line, so input of any size streams.
class TargetReader {
  public:
    /// `name` is used in error locations ("-" is shown as "stdin").
    TargetReader(std::istream& in, std::string name);

    /// The next target or a line-numbered error; nullopt at end of input.
    [[nodiscard]] std::optional<Result<Target>> next();

  private:
    std::istream& m_in;
    std::string m_name;
    std::uint64_t m_line = 0;
};

} // namespace rblscope
