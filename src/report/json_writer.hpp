#pragma once
// A minimal streaming JSON writer for reports (output only; parsing uses nlohmann/json).
// Building a DOM per target cost more than all the DNS work, so objects are written
// straight into a buffer. Strings are escaped and invalid UTF-8 becomes U+FFFD, so the
// document stays valid whatever bytes came off the network.

#include <cstdint>
#include <fmt/format.h>
#include <string_view>
#include <vector>

namespace rblscope {

class JsonWriter {
  public:
    explicit JsonWriter(fmt::memory_buffer& out) : m_out(out) {}

    void begin_object() { open('{'); }
    void end_object() { close('}'); }
    void begin_array() { open('['); }
    void end_array() { close(']'); }

    /// Writes `"name":` (inside an object; the next call writes the value).
    void key(std::string_view name);

    void value(std::string_view s);
    void value(const char* s) { value(std::string_view(s)); }
    void value(std::int64_t v);
    void value(std::uint64_t v);
    void value(int v) { value(static_cast<std::int64_t>(v)); }
    void value(std::uint32_t v) { value(static_cast<std::uint64_t>(v)); }
    void value(bool v);
    /// Shortest round-trip form; NaN and infinities (never expected) are written as null.
    void value(double v);
    void null();
    /// A string, or null when empty.
    void string_or_null(std::string_view s) { s.empty() ? null() : value(s); }
    void strings(const std::vector<std::string>& list);

    /// Appends a newline between top-level items (keeps the document line-oriented).
    void raw(std::string_view text) { m_out.append(text.data(), text.data() + text.size()); }

  private:
    void separate();
    void open(char c);
    void close(char c);

    fmt::memory_buffer& m_out;
    std::vector<bool> m_first; ///< per nesting level: no element written yet
    bool m_after_key = false;
};

/// Appends `s` as a JSON string literal (quotes included).
void append_json_string(fmt::memory_buffer& out, std::string_view s);

} // namespace rblscope
