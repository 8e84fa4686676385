#pragma once
// The front end's one way to tell the user what went wrong: "rblscope: MESSAGE" on stderr
// (only the front end prints; the library reports into sinks). The last error is kept, so
// that a Monitoring Plugins caller whose run ended before its report still gets a status
// line on stdout.

#include <fmt/format.h>
#include <string>
#include <string_view>

namespace rblscope::cli {

/// Prints "rblscope: MESSAGE" and keeps MESSAGE as the last error.
void error_text(std::string_view message);
/// Prints "rblscope: warning: MESSAGE".
void warning_text(std::string_view message);
/// Prints "rblscope: MESSAGE", a notice that is not an error (a log was rotated).
void note_text(std::string_view message);

template <typename... Args> void error(fmt::format_string<Args...> format, Args&&... args) {
    error_text(fmt::format(format, std::forward<Args>(args)...));
}
template <typename... Args> void warning(fmt::format_string<Args...> format, Args&&... args) {
    warning_text(fmt::format(format, std::forward<Args>(args)...));
}

template <typename... Args> void note(fmt::format_string<Args...> format, Args&&... args) {
    note_text(fmt::format(format, std::forward<Args>(args)...));
}

/// The last error printed with error(), or "".
[[nodiscard]] const std::string& last_error();

/// The command's report has begun: it will say itself how the run ended.
void mark_output_started();
[[nodiscard]] bool output_started();

} // namespace rblscope::cli
