// serve's web configuration file (exporter-toolkit's format) and basic authentication.

#include "serve/basic_auth.hpp"
#include "serve/web_config.hpp"
#include "support/bcrypt.hpp"
#include "unit/temp_dir.hpp"

#include <doctest/doctest.h>
#include <fstream>

using namespace rblscope::exporter;

namespace {

std::string problem(const std::string& text) {
    std::vector<std::string> notes;
    const auto web = parse_web_config(text, "/etc/rblscope/web.yml", notes);
    return web ? "" : web.error().to_string();
}

} // namespace

TEST_CASE("web config: users, headers and TLS files are read; paths are relative to the file") {
    rblscope::test::TempDir dir;
    std::ofstream(dir.path + "/server.pem") << "CERT";
    std::ofstream(dir.path + "/server.key") << "KEY";
    const auto hash = rblscope::test::bcrypt_hash("pw");
    std::vector<std::string> notes;
    const auto web = parse_web_config("tls_server_config:\n"
                                      "  cert_file: server.pem\n"
                                      "  key_file: " +
                                          dir.path + "/server.key\n" +
                                          "  min_version: TLS13\n"
                                          "  cipher_suites: [TLS_AES_128_GCM_SHA256]\n"
                                          "http_server_config:\n"
                                          "  headers:\n"
                                          "    X-Frame-Options: deny\n"
                                          "basic_auth_users:\n"
                                          "  prometheus: " +
                                          hash + "\n",
                                      dir.path + "/web.yml",
                                      notes);
    REQUIRE(web);
    REQUIRE(web.value().tls);
    CHECK(web.value().tls->cert_pem == "CERT");
    CHECK(web.value().tls->key_pem == "KEY");
    CHECK(tls_priorities(*web.value().tls) == "NORMAL:-VERS-ALL:+VERS-TLS1.3");
    CHECK(web.value().users.at("prometheus") == hash);
    REQUIRE(web.value().headers.size() == 1);
    CHECK(web.value().headers[0].first == "X-Frame-Options");
    REQUIRE(notes.size() == 1);
    CHECK(notes[0] == dir.path + "/web.yml:5:3: cipher_suites is not applied by rblscope: "
                                 "GnuTLS's defaults are used");
    TlsConfig versions;
    CHECK(tls_priorities(versions) == "NORMAL:-VERS-ALL:+VERS-TLS1.2:+VERS-TLS1.3");
    std::vector<std::string> none;
    const auto empty = parse_web_config("", "web.yml", none);
    REQUIRE(empty);
    CHECK_FALSE(empty.value().tls);
    CHECK(empty.value().users.empty());
}

TEST_CASE("web config: mistakes are named with FILE:LINE:COL and never quote a secret") {
    CHECK(problem("basic_auth_users:\n  alice: hunter2\n") ==
          "/etc/rblscope/web.yml:2:10: the password of a basic_auth_users entry must be a bcrypt "
          "hash ($2y$..., 60 characters; e.g. htpasswd -nbBC 10 USER PASSWORD)");
    CHECK(problem("tls_server_config:\n  cert_file: a.pem\n") ==
          "/etc/rblscope/web.yml:2:14: cert_file: cannot read /etc/rblscope/a.pem");
    CHECK(problem("tls_server_config:\n  client_auth_type: Sometimes\n") ==
          "/etc/rblscope/web.yml:2:21: client_auth_type must be NoClientCert, RequestClientCert, "
          "RequireAnyClientCert or RequireAndVerifyClientCert");
    CHECK(problem("tls_server_config:\n  min_version: SSL3\n") ==
          "/etc/rblscope/web.yml:2:16: min_version must be TLS10, TLS11, TLS12 or TLS13");
    CHECK(problem("tls_server_config:\n  key_file: \n") ==
          "/etc/rblscope/web.yml:2:3: key_file must be a string");
    CHECK(problem("basic_auth_user:\n  a: b\n") ==
          "/etc/rblscope/web.yml:1:1: unknown key basic_auth_user (expected tls_server_config, "
          "http_server_config, basic_auth_users)");
    CHECK(problem("http_server_config:\n  headers:\n    Server: x\n")
              .starts_with("/etc/rblscope/web.yml:3:5: header Server cannot be set here"));
    CHECK(problem("- a\n- b\n").starts_with("/etc/rblscope/web.yml:1:1: expected a mapping"));
    CHECK(problem("a: [\n").starts_with("/etc/rblscope/web.yml:"));
}

TEST_CASE("basic auth: bcrypt, unknown users, remembered successes, failures throttled") {
    const auto hash = rblscope::test::bcrypt_hash("right");
    CHECK(bcrypt_matches("right", hash));
    CHECK_FALSE(bcrypt_matches("wrong", hash));
    CHECK_FALSE(bcrypt_matches("right", "$2b$04$short"));
    BasicAuth off;
    CHECK(off.check(std::nullopt, std::nullopt, ClientKey{}, BasicAuth::Clock::now()) ==
          BasicAuth::Outcome::allowed);

    BasicAuth auth({{"prometheus", hash}});
    const auto t0 = BasicAuth::Clock::now();
    ClientKey client;
    client.bytes[0] = 4;
    CHECK(auth.check(std::nullopt, std::nullopt, client, t0) == BasicAuth::Outcome::denied);
    CHECK(auth.check("prometheus", "right", client, t0) == BasicAuth::Outcome::allowed);
    CHECK(auth.check("prometheus", "right", client, t0) == BasicAuth::Outcome::allowed);
    CHECK(auth.check("nobody", "right", client, t0) == BasicAuth::Outcome::denied);
    for (int i = 1; i < BasicAuth::failures_allowed; ++i) {
        CHECK(auth.check("prometheus", "wrong", client, t0 + std::chrono::seconds(i)) ==
              BasicAuth::Outcome::denied);
    }
    const auto t10 = t0 + std::chrono::seconds(10);
    CHECK(auth.check("prometheus", "right", client, t10) == BasicAuth::Outcome::throttled);
    ClientKey other;
    other.bytes[0] = 6;
    CHECK(auth.check("prometheus", "right", other, t10) == BasicAuth::Outcome::allowed);
    CHECK(auth.check("prometheus", "right", client, t0 + std::chrono::seconds(61)) ==
          BasicAuth::Outcome::allowed);
}

TEST_CASE("basic auth: bcrypt checks are budgeted for the whole server; remembered ones not") {
    const auto hash = rblscope::test::bcrypt_hash("right");
    BasicAuth auth({{"prometheus", hash}});
    const auto t0 = BasicAuth::Clock::now();
    ClientKey known;
    known.bytes[0] = 4;
    REQUIRE(auth.check("prometheus", "right", known, t0) == BasicAuth::Outcome::allowed);
    // Many clients, one wrong guess each: 9 more checks fit the burst of 10, then none
    // until tokens come back (5 a second).
    int checked = 0;
    int throttled = 0;
    for (std::uint8_t i = 1; i <= 20; ++i) {
        ClientKey client;
        client.bytes[0] = 4;
        client.bytes[1] = i;
        const auto outcome = auth.check("prometheus", "guess", client, t0);
        checked += outcome == BasicAuth::Outcome::denied;
        throttled += outcome == BasicAuth::Outcome::throttled;
    }
    CHECK(checked == 9);
    CHECK(throttled == 11);
    // Remembered credentials need no check, so Prometheus is not held up by the others.
    CHECK(auth.check("prometheus", "right", known, t0) == BasicAuth::Outcome::allowed);
    ClientKey late;
    late.bytes[0] = 6;
    CHECK(auth.check("prometheus", "guess", late, t0 + std::chrono::milliseconds(200)) ==
          BasicAuth::Outcome::denied);
}
