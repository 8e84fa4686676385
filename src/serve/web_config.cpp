#include "serve/web_config.hpp"

#include "core/files.hpp"
#include "core/sanitize.hpp"

#include <algorithm>
#include <array>
#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

namespace rblscope::exporter {

namespace {

// The headers exporter-toolkit lets a web configuration set; others are refused there too.
constexpr std::array<std::string_view, 5> settable_headers{"Strict-Transport-Security",
                                                           "X-Content-Type-Options",
                                                           "X-Frame-Options",
                                                           "X-XSS-Protection",
                                                           "Content-Security-Policy"};

constexpr std::array<std::string_view, 4> tls_versions{"TLS10", "TLS11", "TLS12", "TLS13"};

struct Reader {
    const std::string& file;
    std::string dir;
    std::vector<std::string>& notes;

    [[nodiscard]] std::string where(const YAML::Node& node) const {
        const auto mark = node.Mark();
        if (mark.is_null()) {
            return file;
        }
        return fmt::format("{}:{}:{}", file, mark.line + 1, mark.column + 1);
    }
    [[nodiscard]] Error error(const YAML::Node& node, std::string message) const {
        return Error{std::move(message), where(node)};
    }
    [[nodiscard]] std::string path(const std::string& name) const {
        return name.starts_with('/') || dir.empty() ? name : dir + "/" + name;
    }
    // A scalar's text, or an Error naming the key (at the key when the value is missing).
    [[nodiscard]] Result<std::string>
    scalar(const YAML::Node& node, std::string_view key, const YAML::Node& key_node) const {
        if (!node.IsScalar()) {
            return error(node.IsNull() ? key_node : node, fmt::format("{} must be a string", key));
        }
        return node.Scalar();
    }
    // The contents of the file a key names; never quoted in errors (it may be a key).
    [[nodiscard]] Result<std::string>
    contents(const YAML::Node& node, std::string_view key, const YAML::Node& key_node) const {
        auto name = scalar(node, key, key_node);
        if (!name) {
            return name.error();
        }
        if (name.value().empty()) {
            return error(node, fmt::format("{} is empty", key));
        }
        const auto full = path(name.value());
        auto text = read_whole_file(full);
        if (!text) {
            return error(node, fmt::format("{}: cannot read {}", key, sanitize_text(full, 200)));
        }
        return std::move(*text);
    }

    Result<TlsConfig> tls(const YAML::Node& map) const {
        if (!map.IsMap()) {
            return error(map, "tls_server_config must be a mapping");
        }
        TlsConfig tls;
        for (const auto& item : map) {
            const auto name = item.first.as<std::string>();
            const auto& value = item.second;
            if (name == "cert_file" || name == "key_file" || name == "client_ca_file") {
                auto text = contents(value, name, item.first);
                if (!text) {
                    return text.error();
                }
                (name == "cert_file"  ? tls.cert_pem
                 : name == "key_file" ? tls.key_pem
                                      : tls.client_ca_pem) = std::move(text.value());
            } else if (name == "client_auth_type") {
                auto type = scalar(value, name, item.first);
                if (!type) {
                    return type.error();
                }
                const auto& t = type.value();
                if (t == "NoClientCert" || t.empty()) {
                    tls.client_auth = ClientAuth::none;
                } else if (t == "RequestClientCert") {
                    tls.client_auth = ClientAuth::request;
                } else if (t == "RequireAnyClientCert") {
                    tls.client_auth = ClientAuth::require_any;
                } else if (t == "RequireAndVerifyClientCert") {
                    tls.client_auth = ClientAuth::require_verified;
                } else if (t == "VerifyClientCertIfGiven") {
                    return error(value,
                                 "client_auth_type VerifyClientCertIfGiven is not supported by "
                                 "rblscope: use RequireAndVerifyClientCert");
                } else {
                    return error(value,
                                 "client_auth_type must be NoClientCert, RequestClientCert, "
                                 "RequireAnyClientCert or RequireAndVerifyClientCert");
                }
            } else if (name == "min_version" || name == "max_version") {
                auto version = scalar(value, name, item.first);
                if (!version) {
                    return version.error();
                }
                if (std::find(tls_versions.begin(), tls_versions.end(), version.value()) ==
                    tls_versions.end()) {
                    return error(value,
                                 fmt::format("{} must be TLS10, TLS11, TLS12 or TLS13", name));
                }
                (name == "min_version" ? tls.min_version : tls.max_version) = version.value();
            } else if (name == "cipher_suites" || name == "curve_preferences" ||
                       name == "prefer_server_cipher_suites") {
                notes.push_back(
                    fmt::format("{}: {} is not applied by rblscope: GnuTLS's defaults are used",
                                where(item.first),
                                name));
            } else if (name == "client_allowed_sans" || name == "cert" || name == "key") {
                return error(item.first,
                             fmt::format("{} is not supported by rblscope (use cert_file, "
                                         "key_file and client_ca_file)",
                                         name));
            } else {
                return error(
                    item.first,
                    fmt::format("unknown key {} in tls_server_config", sanitize_text(name, 60)));
            }
        }
        if (tls.cert_pem.empty() || tls.key_pem.empty()) {
            return error(map, "tls_server_config needs both cert_file and key_file");
        }
        if (tls.client_auth == ClientAuth::require_verified && tls.client_ca_pem.empty()) {
            return error(map, "client_auth_type RequireAndVerifyClientCert needs client_ca_file");
        }
        if (!tls.client_ca_pem.empty() && tls.client_auth == ClientAuth::none) {
            return error(map,
                         "client_ca_file is given but client_auth_type does not ask for client "
                         "certificates: set client_auth_type RequireAndVerifyClientCert");
        }
        const auto rank = [](const std::string& v) {
            return std::find(tls_versions.begin(), tls_versions.end(), v) - tls_versions.begin();
        };
        if (rank(tls.min_version) > rank(tls.max_version)) {
            return error(map, "min_version is above max_version");
        }
        return tls;
    }
};

} // namespace

Result<WebConfig> load_web_config(const std::string& path, std::vector<std::string>& notes) {
    const auto text = read_whole_file(path);
    if (!text) {
        return Error{"cannot read the web configuration file", path};
    }
    return parse_web_config(*text, path, notes);
}

Result<WebConfig> parse_web_config(const std::string& text,
                                   const std::string& path,
                                   std::vector<std::string>& notes) {
    WebConfig config;
    config.file = path;
    const auto slash = path.rfind('/');
    Reader reader{config.file, slash == std::string::npos ? "" : path.substr(0, slash), notes};
    YAML::Node root;
    try {
        root = YAML::Load(text);
    } catch (const YAML::Exception& e) {
        return Error{sanitize_text(e.msg, 200),
                     fmt::format("{}:{}:{}", path, e.mark.line + 1, e.mark.column + 1)};
    }
    if (root.IsNull()) {
        return config; // an empty file: plain HTTP, no authentication, as exporter-toolkit
    }
    if (!root.IsMap()) {
        return reader.error(root, "expected a mapping (tls_server_config, basic_auth_users ...)");
    }
    try {
        for (const auto& item : root) {
            const auto name = item.first.as<std::string>();
            const auto& value = item.second;
            if (name == "tls_server_config") {
                if (value.IsNull()) {
                    continue;
                }
                auto tls = reader.tls(value);
                if (!tls) {
                    return tls.error();
                }
                config.tls = std::move(tls.value());
            } else if (name == "basic_auth_users") {
                if (value.IsNull()) {
                    continue;
                }
                if (!value.IsMap()) {
                    return reader.error(value,
                                        "basic_auth_users must map user names to bcrypt hashes");
                }
                for (const auto& user : value) {
                    const auto hash =
                        reader.scalar(user.second, "a basic_auth_users entry", user.first);
                    if (!hash) {
                        return hash.error();
                    }
                    const auto& h = hash.value();
                    if (!(h.starts_with("$2y$") || h.starts_with("$2b$") ||
                          h.starts_with("$2a$")) ||
                        h.size() != 60) {
                        return reader.error(user.second,
                                            "the password of a basic_auth_users entry must be a "
                                            "bcrypt hash ($2y$..., 60 characters; e.g. htpasswd "
                                            "-nbBC 10 USER PASSWORD)");
                    }
                    config.users[user.first.as<std::string>()] = h;
                }
            } else if (name == "http_server_config") {
                if (value.IsNull()) {
                    continue;
                }
                if (!value.IsMap()) {
                    return reader.error(value, "http_server_config must be a mapping");
                }
                for (const auto& setting : value) {
                    const auto key = setting.first.as<std::string>();
                    if (key == "http2") {
                        continue; // libmicrohttpd speaks HTTP/1.1 only
                    }
                    if (key != "headers") {
                        return reader.error(setting.first,
                                            fmt::format("unknown key {} in http_server_config",
                                                        sanitize_text(key, 60)));
                    }
                    if (!setting.second.IsMap()) {
                        return reader.error(setting.second, "headers must be a mapping");
                    }
                    for (const auto& header : setting.second) {
                        const auto header_name = header.first.as<std::string>();
                        if (std::find(settable_headers.begin(),
                                      settable_headers.end(),
                                      header_name) == settable_headers.end()) {
                            return reader.error(
                                header.first,
                                fmt::format("header {} cannot be set here (only "
                                            "Strict-Transport-Security, X-Content-Type-Options, "
                                            "X-Frame-Options, X-XSS-Protection, "
                                            "Content-Security-Policy)",
                                            sanitize_text(header_name, 60)));
                        }
                        const auto header_value =
                            reader.scalar(header.second, header_name, header.first);
                        if (!header_value) {
                            return header_value.error();
                        }
                        if (header_value.value().find_first_of("\r\n") != std::string::npos) {
                            return reader.error(header.second, "a header value is one line");
                        }
                        config.headers.emplace_back(header_name, header_value.value());
                    }
                }
            } else {
                return reader.error(item.first,
                                    fmt::format("unknown key {} (expected tls_server_config, "
                                                "http_server_config, basic_auth_users)",
                                                sanitize_text(name, 60)));
            }
        }
    } catch (const YAML::Exception& e) {
        return Error{sanitize_text(e.msg, 200),
                     fmt::format("{}:{}:{}", path, e.mark.line + 1, e.mark.column + 1)};
    }
    return config;
}

std::string tls_priorities(const TlsConfig& tls) {
    std::string priorities = "NORMAL:-VERS-ALL";
    bool in_range = false;
    for (const auto v : tls_versions) {
        in_range = in_range || v == tls.min_version;
        if (in_range) {
            priorities += fmt::format(":+VERS-TLS1.{}", v.back());
        }
        if (v == tls.max_version) {
            break;
        }
    }
    return priorities;
}

} // namespace rblscope::exporter
