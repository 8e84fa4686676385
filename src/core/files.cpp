#include "core/files.hpp"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fmt/format.h>
#include <unistd.h>

namespace rblscope {

std::string write_file_atomically(const std::string& path, std::string_view bytes) {
    const std::string dir = path.substr(0, path.rfind('/'));
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

} // namespace rblscope
