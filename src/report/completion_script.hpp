#pragma once
// Shell completion scripts written from a model of the command line (the front end fills it
// from its option table, so the scripts name exactly what the parser accepts).

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace rblscope {

/// One option as a shell sees it.
struct CompletionOption {
    std::vector<std::string> names; ///< "-f", "--format"
    bool takes_value = false;
    std::vector<std::string> choices; ///< fixed values
    enum class Value : std::uint8_t { text, file, zones } value = Value::text;
    std::string help; ///< the first sentence of its description
};

struct CompletionCommand {
    std::string name, help;
    std::vector<CompletionOption> options;
    bool positionals = false; ///< takes arguments besides options (targets, files)
};

/// A bash script: `complete -F _rblscope rblscope`; zone lists complete from
/// `rblscope zones --names`.
void write_bash_completion(std::FILE* out, const std::vector<CompletionCommand>& commands);
/// A zsh script (#compdef rblscope), with each subcommand's and option's help.
void write_zsh_completion(std::FILE* out, const std::vector<CompletionCommand>& commands);

} // namespace rblscope
