#pragma once
// Helpers shared by the fuzz targets: slicing the fuzzer's bytes into fields, and the
// invariants every target checks (a violated invariant aborts, so libFuzzer keeps the input).

#include "rblscope/catalog.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace rblscope::fuzz {

/// Reads fields off the input: a byte, or a string up to a separator byte.
class FuzzInput {
  public:
    FuzzInput(const std::uint8_t* data, std::size_t size)
        : m_rest(reinterpret_cast<const char*>(data), size) {}

    [[nodiscard]] bool empty() const noexcept { return m_rest.empty(); }
    [[nodiscard]] std::string_view rest() const noexcept { return m_rest; }

    std::uint8_t byte() {
        if (m_rest.empty()) {
            return 0;
        }
        const auto b = static_cast<std::uint8_t>(m_rest.front());
        m_rest.remove_prefix(1);
        return b;
    }

    /// Up to the next `separator` (dropped), or the rest of the input.
    std::string_view field(char separator = '\0') {
        const auto at = m_rest.find(separator);
        const auto out = m_rest.substr(0, at);
        m_rest.remove_prefix(at == std::string_view::npos ? m_rest.size() : at + 1);
        return out;
    }

  private:
    std::string_view m_rest;
};

/// Aborts with a message: libFuzzer then saves the input as a crash.
[[noreturn]] inline void fail(const char* what, std::string_view text) {
    std::fprintf(stderr,
                 "invariant violated: %s: [%.*s]\n",
                 what,
                 static_cast<int>(text.size()),
                 text.data());
    std::abort();
}

/// The catalog shipped with rblscope (lists.toml), loaded once.
inline const Catalog& shipped_catalog() {
    static const Catalog catalog = [] {
        auto loaded = load_catalog(RBLSCOPE_CATALOG_FILE);
        if (!loaded) {
            fail("cannot load the catalog", loaded.error().to_string());
        }
        return std::move(loaded).value();
    }();
    return catalog;
}

/// Text that reaches a terminal: no C0 control byte (tab included) and no DEL.
inline void expect_printable(std::string_view text, const char* what) {
    for (const char c : text) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7f) {
            fail(what, text);
        }
    }
}

/// Text that reaches a terminal line by line: as above, but newlines are allowed.
inline void expect_printable_lines(std::string_view text, const char* what) {
    for (const char c : text) {
        const auto u = static_cast<unsigned char>(c);
        if ((u < 0x20 && c != '\n') || u == 0x7f) {
            fail(what, text);
        }
    }
}

} // namespace rblscope::fuzz
