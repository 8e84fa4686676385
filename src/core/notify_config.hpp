#pragma once
// The [[notify]] tables of the configuration file (see NotifierConfig in config.hpp).

#include "rblscope/config.hpp"

#include <string>
#include <toml++/toml.h>
#include <vector>

namespace rblscope {

/// Reads the `notify` array of tables; errors name "FILE:LINE:COL" and never hold a URL,
/// user or password.
[[nodiscard]] Result<std::vector<NotifierConfig>> read_notifiers(const toml::node& node,
                                                                 const std::string& path);

} // namespace rblscope
