#include "rblscope/config.hpp"

#include "core/files.hpp"
#include "core/notify_config.hpp"
#include "core/sanitize.hpp"

#include <algorithm>
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

bool valid_module_name(std::string_view name) {
    if (name.empty() || name.size() > 64) {
        return false;
    }
    return std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '_' || c == '-' || c == '.';
    });
}

std::optional<Error> read_modules(const toml::node& node, const std::string& path, Config& cfg) {
    const auto* modules = node.as_table();
    if (modules == nullptr) {
        return Error{"'modules' must be a table of [modules.NAME] tables",
                     where(path, node.source())};
    }
    for (const auto& [name, value] : *modules) {
        if (!valid_module_name(name.str())) {
            return Error{fmt::format("module name '{}' may hold only letters, digits, '-', '_' "
                                     "and '.'",
                                     sanitize_text(name.str(), 80)),
                         where(path, value.source())};
        }
        const auto* table = value.as_table();
        if (table == nullptr) {
            return Error{fmt::format("modules.{} must be a table", name.str()),
                         where(path, value.source())};
        }
        ProbeModuleConfig m;
        m.where = where(path, value.source());
        for (const auto& [key, v] : *table) {
            const std::string k(key.str());
            std::string* text = k == "zones"          ? &m.zones
                                : k == "warning"      ? &m.warning
                                : k == "critical"     ? &m.critical
                                : k == "threshold_on" ? &m.threshold_on
                                : k == "errors_as"    ? &m.errors_as
                                                      : nullptr;
            if (text != nullptr) {
                const auto* str = v.as_string();
                if (str == nullptr || str->get().empty()) {
                    return Error{
                        fmt::format("modules.{}.{} must be a non-empty string", name.str(), k),
                        where(path, v.source())};
                }
                *text = sanitize_text(str->get(), 1000);
            } else if (k == "query_timeout") {
                const auto d = v.value<double>();
                if (!d || !(*d >= 0.05 && *d <= 120)) {
                    return Error{fmt::format("modules.{}.query_timeout must be a number of "
                                             "seconds from 0.05 to 120",
                                             name.str()),
                                 where(path, v.source())};
                }
                m.query_timeout_s = *d;
            } else if (k == "retries") {
                const auto* i = v.as_integer();
                if (i == nullptr || i->get() < 0 || i->get() > 10) {
                    return Error{fmt::format("modules.{}.retries must be an integer from 0 to 10",
                                             name.str()),
                                 where(path, v.source())};
                }
                m.retries = static_cast<int>(i->get());
            } else {
                return Error{fmt::format("unknown key '{}' in modules.{} (expected zones, "
                                         "warning, critical, threshold_on, errors_as, "
                                         "query_timeout, retries)",
                                         sanitize_text(k, 80),
                                         name.str()),
                             where(path, key.source())};
            }
        }
        cfg.modules[std::string(name.str())] = std::move(m);
    }
    return std::nullopt;
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
        if (name.str() == "modules") {
            if (auto err = read_modules(node, path, cfg)) {
                return *err;
            }
            continue;
        }
        if (name.str() == "notify") {
            auto notifiers = read_notifiers(node, path);
            if (!notifiers) {
                return notifiers.error();
            }
            cfg.notifiers = std::move(*notifiers);
            continue;
        }
        if (name.str() != "keys") {
            return Error{
                fmt::format(
                    "unknown table or key '{}' (expected [keys], [modules.NAME] or [[notify]])",
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

namespace rblscope {

namespace {

/// A scalar as the command line would write it; nullopt for tables and arrays.
std::optional<std::string> scalar_text(const toml::node& node) {
    if (const auto* s = node.as_string()) {
        return s->get();
    }
    if (const auto* i = node.as_integer()) {
        return std::to_string(i->get());
    }
    if (const auto* f = node.as_floating_point()) {
        return fmt::format("{}", f->get());
    }
    if (const auto* b = node.as_boolean()) {
        return std::string(b->get() ? "true" : "false");
    }
    return std::nullopt;
}

} // namespace

namespace {

// Each `name = value` of `table`; a dotted name (`web.config.file = ...`, the option
// --web.config.file) is a table to TOML, so tables are walked with their names joined.
std::optional<Error> collect_option_settings(const toml::table& table,
                                             const std::string& prefix,
                                             const std::string& source,
                                             std::vector<OptionSetting>& out) {
    for (const auto& [name, node] : table) {
        OptionSetting s;
        s.name = sanitize_text(prefix + std::string(name.str()), 80);
        s.where = where(source, node.source());
        if (const auto* inner = node.as_table()) {
            if (auto err = collect_option_settings(*inner, s.name + ".", source, out)) {
                return err;
            }
            continue;
        }
        if (const auto* arr = node.as_array()) {
            for (const auto& item : *arr) {
                const auto v = scalar_text(item);
                if (!v) {
                    return Error{fmt::format("'{}': an array of strings, numbers or booleans "
                                             "expected",
                                             s.name),
                                 where(source, item.source())};
                }
                s.values.push_back(*v);
            }
        } else if (const auto v = scalar_text(node)) {
            s.values.push_back(*v);
        } else {
            return Error{fmt::format("'{}': options are `name = value` lines", s.name), s.where};
        }
        out.push_back(std::move(s));
    }
    return std::nullopt;
}

} // namespace

Result<std::vector<OptionSetting>> parse_option_settings(std::string_view text,
                                                         const std::string& source) {
    toml::table root;
    try {
        root = toml::parse(text, source);
    } catch (const toml::parse_error& e) {
        return Error{sanitize_text(e.description(), 300), where(source, e.source())};
    }
    std::vector<OptionSetting> out;
    if (auto err = collect_option_settings(root, "", source, out)) {
        return *err;
    }
    return out;
}

Result<std::vector<OptionSetting>> read_option_settings(const std::string& path) {
    const auto text = read_whole_file(path);
    if (!text) {
        return Error{"cannot read the options file", path};
    }
    return parse_option_settings(*text, path);
}

Result<Config> load_config_option(const std::string& path) {
    if (!path.empty()) {
        return load_config(path);
    }
    const auto default_path = default_config_path();
    struct stat st {};
    if (default_path.empty() || stat(default_path.c_str(), &st) != 0) {
        return Config{}; // no configuration file: keys come from the environment only
    }
    return load_config(default_path);
}

} // namespace rblscope
