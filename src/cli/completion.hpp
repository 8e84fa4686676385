#pragma once
// Shell completion scripts written from the command-line model.

#include <CLI/CLI.hpp>
#include <string>

namespace rblscope::cli {

/// Prints the completion script for `shell` ("bash" or "zsh") of `app`'s subcommands,
/// options and fixed option values to stdout. Returns the exit status.
int print_completion(const CLI::App& app, const std::string& shell);

} // namespace rblscope::cli
