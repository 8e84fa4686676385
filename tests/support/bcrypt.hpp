#pragma once
// A bcrypt hash of a password, as htpasswd -B makes them, for web configuration files in
// tests (libcrypt; a low cost keeps the tests quick, 10 is what the README suggests).

#include <array>
#include <crypt.h>
#include <stdexcept>
#include <string>

namespace rblscope::test {

inline std::string bcrypt_hash(const std::string& password, int cost = 4) {
    std::array<char, CRYPT_GENSALT_OUTPUT_SIZE> salt{};
    crypt_data data{};
    if (crypt_gensalt_rn("$2b$", cost, nullptr, 0, salt.data(), salt.size()) == nullptr) {
        throw std::runtime_error("crypt_gensalt_rn cannot make a bcrypt salt");
    }
    const char* hash = crypt_r(password.c_str(), salt.data(), &data);
    if (hash == nullptr || hash[0] == '*') {
        throw std::runtime_error("crypt_r cannot make a bcrypt hash");
    }
    return hash;
}

} // namespace rblscope::test
