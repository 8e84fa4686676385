#include "core/text.hpp"

#include <fmt/format.h>
#include <openssl/evp.h>

namespace rblscope {

std::string ascii_lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out) {
        if (c >= 'A' && c <= 'Z') {
            c = static_cast<char>(c + ('a' - 'A'));
        }
    }
    return out;
}

std::string ascii_upper(std::string_view s) {
    std::string out(s);
    for (auto& c : out) {
        if (c >= 'a' && c <= 'z') {
            c = static_cast<char>(c - ('a' - 'A'));
        }
    }
    return out;
}

std::string_view trim_blanks(std::string_view s) {
    const auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
    while (!s.empty() && blank(s.front())) {
        s.remove_prefix(1);
    }
    while (!s.empty() && blank(s.back())) {
        s.remove_suffix(1);
    }
    return s;
}

std::string base64_decode(std::string_view in) {
    std::string clean;
    clean.reserve(in.size());
    for (const char c : in) {
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            c == '+' || c == '/' || c == '=') {
            clean += c;
        }
    }
    std::string out(clean.size() / 4 * 3 + 3, '\0');
    EVP_ENCODE_CTX* ctx = EVP_ENCODE_CTX_new();
    EVP_DecodeInit(ctx);
    int n = 0;
    int total = 0;
    auto* dst = reinterpret_cast<unsigned char*>(out.data());
    if (EVP_DecodeUpdate(ctx,
                         dst,
                         &n,
                         reinterpret_cast<const unsigned char*>(clean.data()),
                         static_cast<int>(clean.size())) >= 0) {
        total = n;
        if (EVP_DecodeFinal(ctx, dst + total, &n) > 0) {
            total += n;
        }
    }
    EVP_ENCODE_CTX_free(ctx);
    out.resize(static_cast<std::size_t>(total < 0 ? 0 : total));
    return out;
}

std::string percent_text(double ratio) {
    auto text = fmt::format("{:.2f}", ratio * 100);
    text.erase(text.find_last_not_of('0') + 1);
    if (text.back() == '.') {
        text.pop_back();
    }
    return text + " %";
}

std::string counted(std::size_t n, std::string_view one, std::string_view many) {
    std::string out = std::to_string(n) + " ";
    if (n == 1) {
        out += one;
    } else if (many.empty()) {
        out += one;
        out += 's';
    } else {
        out += many;
    }
    return out;
}

} // namespace rblscope
