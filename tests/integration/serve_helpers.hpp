#pragma once
// Helpers for tests that run `rblscope serve`: an HTTP GET through curl, an exporter on a
// free loopback port against the fixture's rbldnsd and fake_dns, and a real Prometheus
// server asked through its query API.

#include "integration/fixtures.hpp"

#include <algorithm>
#include <chrono>
#include <csignal>
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace rblscope::test {

struct HttpResult {
    int status = 0;
    std::string body;
    double seconds = 0;
};

inline HttpResult http_get(const std::string& url, const std::vector<std::string>& headers = {}) {
    std::vector<std::string> argv{"curl", "-s", "-m", "20", "-w", "\n%{http_code}"};
    for (const auto& h : headers) {
        argv.push_back("-H");
        argv.push_back(h);
    }
    argv.push_back(url);
    const auto start = std::chrono::steady_clock::now();
    const auto r = run(argv);
    HttpResult out;
    out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const auto nl = r.out.rfind('\n');
    if (nl != std::string::npos) {
        out.status = std::atoi(r.out.c_str() + nl + 1);
        out.body = r.out.substr(0, nl);
    }
    return out;
}

/// fake_dns on `port` serving each "ZONE=MODE" of `zones`; tests that change what a list
/// says between refreshes stop it (reset) and start another on the same port.
inline std::unique_ptr<Server> fake_zones(int port, const std::vector<std::string>& zones) {
    std::vector<std::string> argv{FAKE_DNS_BIN, "--port", std::to_string(port)};
    for (const auto& z : zones) {
        argv.push_back("--zone");
        argv.push_back(z);
    }
    auto s = std::make_unique<Server>(argv);
    REQUIRE(s->first_line().starts_with("PORT "));
    return s;
}

/// A targets file in the fixture's directory.
inline std::string write_targets(const std::string& name, const std::string& text) {
    const auto path = fixture().dir + "/" + name;
    write_file(path, text);
    return path;
}

inline bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

/// A running exporter on a free loopback port, stopped (SIGTERM) by the destructor.
struct Exporter {
    explicit Exporter(const std::vector<std::string>& extra) : port(free_tcp_port()) {
        auto& f = fixture();
        std::vector<std::string> argv{RBLSCOPE_BIN,
                                      "serve",
                                      "--listen",
                                      fmt::format("127.0.0.1:{}", port),
                                      "--resolver",
                                      fmt::format("127.0.0.1:{}", f.rbldnsd_port),
                                      "--zone-server",
                                      fmt::format("dead.test=127.0.0.1:{}", f.fake_port),
                                      "--query-timeout",
                                      "0.4"};
        argv.insert(argv.end(), extra.begin(), extra.end());
        if (std::find(extra.begin(), extra.end(), "--catalog") == extra.end()) {
            argv.insert(argv.end(), {"--catalog", f.catalog});
        }
        process = std::make_unique<Interactive>(argv);
        base = fmt::format("http://127.0.0.1:{}", port);
    }
    ~Exporter() {
        if (process) {
            process->signal(SIGTERM);
            process->wait(std::chrono::seconds(5));
        }
    }
    Exporter(const Exporter&) = delete;
    Exporter& operator=(const Exporter&) = delete;

    /// Waits until /metrics holds `part` (a refresh finished); false after `limit`.
    bool wait_for(const std::string& part, std::chrono::milliseconds limit) {
        const auto until = std::chrono::steady_clock::now() + limit;
        HttpResult last;
        while (std::chrono::steady_clock::now() < until) {
            last = http_get(base + "/metrics");
            if (contains(last.body, part)) {
                return true;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        // Say why: the exporter's own words.
        process->signal(SIGTERM);
        const auto done = process->wait(std::chrono::seconds(5));
        MESSAGE("the exporter said: " << done.err << " (exit " << done.exit_code
                                      << "); the last /metrics: HTTP " << last.status << "\n"
                                      << last.body);
        return false;
    }

    int port;
    std::string base;
    std::unique_ptr<Interactive> process;
};

/// A Prometheus server on a free loopback port with the given configuration (YAML), and
/// instant queries against it; false/empty answers while it is still starting.
struct Prometheus {
    explicit Prometheus(const std::string& config) : port(free_tcp_port()), dir(make_temp_dir()) {
        write_file(dir + "/prometheus.yml", config);
        server = std::make_unique<Server>(
            std::vector<std::string>{"prometheus",
                                     "--config.file=" + dir + "/prometheus.yml",
                                     "--storage.tsdb.path=" + dir + "/data",
                                     fmt::format("--web.listen-address=127.0.0.1:{}", port),
                                     "--log.level=warn"});
    }

    static bool installed() {
        return run({"/bin/sh", "-c", "command -v prometheus"}).exit_code == 0;
    }

    /// The whole answer to an instant query (discarded when it is not JSON).
    [[nodiscard]] nlohmann::json document(const std::string& q) const {
        const auto r = run({"curl",
                            "-s",
                            "-m",
                            "5",
                            "-G",
                            fmt::format("http://127.0.0.1:{}/api/v1/query", port),
                            "--data-urlencode",
                            "query=" + q});
        return nlohmann::json::parse(r.out, nullptr, false);
    }

    /// The result vector of an instant query (empty while Prometheus starts).
    [[nodiscard]] nlohmann::json query(const std::string& q) const {
        const auto doc = document(q);
        return doc.is_discarded() || !doc.contains("data") ? nlohmann::json::array()
                                                           : doc["data"]["result"];
    }

    /// The first sample's value, if any.
    [[nodiscard]] std::optional<std::string> value(const std::string& q) const {
        const auto result = query(q);
        if (!result.is_array() || result.empty()) {
            return std::nullopt;
        }
        return result[0]["value"][1].get<std::string>();
    }

    /// Waits (up to 30 s) for a query to have a value.
    [[nodiscard]] std::optional<std::string> wait_value(const std::string& q) const {
        for (int i = 0; i < 300; ++i) {
            if (auto v = value(q)) {
                return v;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        return std::nullopt;
    }

    int port;
    std::string dir;
    std::unique_ptr<Server> server;
};

} // namespace rblscope::test
