#pragma once
// Text into HTML, for the pages rblscope writes (vet --html, serve's status page): every
// character that could open markup or end an attribute is escaped; a link is made only
// of an http(s) URL.

#include <string>
#include <string_view>

namespace rblscope::html {

[[nodiscard]] inline std::string esc(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (const char c : s) {
        switch (c) {
        case '&':
            out += "&amp;";
            break;
        case '<':
            out += "&lt;";
            break;
        case '>':
            out += "&gt;";
            break;
        case '"':
            out += "&quot;";
            break;
        case '\'':
            out += "&#39;";
            break;
        default:
            out += c;
        }
    }
    return out;
}

/// `<a href="URL">TEXT</a>` for an http(s) URL; otherwise the escaped text alone (a
/// "javascript:" URL from a catalog override or the network never becomes a link).
[[nodiscard]] inline std::string link(std::string_view url, std::string_view text) {
    if (!url.starts_with("https://") && !url.starts_with("http://")) {
        return esc(text);
    }
    return "<a href=\"" + esc(url) + "\" rel=\"noreferrer\">" + esc(text) + "</a>";
}

} // namespace rblscope::html
