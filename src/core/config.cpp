#include "rblscope/config.hpp"

#include "core/files.hpp"
#include "core/sanitize.hpp"

#include <cstdlib>
#include <fmt/format.h>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <toml++/toml.h>

namespace rblscope {

namespace {

std::string where(const std::string& path, const toml::source_region& r) {
    return fmt::format("{}:{}:{}", path, r.begin.line, r.begin.column);
}

bool valid_variable_name(std::string_view name) {
    if (name.empty() || (name[0] >= '0' && name[0] <= '9')) {
        return false;
    }
    for (const char c : name) {
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '_')) {
            return false;
        }
    }
    return true;
}

} // namespace

std::string key_value(const std::string& variable, const std::map<std::string, std::string>& keys) {
    if (const char* v = std::getenv(variable.c_str()); v != nullptr && *v != '\0') {
        return v;
    }
    const auto it = keys.find(variable);
    return it != keys.end() ? it->second : std::string();
}

std::string default_config_path() {
    if (const char* xdg = std::getenv("XDG_CONFIG_HOME"); xdg != nullptr && *xdg == '/') {
        return std::string(xdg) + "/rblscope/config.toml";
    }
    if (const char* home = std::getenv("HOME"); home != nullptr && *home == '/') {
        return std::string(home) + "/.config/rblscope/config.toml";
    }
    return {};
}

Result<Config> load_config(const std::string& path) {
    struct stat st {};
    if (stat(path.c_str(), &st) != 0) {
        return Error{"cannot read the configuration file", path};
    }
    if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
        return Error{fmt::format("the configuration file holds API keys but other users can "
                                 "read or change it (mode {:04o}); run: chmod 600 {}",
                                 st.st_mode & 07777,
                                 path),
                     path};
    }
    const auto text = read_whole_file(path);
    if (!text) {
        return Error{"cannot read the configuration file", path};
    }
    return parse_config(*text, path);
}

Result<Config> parse_config(std::string_view text, const std::string& path) {
    toml::table root;
    try {
        root = toml::parse(text, path);
    } catch (const toml::parse_error& e) {
        return Error{sanitize_text(e.description(), 300), where(path, e.source())};
    }
    Config cfg;
    cfg.source = path;
    for (const auto& [name, node] : root) {
        if (name.str() != "keys") {
            return Error{fmt::format("unknown table or key '{}' (expected [keys])",
                                     sanitize_text(name.str(), 80)),
                         where(path, node.source())};
        }
        const auto* keys = node.as_table();
        if (keys == nullptr) {
            return Error{"'keys' must be a table", where(path, node.source())};
        }
        for (const auto& [var, value] : *keys) {
            if (!valid_variable_name(var.str())) {
                return Error{fmt::format("'{}' is not a variable name such as "
                                         "RBLSCOPE_ABUSEIPDB_KEY",
                                         sanitize_text(var.str(), 80)),
                             where(path, value.source())};
            }
            const auto* s = value.as_string();
            if (s == nullptr || s->get().empty()) {
                return Error{fmt::format("keys.{} must be a non-empty string", var.str()),
                             where(path, value.source())};
            }
            cfg.keys[std::string(var.str())] = s->get();
        }
    }
    return cfg;
}

} // namespace rblscope
