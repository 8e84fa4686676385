#pragma once
// Shared servers for the integration tests: a real rbldnsd and the scripted fake_dns,
// both on loopback, started once per test process.

#include "support/process.hpp"

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace rblscope::test {

struct Fixture {
    Fixture() = default;
    Fixture(Fixture&&) = default;
    Fixture& operator=(Fixture&&) = default;
    ~Fixture();
    std::string dir;
    int rbldnsd_port = 0;
    int fake_port = 0;
    std::string catalog; ///< path of the test catalog
    Server rbldnsd;
    Server fake;
};

/// Starts the servers on first use.
Fixture& fixture();

/// Runs the real rblscope binary.
RunResult run_rblscope(const std::vector<std::string>& args,
                       const std::string& input = "",
                       const std::vector<std::string>& env = {});

/// Makes a throwaway CA (DIR/ca.pem) and a server certificate it signed for 127.0.0.1 and
/// api.example.test (DIR/server.pem, DIR/server.key); throws when openssl fails.
void make_test_certificates(const std::string& dir);

/// The result object for zone `zone` in target `t` of a JSON report.
const nlohmann::json& result_for(const nlohmann::json& doc,
                                 std::size_t t,
                                 const std::string& zone,
                                 const std::string& subject = "");

} // namespace rblscope::test
