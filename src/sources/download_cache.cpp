#include "sources/download_cache.hpp"

#include "core/files.hpp"
#include "core/hash.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace rblscope {

namespace fs = std::filesystem;

std::string download_dir(const std::string& cache_dir) {
    if (!cache_dir.empty()) {
        return cache_dir + "/downloads";
    }
    if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg != nullptr && *xdg == '/') {
        return std::string(xdg) + "/rblscope";
    }
    if (const char* home = std::getenv("HOME"); home != nullptr && *home == '/') {
        return std::string(home) + "/.cache/rblscope";
    }
    return {};
}

std::string download_path(const std::string& dir, const std::string& url) {
    return dir + "/" + sha256_hex(url).substr(0, 32) + ".download";
}

std::optional<StoredDownload> read_download(const std::string& path, std::chrono::seconds max_age) {
    std::error_code ec;
    const auto mtime = fs::last_write_time(path, ec);
    if (ec) {
        return std::nullopt;
    }
    const auto age =
        std::chrono::duration_cast<std::chrono::seconds>(fs::file_time_type::clock::now() - mtime);
    if (age > max_age || age.count() < -60) {
        return std::nullopt;
    }
    auto body = read_whole_file(path);
    if (!body) {
        return std::nullopt;
    }
    return StoredDownload{std::move(*body), std::max(age, std::chrono::seconds(0))};
}

std::string write_download(const std::string& path, const std::string& body) {
    if (auto why = create_private_directories(path.substr(0, path.rfind('/'))); !why.empty()) {
        return why;
    }
    return write_file_atomically(path, body);
}

} // namespace rblscope
