#pragma once
// Spawning the real binaries from tests: one-shot runs with captured output, and
// background servers (rbldnsd, fake_dns) that die with the test process.

#include <chrono>
#include <string>
#include <vector>

namespace rblscope::test {

struct RunResult {
    int exit_code = -1;
    std::string out;
    std::string err;
};

/// Runs argv[0] with its arguments, feeding `input` on stdin; waits for it.
RunResult run(const std::vector<std::string>& argv,
              const std::string& input = "",
              const std::vector<std::string>& extra_env = {});

/// A process the test talks to while it runs: writes its stdin, reads its stdout as it
/// comes, signals it, then collects the rest, the exit status and the CPU time it used.
class Interactive {
  public:
    explicit Interactive(const std::vector<std::string>& argv,
                         const std::vector<std::string>& extra_env = {});
    ~Interactive(); ///< kills the process if it still runs
    Interactive(const Interactive&) = delete;
    Interactive& operator=(const Interactive&) = delete;

    void write(const std::string& text);
    void close_stdin();
    /// The reader of stdout goes away, as `| head` does after its lines.
    void close_stdout();
    /// One line of stdout (without the newline); "" when none came within `timeout`.
    std::string read_line(std::chrono::milliseconds timeout);
    void signal(int signal);

    struct Finished {
        bool exited = false;    ///< false: still running at the timeout (then killed)
        int exit_code = -1;     ///< exit status, or 128 + signal
        std::string out, err;   ///< everything not read by read_line()
        double cpu_seconds = 0; ///< user + system time
    };
    Finished wait(std::chrono::milliseconds timeout);

  private:
    int m_pid = -1;
    int m_in = -1, m_out = -1, m_err = -1;
    std::string m_out_buffer;
};

/// A server process killed in the destructor.
class Server {
  public:
    Server() = default;
    /// Starts argv; stdout goes to a pipe so first_line() can read e.g. "PORT 5353".
    explicit Server(const std::vector<std::string>& argv);
    ~Server();
    Server(Server&& other) noexcept;
    Server& operator=(Server&& other) noexcept;
    [[nodiscard]] std::string first_line();
    [[nodiscard]] int pid() const { return m_pid; }

  private:
    int m_pid = -1;
    int m_out = -1;
};

/// A port on 127.0.0.1 that was free for UDP and TCP a moment ago, below the ephemeral
/// range so that parallel tests' connections cannot take it (process.cpp).
int free_udp_port();
/// The same kind of port, for a TCP server.
int free_tcp_port();

/// A fresh temporary directory, removed by the caller's choice (kept on failure is fine).
std::string make_temp_dir();

void write_file(const std::string& path, const std::string& content);

/// Waits until a UDP DNS server answers on 127.0.0.1:port (rbldnsd has no ready signal).
bool wait_for_dns(int port, const std::string& probe_name);

} // namespace rblscope::test
