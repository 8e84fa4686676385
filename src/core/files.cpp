#include "core/files.hpp"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fmt/format.h>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

namespace rblscope {

std::string create_private_directories(const std::string& path) {
    if (path.empty()) {
        return "an empty directory name";
    }
    // Each prefix ending before a '/', then the whole path.
    for (std::size_t at = path.find('/', 1);; at = path.find('/', at + 1)) {
        const std::string part = at == std::string::npos ? path : path.substr(0, at);
        struct stat st {};
        if (::stat(part.c_str(), &st) != 0) {
            if (::mkdir(part.c_str(), 0700) != 0 && errno != EEXIST) {
                return fmt::format("cannot create {}: {}", part, std::strerror(errno));
            }
        } else if (!S_ISDIR(st.st_mode)) {
            return fmt::format("{} is not a directory", part);
        }
        if (at == std::string::npos) {
            return "";
        }
    }
}

std::string write_file_atomically(const std::string& path, std::string_view bytes) {
    // A bare file name lives in the current directory ("state.json" has no '/').
    const auto slash = path.rfind('/');
    const std::string dir = slash == std::string::npos ? "."
                            : slash == 0               ? ""
                                                       : path.substr(0, slash);
    std::string tmp = dir + "/.tmp.XXXXXX";
    const int fd = mkstemp(tmp.data());
    if (fd < 0) {
        return fmt::format("cannot write in {}: {}", dir, std::strerror(errno));
    }
    std::size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (n <= 0) {
            break;
        }
        done += static_cast<std::size_t>(n);
    }
    const bool closed = ::close(fd) == 0;
    if (done != bytes.size() || !closed || std::rename(tmp.c_str(), path.c_str()) != 0) {
        const std::string why = std::strerror(errno);
        std::remove(tmp.c_str());
        return fmt::format("cannot write {}: {}", path, why);
    }
    return {};
}

std::optional<std::string> read_whole_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return std::nullopt;
    }
    std::ostringstream ss;
    ss << in.rdbuf();
    if (in.bad()) {
        return std::nullopt;
    }
    return std::move(ss).str();
}

} // namespace rblscope
