// `rblscope completion bash|zsh`: shell completion scripts written from the option table
// itself, so they name exactly the subcommands, options and values the parser accepts. The
// build writes both into the install (share/bash-completion, share/zsh/vendor-completions).

#include "cli/completion.hpp"

#include <fmt/format.h>
#include <string>
#include <vector>

namespace rblscope::cli {

namespace {

/// One option as a shell sees it.
struct OptionWords {
    std::vector<std::string> names; ///< "-f", "--format"
    bool takes_value = false;
    std::vector<std::string> choices; ///< fixed values (from a CLI::IsMember check)
    enum class Value : std::uint8_t { text, file, zones } value = Value::text;
    std::string help; ///< the first sentence of its description
};

struct CommandWords {
    std::string name, help;
    std::vector<OptionWords> options;
    bool positionals = false; ///< takes arguments besides options (targets, files)
};

/// Options whose value is a path, and the one whose value is a zone list.
OptionWords::Value value_kind(const std::string& long_name) {
    static constexpr std::string_view k_files[] = {"--catalog",
                                                   "--input",
                                                   "--config",
                                                   "--state",
                                                   "--targets",
                                                   "--html",
                                                   "--ca-file",
                                                   "--cache",
                                                   "--options-file"};
    for (const auto f : k_files) {
        if (long_name == f) {
            return OptionWords::Value::file;
        }
    }
    return long_name == "--zones" ? OptionWords::Value::zones : OptionWords::Value::text;
}

/// "TEXT:{text,json,nagios}" -> text json nagios.
std::vector<std::string> choices_of(const std::string& type_name) {
    std::vector<std::string> out;
    const auto open = type_name.find('{');
    const auto close = type_name.find('}', open);
    if (open == std::string::npos || close == std::string::npos) {
        return out;
    }
    std::string item;
    for (const char c : type_name.substr(open + 1, close - open - 1)) {
        if (c == ',') {
            out.push_back(item);
            item.clear();
        } else if (c != ' ') {
            item += c;
        }
    }
    if (!item.empty()) {
        out.push_back(item);
    }
    return out;
}

std::string first_sentence(const std::string& text) {
    auto end = text.find(". ");
    auto s = text.substr(0, end == std::string::npos ? text.size() : end);
    if (s.size() > 70) {
        s = s.substr(0, 67) + "...";
    }
    return s;
}

CommandWords command_words(const CLI::App& app) {
    CommandWords c;
    c.name = app.get_name();
    c.help = first_sentence(app.get_description());
    for (const auto* opt : app.get_options()) {
        if (opt->get_group().empty()) {
            continue; // hidden
        }
        if (opt->get_positional()) {
            c.positionals = true;
            continue;
        }
        OptionWords o;
        for (const auto& s : opt->get_snames()) {
            o.names.push_back("-" + s);
        }
        for (const auto& l : opt->get_lnames()) {
            o.names.push_back("--" + l);
        }
        o.takes_value = opt->get_type_size_max() > 0 && opt->get_expected_max() > 0;
        o.choices = choices_of(opt->get_type_name());
        o.value = o.names.empty() ? OptionWords::Value::text : value_kind(o.names.back());
        o.help = first_sentence(opt->get_description());
        c.options.push_back(std::move(o));
    }
    return c;
}

std::vector<CommandWords> commands_of(const CLI::App& app) {
    std::vector<CommandWords> out;
    for (const auto* sub :
         app.get_subcommands([](const CLI::App* a) { return !a->get_name().empty(); })) {
        out.push_back(command_words(*sub));
    }
    return out;
}

std::string joined(const std::vector<std::string>& words) {
    std::string out;
    for (const auto& w : words) {
        out += (out.empty() ? "" : " ") + w;
    }
    return out;
}

/// A word for a zsh spec: ' [ ] : \ escaped.
std::string zsh_escaped(const std::string& s) {
    std::string out;
    for (const char c : s) {
        if (c == '\'') {
            out += "'\\''";
        } else if (c == '[' || c == ']' || c == ':' || c == '\\') {
            out += '\\';
            out += c;
        } else {
            out += c;
        }
    }
    return out;
}

void print_bash(const CLI::App& app) {
    const auto commands = commands_of(app);
    std::vector<std::string> names;
    for (const auto& c : commands) {
        names.push_back(c.name);
    }
    fmt::print("# bash completion for rblscope (written by `rblscope completion bash`)\n"
               "_rblscope() {{\n"
               "    local cur=${{COMP_WORDS[COMP_CWORD]}} prev=${{COMP_WORDS[COMP_CWORD-1]}}\n"
               "    local sub=\"\" i\n"
               "    for ((i = 1; i < COMP_CWORD; i++)); do\n"
               "        case ${{COMP_WORDS[i]}} in -*) ;; *) sub=${{COMP_WORDS[i]}}; break ;; "
               "esac\n"
               "    done\n"
               "    if [[ -z $sub ]]; then\n"
               "        COMPREPLY=($(compgen -W \"{} --help --version\" -- \"$cur\"))\n"
               "        return\n"
               "    fi\n"
               "    local opts=\"\"\n"
               "    case $sub in\n",
               joined(names));
    for (const auto& c : commands) {
        std::vector<std::string> words;
        for (const auto& o : c.options) {
            words.insert(words.end(), o.names.begin(), o.names.end());
        }
        fmt::print("    {}) opts=\"{}\" ;;\n", c.name, joined(words));
    }
    fmt::print("    esac\n    case $sub:$prev in\n");
    for (const auto& c : commands) {
        for (const auto& o : c.options) {
            if (!o.takes_value) {
                continue;
            }
            std::vector<std::string> patterns;
            for (const auto& n : o.names) {
                patterns.push_back(c.name + ":" + n);
            }
            std::string pattern;
            for (const auto& p : patterns) {
                pattern += (pattern.empty() ? "" : "|") + p;
            }
            if (!o.choices.empty()) {
                fmt::print("    {}) COMPREPLY=($(compgen -W \"{}\" -- \"$cur\")); return ;;\n",
                           pattern,
                           joined(o.choices));
            } else if (o.value == OptionWords::Value::file) {
                fmt::print("    {}) COMPREPLY=($(compgen -f -- \"$cur\")); return ;;\n", pattern);
            } else if (o.value == OptionWords::Value::zones) {
                // A comma-separated list: complete its last item.
                fmt::print(
                    "    {}) local head=\"\" last=$cur\n"
                    "        [[ $cur == *,* ]] && head=${{cur%,*}}, && last=${{cur##*,}}\n"
                    "        COMPREPLY=($(compgen -P \"$head\" -W \"$(rblscope zones --names "
                    "2>/dev/null)\" -- \"$last\")); return ;;\n",
                    pattern);
            } else {
                fmt::print("    {}) return ;;\n", pattern);
            }
        }
    }
    fmt::print("    esac\n"
               "    if [[ $cur == -* ]]; then\n"
               "        COMPREPLY=($(compgen -W \"$opts --help\" -- \"$cur\"))\n"
               "    else\n"
               "        COMPREPLY=($(compgen -f -- \"$cur\"))\n"
               "    fi\n"
               "}}\n"
               "complete -F _rblscope rblscope\n");
}

void print_zsh(const CLI::App& app) {
    const auto commands = commands_of(app);
    fmt::print("#compdef rblscope\n"
               "# zsh completion for rblscope (written by `rblscope completion zsh`)\n"
               "\n"
               "_rblscope_zones() {{\n"
               "    local -a zones\n"
               "    zones=(${{(f)\"$(rblscope zones --names 2>/dev/null)\"}})\n"
               "    _sequence compadd - $zones\n"
               "}}\n"
               "\n"
               "_rblscope() {{\n"
               "    local -a commands\n"
               "    commands=(\n");
    for (const auto& c : commands) {
        fmt::print("        '{}:{}'\n", c.name, zsh_escaped(c.help));
    }
    fmt::print("    )\n"
               "    if (( CURRENT == 2 )); then\n"
               "        _describe -t commands 'rblscope command' commands\n"
               "        return\n"
               "    fi\n"
               "    local sub=$words[2]\n"
               "    shift words; (( CURRENT-- ))\n"
               "    case $sub in\n");
    for (const auto& c : commands) {
        fmt::print("    {})\n        _arguments -s \\\n", c.name);
        for (const auto& o : c.options) {
            std::string action;
            if (o.takes_value) {
                action = ":value:";
                if (!o.choices.empty()) {
                    action += "(" + joined(o.choices) + ")";
                } else if (o.value == OptionWords::Value::file) {
                    action += "_files";
                } else if (o.value == OptionWords::Value::zones) {
                    action += "_rblscope_zones";
                }
            }
            const auto help = "[" + zsh_escaped(o.help) + "]";
            if (o.names.size() == 1) {
                fmt::print("            '{}{}{}' \\\n", o.names[0], help, action);
            } else {
                fmt::print(
                    "            '({})'{{{}}}'{}{}' \\\n",
                    joined(o.names),
                    [&] {
                        std::string s;
                        for (const auto& n : o.names) {
                            s += (s.empty() ? "" : ",") + n;
                        }
                        return s;
                    }(),
                    help,
                    action);
            }
        }
        fmt::print("            {}\n        ;;\n", c.positionals ? "'*:argument:_files'" : "'*::'");
    }
    fmt::print("    esac\n"
               "}}\n"
               "\n"
               "_rblscope \"$@\"\n");
}

} // namespace

int print_completion(const CLI::App& app, const std::string& shell) {
    if (shell == "zsh") {
        print_zsh(app);
    } else {
        print_bash(app);
    }
    return 0;
}

} // namespace rblscope::cli
