#include "core/hash.hpp"

#include <algorithm>
#include <array>
#include <openssl/evp.h>

namespace rblscope {

std::string normalize_email(std::string_view address) {
    std::string a(address);
    std::transform(a.begin(), a.end(), a.begin(), [](unsigned char c) {
        return static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
    });
    const auto at = a.rfind('@');
    if (at == std::string::npos) {
        return a;
    }
    std::string local = a.substr(0, at);
    std::string domain = a.substr(at + 1);
    if (const auto plus = local.find('+'); plus != std::string::npos && plus > 0) {
        local.erase(plus);
    }
    if (domain == "gmail.com" || domain == "googlemail.com") {
        std::erase(local, '.');
        domain = "gmail.com";
    }
    return local + "@" + domain;
}

namespace {

std::string digest(std::string_view input, const EVP_MD* md) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
    unsigned int len = 0;
    if (EVP_Digest(input.data(), input.size(), out.data(), &len, md, nullptr) != 1) {
        return {};
    }
    return std::string(reinterpret_cast<const char*>(out.data()), len);
}

} // namespace

std::string hex_encode(std::string_view bytes) {
    static constexpr char k_hex[] = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (const unsigned char c : bytes) {
        out += k_hex[c >> 4];
        out += k_hex[c & 0xf];
    }
    return out;
}

std::optional<std::string> hex_decode(std::string_view text) {
    if (text.size() % 2 != 0) {
        return std::nullopt;
    }
    const auto nibble = [](char c) -> int {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        return -1;
    };
    std::string out;
    out.reserve(text.size() / 2);
    for (std::size_t i = 0; i < text.size(); i += 2) {
        const int hi = nibble(text[i]);
        const int lo = nibble(text[i + 1]);
        if (hi < 0 || lo < 0) {
            return std::nullopt;
        }
        out += static_cast<char>((hi << 4) | lo);
    }
    return out;
}

std::string sha256_hex(std::string_view input) {
    return hex_encode(digest(input, EVP_sha256()));
}

std::string hash_label(std::string_view input, std::string_view scheme) {
    if (scheme == "sha1-hex") {
        return hex_encode(digest(input, EVP_sha1()));
    }
    if (scheme == "md5-hex") {
        return hex_encode(digest(input, EVP_md5()));
    }
    if (scheme == "sha256-base32") {
        static constexpr char k_b32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        const auto raw = digest(input, EVP_sha256());
        std::string out;
        std::uint32_t buffer = 0;
        int bits = 0;
        for (const unsigned char c : raw) {
            buffer = (buffer << 8) | c;
            bits += 8;
            while (bits >= 5) {
                out += k_b32[(buffer >> (bits - 5)) & 0x1f];
                bits -= 5;
            }
        }
        if (bits > 0) {
            out += k_b32[(buffer << (5 - bits)) & 0x1f];
        }
        return out;
    }
    return {};
}

} // namespace rblscope
