// `rblscope completion bash|zsh`: the subcommands, options and values the parser accepts,
// read from the CLI11 model itself, handed to the script writers (report/completion_script).
// The build writes both scripts into the install (share/bash-completion,
// share/zsh/vendor-completions).

#include "cli/completion.hpp"

#include "report/completion_script.hpp"

#include <string>
#include <vector>

namespace rblscope::cli {

namespace {

/// Options whose value is a path, and the one whose value is a zone list.
CompletionOption::Value value_kind(const std::string& long_name) {
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
            return CompletionOption::Value::file;
        }
    }
    return long_name == "--zones" ? CompletionOption::Value::zones : CompletionOption::Value::text;
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

CompletionCommand command_words(const CLI::App& app) {
    CompletionCommand c;
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
        CompletionOption o;
        for (const auto& s : opt->get_snames()) {
            o.names.push_back("-" + s);
        }
        for (const auto& l : opt->get_lnames()) {
            o.names.push_back("--" + l);
        }
        o.takes_value = opt->get_type_size_max() > 0 && opt->get_expected_max() > 0;
        o.choices = choices_of(opt->get_type_name());
        o.value = o.names.empty() ? CompletionOption::Value::text : value_kind(o.names.back());
        o.help = first_sentence(opt->get_description());
        c.options.push_back(std::move(o));
    }
    return c;
}

std::vector<CompletionCommand> commands_of(const CLI::App& app) {
    std::vector<CompletionCommand> out;
    for (const auto* sub :
         app.get_subcommands([](const CLI::App* a) { return !a->get_name().empty(); })) {
        out.push_back(command_words(*sub));
    }
    return out;
}

} // namespace

int print_completion(const CLI::App& app, const std::string& shell) {
    if (shell == "zsh") {
        write_zsh_completion(stdout, commands_of(app));
    } else {
        write_bash_completion(stdout, commands_of(app));
    }
    return 0;
}

} // namespace rblscope::cli
