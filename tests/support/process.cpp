#include "support/process.hpp"

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
#include <spawn.h>
#include <sstream>
#include <stdexcept>
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

} // namespace

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
    std::vector<std::string> env_store;
    for (char** e = environ; *e != nullptr; ++e) {
        // Tests decide colour and keys themselves.
        if (std::strncmp(*e, "NO_COLOR=", 9) != 0 && std::strncmp(*e, "RBLSCOPE_", 9) != 0) {
            env_store.emplace_back(*e);
        }
    }
    env_store.insert(env_store.end(), extra_env.begin(), extra_env.end());
    auto args = c_argv(argv);
    auto envp = c_argv(env_store);
    pid_t pid = -1;
    const int rc = posix_spawn(&pid, argv[0].c_str(), &fa, nullptr, args.data(), envp.data());
    posix_spawn_file_actions_destroy(&fa);
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

int free_udp_port() {
    const int fd = socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    close(fd);
    return ntohs(a.sin_port);
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
