#pragma once
// `--options-file FILE`: option values from a TOML file, for options the command line left
// unset (the service's /etc/rblscope/serve.toml).

#include <CLI/CLI.hpp>
#include <string>

namespace rblscope::cli {

/// Sets `app`'s options from `path`; the command line wins. On an unknown name, a bad value
/// or a file that cannot be read, prints one line naming FILE:LINE:COL and returns false.
bool apply_options_file(CLI::App& app, const std::string& path);

} // namespace rblscope::cli
