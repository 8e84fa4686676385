#pragma once
/// \file config.hpp
/// \brief The user's configuration file: API keys and the exporter's probe modules, e.g.
/// `~/.config/rblscope/config.toml`:
///
/// ```toml
/// [keys]
/// RBLSCOPE_ABUSEIPDB_KEY = "..."     # named like the environment variables
///
/// [modules.strict]                   # rblscope serve: GET /probe?target=...&module=strict
/// zones = "default,tag:policy"       # as --zones
/// warning = "0"                      # as -w / -c / --threshold-on / --errors-as
/// critical = "2:"
/// query_timeout = 2.0                # as --query-timeout / --retries
///
/// [[notify]]                         # rblscope serve: a message on every confirmed change
/// type = "slack"                     # webhook, slack, mattermost, teams or email
/// url_env = "SLACK_WEBHOOK_URL"      # or url = "https://hooks.slack.com/..."
/// ```

#include "rblscope/error.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rblscope {

/// A named set of check options for `rblscope serve`'s /probe (blackbox_exporter's
/// "modules"). Empty strings and unset numbers mean "as the command line says".
struct ProbeModuleConfig {
    std::string zones, warning, critical, threshold_on, errors_as;
    std::optional<double> query_timeout_s;
    std::optional<int> retries;
    std::string where; ///< "FILE:LINE:COL" of the table, for errors found later
};

/// Where `serve` sends its change notifications ([[notify]] tables; serve/notifier.hpp).
struct NotifierConfig {
    enum class Type : std::uint8_t { webhook, slack, mattermost, teams, email };
    Type type = Type::webhook;
    std::string name; ///< `name`, else "TYPE" (with a number when several share a type)
    /// Webhooks: the URL (Slack's, Teams' and Mattermost's hold their secret: never printed),
    /// from `url` or from the environment variable `url_env` (read when serve starts).
    std::string url, url_env;
    /// Email: smtp://HOST[:PORT] (STARTTLS unless `starttls = false`) or smtps://.
    std::string smtp_url;
    bool starttls = true;
    std::string user, password, password_env; ///< AUTH; the password never printed
    std::string from;
    std::vector<std::string> to;
    /// Changes sent: of listings at least this severe ("critical", "warning" or "info"),
    /// of these zones (ids or DNS names) and targets only (empty: all).
    std::string min_severity = "info";
    std::vector<std::string> zones, targets;
    /// At most `burst` messages at once and `per_hour` an hour; beyond that, the changes
    /// waiting are sent together in one message.
    int burst = 10;
    int per_hour = 60;
    std::string where; ///< "FILE:LINE:COL" of the table
};
[[nodiscard]] std::string_view to_string(NotifierConfig::Type type) noexcept;

struct Config {
    std::map<std::string, std::string> keys; ///< variable name -> key; never printed
    std::map<std::string, ProbeModuleConfig> modules;
    std::vector<NotifierConfig> notifiers;
    std::string source; ///< file it was read from
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
/// Reads the configuration file `path`, or the default one (~/.config/rblscope/config.toml)
/// when `path` is empty and that file exists; no file at all is an empty Config.
[[nodiscard]] Result<Config> load_config_option(const std::string& path);

/// Parses configuration text (no file checks); `source_name` names it in errors.
[[nodiscard]] Result<Config> parse_config(std::string_view text, const std::string& source_name);

/// One `name = value` line of an options file (`rblscope serve --options-file`): the
/// option's long name without dashes and its values as the command line would give them
/// (an array gives several, a boolean "true" or "false").
struct OptionSetting {
    std::string name;
    std::vector<std::string> values;
    std::string where; ///< "FILE:LINE:COL"
};

/// Reads an options file: a flat TOML table of strings, numbers, booleans and arrays of
/// them. Errors (syntax, a nested table) name "FILE:LINE:COL".
[[nodiscard]] Result<std::vector<OptionSetting>> read_option_settings(const std::string& path);
[[nodiscard]] Result<std::vector<OptionSetting>> parse_option_settings(std::string_view text,
                                                                       const std::string& source);

} // namespace rblscope
