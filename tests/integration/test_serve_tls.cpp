// serve with a web configuration file (exporter-toolkit's format): TLS under a test CA,
// basic auth with a bcrypt hash, headers, a certificate renewed by SIGHUP, client
// certificates required; a real Prometheus scraping over TLS with basic auth.

#include "integration/serve_helpers.hpp"
#include "support/bcrypt.hpp"

using namespace rblscope::test;
using namespace std::chrono_literals;

namespace {

// A CA of its own for clients, a client certificate it signed, and one nobody trusts.
void make_client_certificates(const std::string& dir) {
    const auto script = fmt::format(
        "set -e; cd {d}; "
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
        "-keyout clients-ca.key -out clients-ca.pem -days 2 -subj /CN=clients-ca 2>/dev/null; "
        "openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
        "-keyout client.key -out client.csr -subj /CN=prometheus 2>/dev/null; "
        "openssl x509 -req -in client.csr -CA clients-ca.pem -CAkey clients-ca.key "
        "-CAcreateserial -out client.pem -days 2 2>/dev/null; "
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
        "-keyout stranger.key -out stranger.pem -days 2 -subj /CN=stranger 2>/dev/null",
        fmt::arg("d", dir));
    REQUIRE(run({"/bin/sh", "-c", script}).exit_code == 0);
}

// A new server certificate from the same CA, over the old files (as certbot would).
void renew_server_certificate(const std::string& dir) {
    const auto script =
        fmt::format("set -e; cd {d}; "
                    "openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
                    "-keyout new.key -out new.csr -subj /CN=127.0.0.1 2>/dev/null; "
                    "openssl x509 -req -in new.csr -CA ca.pem -CAkey ca.key -CAcreateserial "
                    "-out new.pem -days 2 -extfile ext.cnf 2>/dev/null; mv new.key server.key; "
                    "mv new.pem server.pem",
                    fmt::arg("d", dir));
    REQUIRE(run({"/bin/sh", "-c", script}).exit_code == 0);
}

std::string served_certificate_serial(int port) {
    return run({"/bin/sh",
                "-c",
                fmt::format("openssl s_client -connect 127.0.0.1:{} </dev/null 2>/dev/null | "
                            "openssl x509 -noout -serial",
                            port)})
        .out;
}

struct Curl {
    int exit_code = 0;
    int status = 0;
    std::string headers;
    std::string body;
};

Curl curl(const std::vector<std::string>& options, const std::string& url) {
    std::vector<std::string> argv{"curl", "-s", "-m", "10", "-D", "-", "-w", "\n%{http_code}"};
    argv.insert(argv.end(), options.begin(), options.end());
    argv.push_back(url);
    const auto r = run(argv);
    Curl out;
    out.exit_code = r.exit_code;
    const auto nl = r.out.rfind('\n');
    if (nl != std::string::npos) {
        out.status = std::atoi(r.out.c_str() + nl + 1);
        const auto split = r.out.find("\r\n\r\n");
        out.headers = r.out.substr(0, std::min(split, nl));
        out.body = split < nl ? r.out.substr(split + 4, nl - split - 4) : "";
    }
    return out;
}

} // namespace

TEST_CASE("serve --web.config.file: TLS, basic auth, headers, a renewed certificate, and a "
          "real Prometheus scraping over TLS with basic auth") {
    const auto dir = make_temp_dir();
    make_test_certificates(dir);
    write_file(dir + "/ext.cnf", "subjectAltName=IP:127.0.0.1,DNS:api.example.test\n");
    const std::string password = "correct horse battery staple";
    const auto web = dir + "/web.yml";
    write_file(web,
               fmt::format("tls_server_config:\n"
                           "  cert_file: server.pem\n"
                           "  key_file: server.key\n"
                           "  min_version: TLS12\n"
                           "http_server_config:\n"
                           "  headers:\n"
                           "    Strict-Transport-Security: max-age=31536000\n"
                           "basic_auth_users:\n"
                           "  prometheus: {}\n",
                           bcrypt_hash(password, 10)));
    if (run({"/bin/sh", "-c", "command -v promtool"}).exit_code == 0) {
        const auto check = run({"promtool", "check", "web-config", web});
        CHECK_MESSAGE(check.exit_code == 0, check.out << check.err);
    }
    const auto targets = write_targets("tls-targets.txt", "192.0.2.99\n");
    Exporter ex(
        {"--targets", targets, "--zones", "t-bl", "--web.config.file", web, "--open-healthz"});
    const auto url = fmt::format("https://127.0.0.1:{}", ex.port);
    const std::vector<std::string> tls{"--cacert", dir + "/ca.pem"};
    auto with_password = tls;
    with_password.insert(with_password.end(), {"-u", "prometheus:" + password});
    Curl ok;
    for (int i = 0; i < 100 && !contains(ok.body, "rblscope_exporter_refreshes_total 1\n"); ++i) {
        std::this_thread::sleep_for(100ms);
        ok = curl(with_password, url + "/metrics");
    }
    REQUIRE(ok.status == 200);
    CHECK(contains(ok.body, "rblscope_target_verdict{target=\"192.0.2.99\",verdict=\"listed\"} 1"));
    CHECK(contains(ok.headers, "Strict-Transport-Security: max-age=31536000"));
    CHECK(contains(ok.headers, "X-Content-Type-Options: nosniff"));

    const auto none = curl(tls, url + "/metrics");
    CHECK(none.status == 401);
    CHECK(contains(none.headers, "WWW-Authenticate: Basic realm=\"rblscope\""));
    CHECK_FALSE(contains(none.body, "rblscope_target"));
    auto wrong = tls;
    wrong.insert(wrong.end(), {"-u", "prometheus:wrong"});
    CHECK(curl(wrong, url + "/metrics").status == 401);
    auto stranger = tls;
    stranger.insert(stranger.end(), {"-u", "nobody:" + password});
    CHECK(curl(stranger, url + "/").status == 401);
    CHECK(curl(tls, url + "/healthz").status == 200); // --open-healthz
    // Plain HTTP on the TLS port gets no answer.
    CHECK(curl({}, fmt::format("http://127.0.0.1:{}/metrics", ex.port)).status != 200);
    // Unknown CA: curl refuses (verification is never turned off).
    CHECK(curl({"-u", "prometheus:" + password}, url + "/metrics").exit_code != 0);

    const Prometheus prom(fmt::format(R"(global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: rblscope
    scheme: https
    tls_config:
      ca_file: {0}/ca.pem
    basic_auth:
      username: prometheus
      password: "{1}"
    static_configs:
      - targets: ["127.0.0.1:{2}"]
)",
                                      dir,
                                      password,
                                      ex.port));
    const auto listed = prom.wait_value(
        R"(rblscope_target_verdict{job="rblscope",target="192.0.2.99",verdict="listed"})");
    REQUIRE(listed);
    CHECK(*listed == "1");
    CHECK(prom.value(R"(up{job="rblscope"})") == std::optional<std::string>("1"));

    // A renewed certificate, taken up by SIGHUP without a restart; the old connections'
    // answers and Prometheus' scrapes go on.
    const auto before = served_certificate_serial(ex.port);
    REQUIRE(contains(before, "serial="));
    renew_server_certificate(dir);
    ex.process->signal(SIGHUP);
    std::string after = before;
    for (int i = 0; i < 50 && after == before; ++i) {
        std::this_thread::sleep_for(100ms);
        after = served_certificate_serial(ex.port);
    }
    CHECK(contains(after, "serial="));
    CHECK(after != before);
    CHECK(curl(with_password, url + "/metrics").status == 200);
    std::this_thread::sleep_for(2500ms);
    CHECK(prom.value(R"(up{job="rblscope"})") == std::optional<std::string>("1"));

    // A broken web configuration on reload: refused, the running one stays.
    write_file(web, "tls_server_config:\n  cert_file: server.pem\n  key_file: missing.key\n");
    ex.process->signal(SIGHUP);
    std::this_thread::sleep_for(500ms);
    CHECK(curl(with_password, url + "/metrics").status == 200);
    ex.process->signal(SIGTERM);
    const auto done = ex.process->wait(5s);
    CHECK_MESSAGE(contains(done.err, "web.yml:3:13: key_file: cannot read"), done.err);
    CHECK(contains(done.err, "the previous TLS, users and headers stay"));
    CHECK_FALSE(contains(done.err, password));
    CHECK_FALSE(contains(done.err, "BEGIN"));
    ex.process.reset();
}

TEST_CASE("serve --web.config.file: a client certificate required and verified") {
    const auto dir = make_temp_dir();
    make_test_certificates(dir);
    make_client_certificates(dir);
    const auto web = dir + "/web.yml";
    write_file(web,
               "tls_server_config:\n"
               "  cert_file: server.pem\n"
               "  key_file: server.key\n"
               "  client_auth_type: RequireAndVerifyClientCert\n"
               "  client_ca_file: clients-ca.pem\n");
    Exporter ex({"--web.config.file", web});
    const auto url = fmt::format("https://127.0.0.1:{}/healthz", ex.port);
    const std::vector<std::string> client{
        "--cacert", dir + "/ca.pem", "--cert", dir + "/client.pem", "--key", dir + "/client.key"};
    Curl ok;
    for (int i = 0; i < 50 && ok.status != 200; ++i) {
        std::this_thread::sleep_for(100ms);
        ok = curl(client, url);
    }
    CHECK(ok.status == 200);
    // Without a certificate, or with one the clients' CA did not sign: the handshake fails.
    const auto without = curl({"--cacert", dir + "/ca.pem"}, url);
    CHECK(without.exit_code != 0);
    CHECK(without.status == 0);
    const auto untrusted = curl({"--cacert",
                                 dir + "/ca.pem",
                                 "--cert",
                                 dir + "/stranger.pem",
                                 "--key",
                                 dir + "/stranger.key"},
                                url);
    CHECK(untrusted.exit_code != 0);
    CHECK(untrusted.status == 0);
}

TEST_CASE("serve --web.config.file: a wrong file is refused at start with FILE:LINE:COL") {
    const auto dir = make_temp_dir();
    make_test_certificates(dir);
    const auto web = dir + "/web.yml";
    const auto start = [&](const std::string& text) {
        write_file(web, text);
        return run_rblscope({"serve",
                             "--listen",
                             "127.0.0.1:0",
                             "--web.config.file",
                             web,
                             "--catalog",
                             fixture().catalog});
    };
    auto r = start("basic_auth_users:\n  prometheus: plaintext\n");
    CHECK(r.exit_code == 3);
    CHECK(
        contains(r.err, "web.yml:2:15: the password of a basic_auth_users entry must be a bcrypt"));
    CHECK_FALSE(contains(r.err, "plaintext"));
    r = start("tls_server_config:\n  cert_file: server.pem\n  key_file: ca.key\n");
    CHECK(r.exit_code == 3);
    CHECK(contains(r.err, "key_file is not the key of cert_file's first certificate"));
    r = start("tls_server_config:\n  cert_file: server.pem\n  key_file: server.key\n"
              "  client_allowed_sans: [a]\n");
    CHECK(r.exit_code == 3);
    CHECK(contains(r.err, "web.yml:4:3: client_allowed_sans is not supported"));
    r = start("http_server_config:\n  headers:\n    Set-Cookie: a=b\n");
    CHECK(r.exit_code == 3);
    CHECK(contains(r.err, "web.yml:3:5: header Set-Cookie cannot be set here"));
    r = start("tls_server_config: [\n");
    CHECK(r.exit_code == 3);
    CHECK(contains(r.err, "web.yml:"));
}
