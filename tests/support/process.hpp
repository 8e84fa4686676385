#pragma once
// Spawning the real binaries from tests: one-shot runs with captured output, and
// background servers (rbldnsd, fake_dns) that die with the test process.

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

/// A UDP port on 127.0.0.1 that was free a moment ago.
int free_udp_port();

/// A fresh temporary directory, removed by the caller's choice (kept on failure is fine).
std::string make_temp_dir();

void write_file(const std::string& path, const std::string& content);

/// Waits until a UDP DNS server answers on 127.0.0.1:port (rbldnsd has no ready signal).
bool wait_for_dns(int port, const std::string& probe_name);

} // namespace rblscope::test
