#pragma once
// serve's TLS and basic authentication, from the web configuration file Prometheus
// exporters share (github.com/prometheus/exporter-toolkit, docs/web-configuration.md):
//
//   tls_server_config:
//     cert_file: server.crt          # paths relative to this file
//     key_file: server.key
//     client_auth_type: RequireAndVerifyClientCert
//     client_ca_file: clients-ca.crt
//     min_version: TLS12
//   http_server_config:
//     headers: {Strict-Transport-Security: max-age=31536000}
//   basic_auth_users:
//     prometheus: $2y$10$...        # bcrypt
//
// Read whole at start and on every reload, so that a renewed certificate is taken up
// without a restart. Errors name FILE:LINE:COL; no value of the file is quoted in them.

#include "rblscope/error.hpp"

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace rblscope::exporter {

enum class ClientAuth {
    none,            ///< NoClientCert
    request,         ///< RequestClientCert: asked for, not verified
    require_any,     ///< RequireAnyClientCert: required, not verified
    require_verified ///< RequireAndVerifyClientCert: required and signed by client_ca_file
};

struct TlsConfig {
    std::string cert_pem;      ///< the certificate chain, read from cert_file
    std::string key_pem;       ///< its key, read from key_file (never shown)
    std::string client_ca_pem; ///< read from client_ca_file; empty without
    ClientAuth client_auth = ClientAuth::none;
    std::string min_version = "TLS12"; ///< TLS10 | TLS11 | TLS12 | TLS13
    std::string max_version = "TLS13";
};

struct WebConfig {
    std::string file;                                         ///< where it was read
    std::optional<TlsConfig> tls;                             ///< absent: plain HTTP
    std::map<std::string, std::string> users;                 ///< user name -> bcrypt hash
    std::vector<std::pair<std::string, std::string>> headers; ///< added to every answer
};

/// Reads and checks a web configuration file (and the files it names). Keys of the format
/// rblscope does not apply are refused when ignoring them would weaken the setup
/// (client_allowed_sans), and reported in `notes` otherwise (cipher_suites: GnuTLS's
/// secure defaults apply).
[[nodiscard]] Result<WebConfig> load_web_config(const std::string& path,
                                                std::vector<std::string>& notes);

/// The same from the file's text; files it names are read relative to `path`'s directory.
[[nodiscard]] Result<WebConfig>
parse_web_config(const std::string& text, const std::string& path, std::vector<std::string>& notes);

/// The GnuTLS priority string for the version range ("NORMAL:-VERS-ALL:+VERS-TLS1.3...").
[[nodiscard]] std::string tls_priorities(const TlsConfig& tls);

} // namespace rblscope::exporter
