#pragma once
// Answer codes as the history stores them: one text, comma-separated ("127.0.0.2,127.0.0.4").

#include <string>
#include <vector>

namespace rblscope::history {

[[nodiscard]] inline std::string join_codes(const std::vector<std::string>& codes) {
    std::string out;
    for (const auto& c : codes) {
        out += (out.empty() ? "" : ",") + c;
    }
    return out;
}

[[nodiscard]] inline std::vector<std::string> split_codes(const std::string& text) {
    std::vector<std::string> out;
    std::string::size_type start = 0;
    while (start < text.size()) {
        const auto comma = text.find(',', start);
        const auto end = comma == std::string::npos ? text.size() : comma;
        out.push_back(text.substr(start, end - start));
        start = end + 1;
    }
    return out;
}

} // namespace rblscope::history
