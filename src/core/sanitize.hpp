#pragma once
// Text from the network (TXT records, HTTP bodies) or from the user, made safe to print.

#include <cstddef>
#include <string>
#include <string_view>

namespace rblscope {

/// Drops C0/C1 control characters and DEL (so no terminal escape sequence survives) and
/// the bidirectional override/isolate characters, turns tabs and newlines into spaces, replaces
/// invalid UTF-8 with U+FFFD and truncates to `max_bytes` (marking the cut with "...").
[[nodiscard]] std::string sanitize_text(std::string_view in, std::size_t max_bytes = 512);

} // namespace rblscope
