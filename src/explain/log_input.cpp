// explain's input: files and stdin in large blocks, and growing logs from a recorded
// position (by device and inode), across rotation.

#include "rblscope/log_input.hpp"

#include "core/files.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <nlohmann/json.hpp>
#include <sys/stat.h>
#include <unistd.h>

namespace rblscope {

namespace {

constexpr std::size_t k_block = 1 << 20;
constexpr std::size_t k_max_held = 4 << 20; // an unfinished line held back at most

/// Closes the descriptor on every path out.
struct Fd {
    int fd = -1;
    explicit Fd(int f) : fd(f) {}
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    Fd(Fd&&) = delete;
    Fd& operator=(Fd&&) = delete;
    ~Fd() {
        if (fd > STDIN_FILENO) {
            ::close(fd);
        }
    }
};

/// Feeds `fd` from its current offset to the end. With `whole_lines`, bytes after the last
/// newline are held back and not fed; `consumed` is the number of bytes fed.
bool pump(int fd,
          RejectionReader& reader,
          bool whole_lines,
          std::uint64_t& consumed,
          std::string& error,
          const std::function<bool()>& stop,
          bool& interrupted) {
    std::vector<char> buf(k_block);
    std::string held; // the start of a line not ended yet
    for (;;) {
        if (stop && stop()) {
            interrupted = true;
            return true;
        }
        const auto n = ::read(fd, buf.data(), buf.size());
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            error = std::string("read error: ") + std::strerror(errno);
            return false;
        }
        if (n == 0) {
            if (!whole_lines && !held.empty()) {
                reader.feed(held);
                consumed += held.size();
            }
            return true;
        }
        std::string_view block(buf.data(), static_cast<std::size_t>(n));
        if (!whole_lines) {
            reader.feed(block);
            consumed += block.size();
            continue;
        }
        const auto nl = block.rfind('\n');
        if (nl == std::string_view::npos) {
            held.append(block);
            if (held.size() > k_max_held) {
                // A line this long is cut by the reader anyway: memory stays bounded.
                reader.feed(held);
                consumed += held.size();
                held.clear();
            }
            continue;
        }
        if (!held.empty()) {
            reader.feed(held);
            consumed += held.size();
            held.clear();
        }
        reader.feed(block.substr(0, nl + 1));
        consumed += nl + 1;
        held.assign(block.substr(nl + 1));
    }
}

constexpr std::size_t k_fingerprint_bytes = 256;

/// FNV-1a over the first and the last (up to) 256 bytes of `fd` before `offset`: the file's
/// first line (with its timestamp) and the end of what was read. 0 for offset 0.
std::uint64_t fingerprint(int fd, std::uint64_t offset) {
    std::uint64_t h = 14695981039346656037ULL;
    const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(offset, k_fingerprint_bytes));
    if (n == 0) {
        return 0;
    }
    char buf[k_fingerprint_bytes];
    for (const std::uint64_t at : {std::uint64_t{0}, offset - n}) {
        if (::pread(fd, buf, n, static_cast<off_t>(at)) != static_cast<ssize_t>(n)) {
            return 0;
        }
        for (std::size_t i = 0; i < n; ++i) {
            h = (h ^ static_cast<unsigned char>(buf[i])) * 1099511628211ULL;
        }
    }
    return h;
}

} // namespace

Result<LogPositions> LogPositions::load(const std::string& path) {
    LogPositions p;
    const auto text = read_whole_file(path);
    if (!text) {
        struct stat st {};
        if (::stat(path.c_str(), &st) != 0 && errno == ENOENT) {
            return p; // the first run
        }
        return Error{"cannot read the state file", path};
    }
    const auto doc = nlohmann::json::parse(*text, nullptr, false);
    if (doc.is_discarded() || !doc.is_object() ||
        doc.value("format", "") != "rblscope-explain-state" || !doc.contains("files") ||
        !doc["files"].is_array()) {
        return Error{"not an rblscope explain state file (delete it to start over)", path};
    }
    for (const auto& f : doc["files"]) {
        if (!f.is_object() || !f.contains("path") || !f["path"].is_string()) {
            return Error{"not an rblscope explain state file (delete it to start over)", path};
        }
        Entry e;
        e.path = f["path"].get<std::string>();
        e.device = f.value("device", std::uint64_t{0});
        e.inode = f.value("inode", std::uint64_t{0});
        e.offset = f.value("offset", std::uint64_t{0});
        e.fingerprint = f.value("fingerprint", std::uint64_t{0});
        p.m_entries.push_back(std::move(e));
    }
    return p;
}

std::string LogPositions::save(const std::string& path) const {
    nlohmann::json doc;
    doc["format"] = "rblscope-explain-state";
    doc["version"] = 1;
    doc["files"] = nlohmann::json::array();
    for (const auto& e : m_entries) {
        doc["files"].push_back({{"path", e.path},
                                {"device", e.device},
                                {"inode", e.inode},
                                {"offset", e.offset},
                                {"fingerprint", e.fingerprint}});
    }
    return write_file_atomically(path, doc.dump(2) + "\n");
}

const LogPositions::Entry* LogPositions::find(const std::string& path) const {
    for (const auto& e : m_entries) {
        if (e.path == path) {
            return &e;
        }
    }
    return nullptr;
}

void LogPositions::set(Entry entry) {
    for (auto& e : m_entries) {
        if (e.path == entry.path) {
            e = std::move(entry);
            return;
        }
    }
    m_entries.push_back(std::move(entry));
}

InputRead read_log_input(const std::string& path,
                         RejectionReader& reader,
                         LogPositions* positions,
                         const std::function<bool()>& stop) {
    InputRead out;
    const bool is_stdin = path == "-";
    if (is_stdin) {
        out.ok = pump(STDIN_FILENO, reader, false, out.bytes, out.error, stop, out.interrupted);
        return out;
    }
    const Fd file(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (file.fd < 0) {
        out.ok = false;
        out.error = std::string("cannot open: ") + std::strerror(errno);
        return out;
    }
    if (positions == nullptr) {
        out.ok = pump(file.fd, reader, false, out.bytes, out.error, stop, out.interrupted);
        return out;
    }
    struct stat st {};
    if (::fstat(file.fd, &st) != 0) {
        out.ok = false;
        out.error = std::string("cannot stat: ") + std::strerror(errno);
        return out;
    }
    const auto device = static_cast<std::uint64_t>(st.st_dev);
    const auto inode = static_cast<std::uint64_t>(st.st_ino);
    const auto* known = positions->find(path);
    if (known != nullptr && (known->device != device || known->inode != inode)) {
        // Rotated: the rest of the old file is in NAME.1 (logrotate, newsyslog) if that is it.
        const auto old_path = path + ".1";
        const Fd old(::open(old_path.c_str(), O_RDONLY | O_CLOEXEC));
        struct stat ost {};
        if (old.fd >= 0 && ::fstat(old.fd, &ost) == 0 &&
            static_cast<std::uint64_t>(ost.st_dev) == known->device &&
            static_cast<std::uint64_t>(ost.st_ino) == known->inode &&
            static_cast<std::uint64_t>(ost.st_size) >= known->offset &&
            ::lseek(old.fd, static_cast<off_t>(known->offset), SEEK_SET) >= 0) {
            if (!pump(old.fd, reader, false, out.bytes, out.error, stop, out.interrupted)) {
                out.ok = false;
                return out;
            }
        }
        out.rotated = true;
        known = nullptr;
    }
    std::uint64_t from = known == nullptr ? 0 : known->offset;
    if (from > static_cast<std::uint64_t>(st.st_size) ||
        (from > 0 && fingerprint(file.fd, from) != known->fingerprint)) {
        out.truncated = true; // copytruncate, or emptied by hand and written again
        from = 0;
    }
    if (from > 0 && ::lseek(file.fd, static_cast<off_t>(from), SEEK_SET) < 0) {
        out.ok = false;
        out.error = std::string("cannot seek: ") + std::strerror(errno);
        return out;
    }
    out.from = from;
    std::uint64_t consumed = 0;
    out.ok = pump(file.fd, reader, true, consumed, out.error, stop, out.interrupted);
    out.bytes += consumed;
    if (out.ok) {
        const auto offset = from + consumed;
        positions->set({path, device, inode, offset, fingerprint(file.fd, offset)});
    }
    return out;
}

std::string start_at_end(const std::string& path, LogPositions& positions) {
    const Fd file(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    struct stat st {};
    if (file.fd < 0 || ::fstat(file.fd, &st) != 0) {
        return std::string("cannot open: ") + std::strerror(errno);
    }
    // Back to just past the last newline, so that a line being written is read whole.
    auto end = static_cast<std::uint64_t>(st.st_size);
    char buf[4096];
    while (end > 0) {
        const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(end, sizeof buf));
        if (::pread(file.fd, buf, n, static_cast<off_t>(end - n)) != static_cast<ssize_t>(n)) {
            return std::string("read error: ") + std::strerror(errno);
        }
        const std::string_view block(buf, n);
        if (const auto nl = block.rfind('\n'); nl != std::string_view::npos) {
            end = end - n + nl + 1;
            break;
        }
        end -= n;
    }
    positions.set({path,
                   static_cast<std::uint64_t>(st.st_dev),
                   static_cast<std::uint64_t>(st.st_ino),
                   end,
                   fingerprint(file.fd, end)});
    return {};
}

void follow_logs(std::vector<FollowedLog>& logs,
                 LogPositions& positions,
                 const std::function<bool()>& wait,
                 const std::function<bool()>& stop,
                 const std::function<void(const FollowedLog&, const InputRead&)>& notice) {
    do {
        for (auto& log : logs) {
            if (stop && stop()) {
                return;
            }
            const auto read = read_log_input(log.path, *log.reader, &positions, stop);
            if (read.bytes > 0) {
                log.reader->finish(); // a bounce appended whole is parsed now
            }
            if (!read.ok ? read.error != log.last_error : (read.rotated || read.truncated)) {
                notice(log, read);
            }
            log.last_error = read.ok ? std::string() : read.error;
        }
    } while (wait());
}

} // namespace rblscope
