#include "core/idn.hpp"

#include <cstdlib>
#include <idn2.h>

namespace rblscope {

bool has_non_ascii(std::string_view name) noexcept {
    for (const char c : name) {
        if (static_cast<unsigned char>(c) >= 0x80) {
            return true;
        }
    }
    return false;
}

Result<std::string> domain_to_ascii(std::string_view name) {
    const std::string input(name); // idn2 reads a NUL-terminated string
    if (input.find('\0') != std::string::npos) {
        return Error{"contains a NUL byte", ""};
    }
    char* out = nullptr;
    const int rc = idn2_to_ascii_8z(input.c_str(), &out, IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT);
    if (rc != IDN2_OK) {
        return Error{idn2_strerror(rc), ""};
    }
    std::string ascii(out);
    idn2_free(out);
    return ascii;
}

} // namespace rblscope
