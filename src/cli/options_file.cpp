#include "cli/options_file.hpp"

#include "cli/diagnostics.hpp"
#include "rblscope/config.hpp"

#include <fmt/format.h>

namespace rblscope::cli {

bool apply_options_file(CLI::App& app, const std::string& path) {
    const auto settings = read_option_settings(path);
    if (!settings) {
        error("{}", settings.error().to_string());
        return false;
    }
    for (const auto& s : *settings) {
        auto* opt = s.name.empty() || s.name.starts_with('-')
                        ? nullptr
                        : app.get_option_no_throw("--" + s.name);
        if (opt == nullptr || opt->get_positional() || s.name == "options-file" ||
            s.name == "help") {
            error("{}: unknown option '{}' (see rblscope {} --help)",
                  s.where,
                  s.name,
                  app.get_name());
            return false;
        }
        if (opt->count() > 0) {
            continue; // given on the command line
        }
        try {
            opt->add_result(s.values);
            opt->run_callback();
        } catch (const CLI::ParseError& e) {
            error("{}: {}: {}", s.where, s.name, e.what());
            return false;
        }
    }
    return true;
}

} // namespace rblscope::cli
