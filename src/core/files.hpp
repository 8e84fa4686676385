#pragma once
// Files rblscope keeps between runs (answer cache, downloaded lists).

#include <optional>
#include <string>
#include <string_view>

namespace rblscope {

/// Writes `bytes` to `path` through a temporary file in the same directory and a rename, so
/// a concurrent reader sees the old file or the new one, never half of one. The directory
/// must exist. Returns an error text, or "" on success.
[[nodiscard]] std::string write_file_atomically(const std::string& path, std::string_view bytes);

/// Creates `path` and its missing parents with mode 0700: what rblscope keeps (the
/// addresses you check, your SNDS data) is yours alone. Directories that exist are left as
/// they are. Returns an error text, or "" on success.
[[nodiscard]] std::string create_private_directories(const std::string& path);

/// The whole content of a file, or nullopt when it cannot be opened or read.
[[nodiscard]] std::optional<std::string> read_whole_file(const std::string& path);

} // namespace rblscope
