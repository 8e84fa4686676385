#pragma once
// Downloaded lists (e.g. Spamhaus DROP) kept on disk between runs, so a check every few
// minutes fetches them at most every few hours, as their publishers ask.

#include <chrono>
#include <optional>
#include <string>

namespace rblscope {

/// Where downloads are kept: DIR/downloads under --cache DIR, else
/// $XDG_CACHE_HOME/rblscope or ~/.cache/rblscope; empty when none can be named.
[[nodiscard]] std::string download_dir(const std::string& cache_dir);

/// The file that holds the download of `url` under `dir` (named by a hash of the URL).
[[nodiscard]] std::string download_path(const std::string& dir, const std::string& url);

struct StoredDownload {
    std::string body;
    std::chrono::seconds age{0};
};

/// The stored body, if the file exists and is younger than `max_age`.
[[nodiscard]] std::optional<StoredDownload> read_download(const std::string& path,
                                                          std::chrono::seconds max_age);

/// Stores `body` atomically (temporary file + rename). Returns an error text, or "".
[[nodiscard]] std::string write_download(const std::string& path, const std::string& body);

} // namespace rblscope
