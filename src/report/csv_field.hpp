#pragma once
// CSV fields as RFC 4180 writes them: CRLF line ends, fields with separators, quotes or line
// breaks quoted, quotes doubled. A field that a spreadsheet would run as a formula (it
// starts with = + - @, a tab or CR: OWASP's CSV injection) gets a leading ' and quotes: TXT
// records are written by whoever runs the list.

#include <fmt/format.h>
#include <string_view>

namespace rblscope::csv {

/// Appends one field and its separator (`last`: the line end).
inline void field(fmt::memory_buffer& out, std::string_view s, bool last = false) {
    const bool formula =
        !s.empty() && std::string_view("=+-@\t\r").find(s.front()) != std::string_view::npos;
    if (!formula && s.find_first_of(",\"\r\n") == std::string_view::npos) {
        out.append(s);
    } else {
        out.push_back('"');
        if (formula) {
            out.push_back('\'');
        }
        for (const char c : s) {
            if (c == '"') {
                out.push_back('"');
            }
            out.push_back(c);
        }
        out.push_back('"');
    }
    out.append(last ? std::string_view("\r\n") : std::string_view(","));
}

} // namespace rblscope::csv
