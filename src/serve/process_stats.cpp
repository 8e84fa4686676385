// The exporter's own process figures (process_* series), read the way Prometheus client
// libraries read them.

#include "serve/metrics.hpp"

#include <cstdio>
#include <filesystem>
#include <sys/resource.h>
#include <unistd.h>

namespace rblscope::exporter {

// CPU, memory and descriptors of this process, from getrusage, /proc/self and rlimits.
ProcessStats process_stats(double start_unix) {
    ProcessStats p;
    p.start_unix = start_unix;
    rusage ru{};
    if (getrusage(RUSAGE_SELF, &ru) == 0) {
        const auto seconds = [](const timeval& t) {
            return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
        };
        p.cpu_seconds = seconds(ru.ru_utime) + seconds(ru.ru_stime);
    }
    if (std::FILE* f = std::fopen("/proc/self/statm", "r")) {
        unsigned long long size = 0;
        unsigned long long resident = 0;
        if (std::fscanf(f, "%llu %llu", &size, &resident) == 2) {
            p.resident_bytes = resident * static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE));
        }
        std::fclose(f);
    }
    std::error_code ec;
    for (auto it = std::filesystem::directory_iterator("/proc/self/fd", ec);
         !ec && it != std::filesystem::directory_iterator();
         it.increment(ec)) {
        ++p.open_fds;
    }
    rlimit rl{};
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
        p.max_fds = rl.rlim_cur;
    }
    return p;
}

} // namespace rblscope::exporter
