#pragma once
/// \file config.hpp
/// \brief The user's configuration file (API keys for now), e.g.
/// `~/.config/rblscope/config.toml`:
///
/// ```toml
/// [keys]
/// RBLSCOPE_ABUSEIPDB_KEY = "..."     # named like the environment variables
/// ```

#include "rblscope/error.hpp"

#include <map>
#include <string>
#include <string_view>

namespace rblscope {

struct Config {
    std::map<std::string, std::string> keys; ///< variable name -> key; never printed
    std::string source;                      ///< file it was read from
};

/// The key held by environment variable `variable`, else by the configuration file's
/// [keys] table; "" when neither has it. The environment wins.
[[nodiscard]] std::string key_value(const std::string& variable,
                                    const std::map<std::string, std::string>& keys);

/// The default location: $XDG_CONFIG_HOME/rblscope/config.toml, else
/// ~/.config/rblscope/config.toml; empty when neither can be named.
[[nodiscard]] std::string default_config_path();

/// Reads a configuration file. A file that other users can read or write is refused
/// (it holds keys); errors name "FILE:LINE:COL". Key values never appear in errors.
[[nodiscard]] Result<Config> load_config(const std::string& path);

/// Parses configuration text (no file checks); `source_name` names it in errors.
[[nodiscard]] Result<Config> parse_config(std::string_view text, const std::string& source_name);

} // namespace rblscope
