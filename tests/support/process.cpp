#include "support/process.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <netinet/in.h>
#include <poll.h>
#include <random>
#include <spawn.h>
#include <sstream>
#include <stdexcept>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

extern char** environ;

namespace rblscope::test {

namespace {

std::vector<char*> c_argv(const std::vector<std::string>& argv) {
    std::vector<char*> out;
    for (const auto& a : argv) {
        out.push_back(const_cast<char*>(a.c_str()));
    }
    out.push_back(nullptr);
    return out;
}

std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// The test's environment without what tests decide themselves (colour, keys) or set in
// `extra`, plus `extra`.
std::vector<std::string> child_env(const std::vector<std::string>& extra) {
    const auto overridden = [&](std::string_view entry) {
        const auto name = entry.substr(0, entry.find('=') + 1);
        return std::any_of(extra.begin(), extra.end(), [&](const std::string& x) {
            return std::string_view(x).starts_with(name);
        });
    };
    std::vector<std::string> env;
    for (char** e = environ; *e != nullptr; ++e) {
        if (std::strncmp(*e, "NO_COLOR=", 9) != 0 && std::strncmp(*e, "RBLSCOPE_", 9) != 0 &&
            !overridden(*e)) {
            env.emplace_back(*e);
        }
    }
    env.insert(env.end(), extra.begin(), extra.end());
    // The machine's own catalog overrides (/etc/rblscope/lists.d) never reach a test.
    if (!overridden("RBLSCOPE_LISTS_D=")) {
        env.emplace_back("RBLSCOPE_LISTS_D=");
    }
    return env;
}

/// posix_spawn with the file actions (destroyed here) and the test's environment.
int spawn(const std::vector<std::string>& argv,
          posix_spawn_file_actions_t& fa,
          const std::vector<std::string>& extra_env,
          pid_t& pid) {
    const auto env_store = child_env(extra_env);
    auto args = c_argv(argv);
    auto envp = c_argv(env_store);
    const int rc = posix_spawnp(&pid, argv[0].c_str(), &fa, nullptr, args.data(), envp.data());
    posix_spawn_file_actions_destroy(&fa);
    return rc;
}

void close_fd(int& fd) {
    if (fd >= 0) {
        ::close(fd);
        fd = -1;
    }
}

} // namespace

Interactive::Interactive(const std::vector<std::string>& argv,
                         const std::vector<std::string>& extra_env) {
    // Writing to a child that has exited must be an error here, not the test's death.
    std::signal(SIGPIPE, SIG_IGN);
    int in[2], out[2], err[2];
    if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) {
        throw std::runtime_error("pipe failed");
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in[0], 0);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    posix_spawn_file_actions_adddup2(&fa, err[1], 2);
    pid_t pid = -1;
    const int rc = spawn(argv, fa, extra_env, pid);
    ::close(in[0]);
    ::close(out[1]);
    ::close(err[1]);
    m_in = in[1];
    m_out = out[0];
    m_err = err[0];
    if (rc != 0) {
        throw std::runtime_error("cannot start " + argv[0] + ": " + std::strerror(rc));
    }
    m_pid = pid;
}

Interactive::~Interactive() {
    if (m_pid > 0) {
        kill(m_pid, SIGKILL);
        waitpid(m_pid, nullptr, 0);
    }
    close_fd(m_in);
    close_fd(m_out);
    close_fd(m_err);
}

void Interactive::write(const std::string& text) {
    if (m_in >= 0) {
        [[maybe_unused]] const auto n = ::write(m_in, text.data(), text.size());
    }
}

void Interactive::close_stdin() {
    close_fd(m_in);
}

void Interactive::close_stdout() {
    close_fd(m_out);
}

void Interactive::signal(int sig) {
    if (m_pid > 0) {
        kill(m_pid, sig);
    }
}

std::string Interactive::read_line(std::chrono::milliseconds timeout) {
    const auto until = std::chrono::steady_clock::now() + timeout;
    while (true) {
        if (const auto nl = m_out_buffer.find('\n'); nl != std::string::npos) {
            auto line = m_out_buffer.substr(0, nl);
            m_out_buffer.erase(0, nl + 1);
            return line;
        }
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            until - std::chrono::steady_clock::now());
        if (m_out < 0 || left.count() <= 0) {
            return "";
        }
        pollfd p{m_out, POLLIN, 0};
        if (poll(&p, 1, static_cast<int>(left.count())) <= 0) {
            return "";
        }
        char buf[4096];
        const auto n = ::read(m_out, buf, sizeof buf);
        if (n <= 0) {
            close_fd(m_out);
            return "";
        }
        m_out_buffer.append(buf, static_cast<std::size_t>(n));
    }
}

Interactive::Finished Interactive::wait(std::chrono::milliseconds timeout) {
    Finished f;
    const auto until = std::chrono::steady_clock::now() + timeout;
    f.out = std::move(m_out_buffer);
    m_out_buffer.clear();
    // Read both pipes to their end (a full pipe would stall the child), then reap it.
    while (m_out >= 0 || m_err >= 0) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            until - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            return f; // the destructor kills it
        }
        std::vector<pollfd> fds;
        for (const int fd : {m_out, m_err}) {
            if (fd >= 0) {
                fds.push_back({fd, POLLIN, 0});
            }
        }
        if (poll(fds.data(), fds.size(), static_cast<int>(left.count())) <= 0) {
            continue;
        }
        for (const auto& p : fds) {
            if (p.revents == 0) {
                continue;
            }
            char buf[4096];
            const auto n = ::read(p.fd, buf, sizeof buf);
            const bool is_out = p.fd == m_out;
            if (n <= 0) {
                close_fd(is_out ? m_out : m_err);
            } else {
                (is_out ? f.out : f.err).append(buf, static_cast<std::size_t>(n));
            }
        }
    }
    int status = 0;
    rusage usage{};
    while (true) {
        const pid_t done = wait4(m_pid, &status, WNOHANG, &usage);
        if (done == m_pid) {
            break;
        }
        if (std::chrono::steady_clock::now() >= until) {
            return f;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    m_pid = -1;
    f.exited = true;
    f.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    f.cpu_seconds = static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
                    static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
    return f;
}

std::string make_temp_dir() {
    std::string tmpl = "/tmp/rblscope-test-XXXXXX";
    if (mkdtemp(tmpl.data()) == nullptr) {
        throw std::runtime_error("mkdtemp failed");
    }
    return tmpl;
}

void write_file(const std::string& path, const std::string& content) {
    std::ofstream out(path, std::ios::binary);
    out << content;
}

RunResult run(const std::vector<std::string>& argv,
              const std::string& input,
              const std::vector<std::string>& extra_env) {
    // Removed at exit; one directory for every run of this process.
    static const struct RunDir {
        std::string path = make_temp_dir();
        ~RunDir() {
            std::error_code ec;
            std::filesystem::remove_all(path, ec);
        }
    } run_dir;
    const std::string& dir = run_dir.path;
    static int counter = 0;
    const std::string base = dir + "/run" + std::to_string(counter++);
    write_file(base + ".in", input);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, (base + ".in").c_str(), O_RDONLY, 0);
    posix_spawn_file_actions_addopen(
        &fa, 1, (base + ".out").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addopen(
        &fa, 2, (base + ".err").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    pid_t pid = -1;
    const int rc = spawn(argv, fa, extra_env, pid);
    RunResult r;
    if (rc != 0) {
        r.err = std::string("spawn failed: ") + std::strerror(rc);
        return r;
    }
    int status = 0;
    waitpid(pid, &status, 0);
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    r.out = slurp(base + ".out");
    r.err = slurp(base + ".err");
    return r;
}

Server::Server(const std::vector<std::string>& argv) {
    int fds[2];
    if (pipe(fds) != 0) {
        throw std::runtime_error("pipe failed");
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
    posix_spawn_file_actions_addclose(&fa, fds[0]);
    auto args = c_argv(argv);
    pid_t pid = -1;
    const int rc = posix_spawnp(&pid, argv[0].c_str(), &fa, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    close(fds[1]);
    if (rc != 0) {
        close(fds[0]);
        throw std::runtime_error("cannot start " + argv[0] + ": " + std::strerror(rc));
    }
    m_pid = pid;
    m_out = fds[0];
}

Server::~Server() {
    if (m_pid > 0) {
        kill(m_pid, SIGTERM);
        waitpid(m_pid, nullptr, 0);
    }
    if (m_out >= 0) {
        close(m_out);
    }
}

Server::Server(Server&& other) noexcept : m_pid(other.m_pid), m_out(other.m_out) {
    other.m_pid = -1;
    other.m_out = -1;
}

Server& Server::operator=(Server&& other) noexcept {
    std::swap(m_pid, other.m_pid);
    std::swap(m_out, other.m_out);
    return *this;
}

std::string Server::first_line() {
    std::string line;
    char c = 0;
    pollfd p{m_out, POLLIN, 0};
    while (poll(&p, 1, 10000) > 0 && read(m_out, &c, 1) == 1 && c != '\n') {
        line += c;
    }
    return line;
}

namespace {

bool bindable(int type, int port) {
    const int fd = socket(AF_INET, type, 0);
    if (fd < 0) {
        return false;
    }
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const bool ok = bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    close(fd);
    return ok;
}

/// A port free for both UDP and TCP (DNS servers listen on both), picked at random below
/// the kernel's ephemeral range (32768 and up), so that no outgoing connection of a test
/// running in parallel (curl, Prometheus) and no "port 0" listener can take it before the
/// server under test binds it.
int free_port() {
    static std::mt19937 pick(std::random_device{}() ^ static_cast<unsigned>(getpid()));
    std::uniform_int_distribution<int> range(20000, 32767);
    for (int attempt = 0; attempt < 500; ++attempt) {
        const int port = range(pick);
        if (bindable(SOCK_DGRAM, port) && bindable(SOCK_STREAM, port)) {
            return port;
        }
    }
    throw std::runtime_error("no free port between 20000 and 32767");
}

} // namespace

int free_udp_port() {
    return free_port();
}

int free_tcp_port() {
    return free_port();
}

bool wait_for_dns(int port, const std::string& probe_name) {
    const int fd = socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    std::string q("\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00", 12);
    std::size_t start = 0;
    while (start <= probe_name.size()) {
        auto dot = probe_name.find('.', start);
        if (dot == std::string::npos) {
            dot = probe_name.size();
        }
        q += static_cast<char>(dot - start);
        q += probe_name.substr(start, dot - start);
        start = dot + 1;
    }
    q += std::string("\x00\x00\x01\x00\x01", 5);
    for (int i = 0; i < 100; ++i) {
        sendto(fd, q.data(), q.size(), 0, reinterpret_cast<sockaddr*>(&a), sizeof a);
        pollfd p{fd, POLLIN, 0};
        if (poll(&p, 1, 100) > 0) {
            char buf[512];
            if (recv(fd, buf, sizeof buf, 0) > 0) {
                close(fd);
                return true;
            }
        }
    }
    close(fd);
    return false;
}

} // namespace rblscope::test
