// Header blocks, Content-Type parameters, quoted-printable, reply codes, addresses.

#include "explain/mime.hpp"

#include "core/sanitize.hpp"
#include "core/text.hpp"

#include <algorithm>

namespace rblscope::explain_detail {

bool istarts_with(std::string_view s, std::string_view prefix) {
    return s.size() >= prefix.size() && ascii_lower(s.substr(0, prefix.size())) == prefix;
}

bool looks_like_header(std::string_view line) {
    const auto colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0 || colon > 76) {
        return false;
    }
    return std::all_of(line.begin(), line.begin() + static_cast<long>(colon), [](char c) {
        return c > ' ' && c < 127;
    });
}

/// Reads a header block up to the blank line; `lines` is left after it.

Headers read_headers(Lines& lines) {
    Headers h;
    std::string_view line;
    while (lines.next(line)) {
        if (trim_blanks(line).empty()) {
            break;
        }
        if (is_space(line.front()) && !h.fields.empty()) {
            auto& v = h.fields.back().second;
            if (v.size() < 16384) {
                v += ' ';
                v += trim_blanks(line);
            }
            continue;
        }
        if (line.starts_with("From ") && h.fields.empty()) {
            continue; // mbox separator
        }
        const auto colon = line.find(':');
        if (colon == std::string_view::npos) {
            continue;
        }
        h.fields.emplace_back(ascii_lower(trim_blanks(line.substr(0, colon))),
                              std::string(trim_blanks(line.substr(colon + 1))));
    }
    return h;
}

/// `type/subtype` (lowercase) and one parameter of a Content-Type value.
std::string content_type(const std::string& value) {
    return ascii_lower(trim_blanks(std::string_view(value).substr(0, value.find(';'))));
}
std::string parameter(const std::string& value, std::string_view name) {
    const auto lv = ascii_lower(value);
    std::size_t at = 0;
    while ((at = lv.find(name, at)) != std::string::npos) {
        const bool starts = at == 0 || lv[at - 1] == ';' || is_space(lv[at - 1]);
        auto after = at + name.size();
        while (after < lv.size() && is_space(lv[after])) {
            ++after;
        }
        if (starts && after < lv.size() && lv[after] == '=') {
            std::string_view v = std::string_view(value).substr(after + 1);
            v = trim_blanks(v);
            if (v.starts_with('"')) {
                v.remove_prefix(1);
                return std::string(v.substr(0, v.find('"')));
            }
            return std::string(trim_blanks(v.substr(0, v.find(';'))));
        }
        at += name.size();
    }
    return {};
}

std::string decode_quoted_printable(std::string_view in) {
    std::string out;
    out.reserve(in.size());
    const auto hex = [](char c) {
        return is_digit(c)              ? c - '0'
               : (c >= 'A' && c <= 'F') ? c - 'A' + 10
               : (c >= 'a' && c <= 'f') ? c - 'a' + 10
                                        : -1;
    };
    for (std::size_t i = 0; i < in.size(); ++i) {
        if (in[i] != '=') {
            out += in[i];
            continue;
        }
        if (i + 1 < in.size() && (in[i + 1] == '\n' || in[i + 1] == '\r')) { // soft break
            i += in[i + 1] == '\r' && i + 2 < in.size() && in[i + 2] == '\n' ? 2 : 1;
            continue;
        }
        if (i + 2 < in.size() && hex(in[i + 1]) >= 0 && hex(in[i + 2]) >= 0) {
            out += static_cast<char>(hex(in[i + 1]) * 16 + hex(in[i + 2]));
            i += 2;
            continue;
        }
        out += '=';
    }
    return out;
}

int reply_code(std::string_view s) {
    if (s.size() < 4 || !is_digit(s[0]) || !is_digit(s[1]) || !is_digit(s[2]) ||
        (s[3] != ' ' && s[3] != '-') || (s[0] != '4' && s[0] != '5')) {
        return 0;
    }
    return (s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0');
}

std::string address_in(std::string_view s) {
    s = trim_blanks(s);
    if (const auto lt = s.find('<'); lt != std::string_view::npos) {
        const auto gt = s.find('>', lt);
        if (gt != std::string_view::npos) {
            s = s.substr(lt + 1, gt - lt - 1);
        }
    }
    if (s.find('@') == std::string_view::npos || s.find(' ') != std::string_view::npos) {
        return {};
    }
    return sanitize_text(s, 320);
}

} // namespace rblscope::explain_detail
