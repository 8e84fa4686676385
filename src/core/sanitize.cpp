#include "core/sanitize.hpp"

#include <cstdint>

namespace rblscope {

namespace {

// Length of a valid UTF-8 sequence starting at s[i], or 0; its code point in `cp`.
std::size_t utf8_length(std::string_view s, std::size_t i, std::uint32_t& cp) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = 0;
    cp = 0;
    if (c >= 0xc2 && c <= 0xdf) {
        n = 2;
        cp = c & 0x1fu;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        cp = c & 0x0fu;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        cp = c & 0x07u;
    } else {
        return 0;
    }
    if (i + n > s.size()) {
        return 0;
    }
    for (std::size_t k = 1; k < n; ++k) {
        const auto cc = static_cast<unsigned char>(s[i + k]);
        if ((cc & 0xc0) != 0x80) {
            return 0;
        }
        cp = (cp << 6) | (cc & 0x3fu);
    }
    // Overlong forms, surrogates, beyond U+10FFFF.
    if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10ffff ||
        (cp >= 0xd800 && cp <= 0xdfff)) {
        return 0;
    }
    return n;
}

// Characters that steer a terminal or reorder what is shown: C1 controls (U+0080..U+009F;
// U+009B is a one-byte CSI on some terminals) and the bidirectional embeddings, overrides
// and isolates (U+202A..U+202E, U+2066..U+2069), which can make a listing read as another.
bool is_control(std::uint32_t cp) {
    return (cp >= 0x80 && cp <= 0x9f) || (cp >= 0x202a && cp <= 0x202e) ||
           (cp >= 0x2066 && cp <= 0x2069);
}

} // namespace

std::string sanitize_text(std::string_view in, std::size_t max_bytes) {
    std::string out;
    out.reserve(std::min(in.size(), max_bytes + 3));
    for (std::size_t i = 0; i < in.size();) {
        if (out.size() >= max_bytes) {
            out += "...";
            break;
        }
        const auto c = static_cast<unsigned char>(in[i]);
        if (c < 0x80) {
            if (c == '\t' || c == '\n' || c == '\r') {
                out += ' ';
            } else if (c >= 0x20 && c != 0x7f) {
                out += static_cast<char>(c);
            }
            ++i;
            continue;
        }
        std::uint32_t cp = 0;
        const auto n = utf8_length(in, i, cp);
        if (n == 0) {
            out += "\xEF\xBF\xBD"; // invalid bytes
            ++i;
            continue;
        }
        if (!is_control(cp)) {
            out.append(in.substr(i, n));
        }
        i += n;
    }
    return out;
}

} // namespace rblscope
