// Shell completion scripts (bash, zsh) from a model of the command line: each subcommand's
// options, which take a value, and which values (fixed choices, files, zone names).

#include "report/completion_script.hpp"

#include <fmt/format.h>

namespace rblscope {

namespace {

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

} // namespace

void write_bash_completion(std::FILE* out, const std::vector<CompletionCommand>& commands) {
    std::vector<std::string> names;
    names.reserve(commands.size());
    for (const auto& c : commands) {
        names.push_back(c.name);
    }
    fmt::print(out,
               "# bash completion for rblscope (written by `rblscope completion bash`)\n"
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
        fmt::print(out, "    {}) opts=\"{}\" ;;\n", c.name, joined(words));
    }
    fmt::print(out, "    esac\n    case $sub:$prev in\n");
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
                fmt::print(out,
                           "    {}) COMPREPLY=($(compgen -W \"{}\" -- \"$cur\")); return ;;\n",
                           pattern,
                           joined(o.choices));
            } else if (o.value == CompletionOption::Value::file) {
                fmt::print(
                    out, "    {}) COMPREPLY=($(compgen -f -- \"$cur\")); return ;;\n", pattern);
            } else if (o.value == CompletionOption::Value::zones) {
                // A comma-separated list: complete its last item.
                fmt::print(
                    out,
                    "    {}) local head=\"\" last=$cur\n"
                    "        [[ $cur == *,* ]] && head=${{cur%,*}}, && last=${{cur##*,}}\n"
                    "        COMPREPLY=($(compgen -P \"$head\" -W \"$(rblscope zones --names "
                    "2>/dev/null)\" -- \"$last\")); return ;;\n",
                    pattern);
            } else {
                fmt::print(out, "    {}) return ;;\n", pattern);
            }
        }
    }
    fmt::print(out,
               "    esac\n"
               "    if [[ $cur == -* ]]; then\n"
               "        COMPREPLY=($(compgen -W \"$opts --help\" -- \"$cur\"))\n"
               "    else\n"
               "        COMPREPLY=($(compgen -f -- \"$cur\"))\n"
               "    fi\n"
               "}}\n"
               "complete -F _rblscope rblscope\n");
}

void write_zsh_completion(std::FILE* out, const std::vector<CompletionCommand>& commands) {
    fmt::print(out,
               "#compdef rblscope\n"
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
        fmt::print(out, "        '{}:{}'\n", c.name, zsh_escaped(c.help));
    }
    fmt::print(out,
               "    )\n"
               "    if (( CURRENT == 2 )); then\n"
               "        _describe -t commands 'rblscope command' commands\n"
               "        return\n"
               "    fi\n"
               "    local sub=$words[2]\n"
               "    shift words; (( CURRENT-- ))\n"
               "    case $sub in\n");
    for (const auto& c : commands) {
        fmt::print(out, "    {})\n        _arguments -s \\\n", c.name);
        for (const auto& o : c.options) {
            std::string action;
            if (o.takes_value) {
                action = ":value:";
                if (!o.choices.empty()) {
                    action += "(" + joined(o.choices) + ")";
                } else if (o.value == CompletionOption::Value::file) {
                    action += "_files";
                } else if (o.value == CompletionOption::Value::zones) {
                    action += "_rblscope_zones";
                }
            }
            const auto help = "[" + zsh_escaped(o.help) + "]";
            if (o.names.size() == 1) {
                fmt::print(out, "            '{}{}{}' \\\n", o.names[0], help, action);
            } else {
                fmt::print(
                    out,
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
        fmt::print(
            out, "            {}\n        ;;\n", c.positionals ? "'*:argument:_files'" : "'*::'");
    }
    fmt::print(out,
               "    esac\n"
               "}}\n"
               "\n"
               "_rblscope \"$@\"\n");
}

} // namespace rblscope
