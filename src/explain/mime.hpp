#pragma once
// The small pieces of RFC 5322 / MIME that the bounce parsers share: a line walker,
// header blocks, Content-Type parameters, quoted-printable, reply codes and addresses.

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rblscope::explain_detail {

inline bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\r';
}
inline bool is_digit(char c) {
    return c >= '0' && c <= '9';
}
/// Case-insensitive prefix test; `prefix` is lowercase.
bool istarts_with(std::string_view s, std::string_view prefix);

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

/// "Name: value" where the name is printable ASCII without spaces.
bool looks_like_header(std::string_view line);
/// Reads a header block up to the blank line; `lines` is left after it.
Headers read_headers(Lines& lines);
/// `type/subtype` (lowercase) of a Content-Type value.
std::string content_type(const std::string& value);
/// One parameter (`boundary`, `charset`) of a Content-Type value.
std::string parameter(const std::string& value, std::string_view name);
std::string decode_quoted_printable(std::string_view in);
/// The reply code at the start of `s` ("550", "550-5.7.1", "421 4.7.0"), or 0.
int reply_code(std::string_view s);
/// The address in "<user@example.net>" or "user@example.net", or empty.
std::string address_in(std::string_view s);

} // namespace rblscope::explain_detail
