#include "report/json_writer.hpp"

#include <cmath>

namespace rblscope {

namespace {

// Length of a valid UTF-8 sequence at s[i] (RFC 3629: no overlongs, no surrogates), or 0.
std::size_t valid_utf8(std::string_view s, std::size_t i) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = 0;
    if (c >= 0xc2 && c <= 0xdf) {
        n = 2;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
    } else {
        return 0;
    }
    if (i + n > s.size()) {
        return 0;
    }
    const auto c1 = static_cast<unsigned char>(s[i + 1]);
    if ((c == 0xe0 && c1 < 0xa0) || (c == 0xed && c1 > 0x9f) || (c == 0xf0 && c1 < 0x90) ||
        (c == 0xf4 && c1 > 0x8f)) {
        return 0;
    }
    for (std::size_t k = 1; k < n; ++k) {
        if ((static_cast<unsigned char>(s[i + k]) & 0xc0) != 0x80) {
            return 0;
        }
    }
    return n;
}

} // namespace

void append_json_string(fmt::memory_buffer& out, std::string_view s) {
    static constexpr char k_hex[] = "0123456789abcdef";
    out.push_back('"');
    for (std::size_t i = 0; i < s.size();) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c >= 0x80) {
            const auto n = valid_utf8(s, i);
            if (n == 0) {
                out.append(std::string_view("\xEF\xBF\xBD"));
                ++i;
            } else {
                out.append(s.substr(i, n));
                i += n;
            }
            continue;
        }
        switch (c) {
        case '"':
            out.append(std::string_view("\\\""));
            break;
        case '\\':
            out.append(std::string_view("\\\\"));
            break;
        case '\n':
            out.append(std::string_view("\\n"));
            break;
        case '\r':
            out.append(std::string_view("\\r"));
            break;
        case '\t':
            out.append(std::string_view("\\t"));
            break;
        default:
            if (c < 0x20 || c == 0x7f) {
                const char esc[] = {'\\', 'u', '0', '0', k_hex[c >> 4], k_hex[c & 0xf]};
                out.append(std::string_view(esc, sizeof esc));
            } else {
                out.push_back(static_cast<char>(c));
            }
        }
        ++i;
    }
    out.push_back('"');
}

void JsonWriter::separate() {
    if (m_after_key) {
        m_after_key = false;
        return;
    }
    if (!m_first.empty()) {
        if (!m_first.back()) {
            m_out.push_back(',');
        }
        m_first.back() = false;
    }
}

void JsonWriter::open(char c) {
    separate();
    m_out.push_back(c);
    m_first.push_back(true);
}

void JsonWriter::close(char c) {
    m_first.pop_back();
    m_out.push_back(c);
}

void JsonWriter::key(std::string_view name) {
    separate();
    append_json_string(m_out, name);
    m_out.push_back(':');
    m_after_key = true;
}

void JsonWriter::value(std::string_view s) {
    separate();
    append_json_string(m_out, s);
}

void JsonWriter::value(std::int64_t v) {
    separate();
    fmt::format_to(std::back_inserter(m_out), "{}", v);
}

void JsonWriter::value(std::uint64_t v) {
    separate();
    fmt::format_to(std::back_inserter(m_out), "{}", v);
}

void JsonWriter::value(bool v) {
    separate();
    m_out.append(v ? std::string_view("true") : std::string_view("false"));
}

void JsonWriter::value(double v) {
    if (!std::isfinite(v)) {
        null();
        return;
    }
    separate();
    fmt::format_to(std::back_inserter(m_out), "{}", v);
}

void JsonWriter::null() {
    separate();
    m_out.append(std::string_view("null"));
}

void JsonWriter::strings(const std::vector<std::string>& list) {
    begin_array();
    for (const auto& s : list) {
        value(std::string_view(s));
    }
    end_array();
}

} // namespace rblscope
