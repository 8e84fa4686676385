#include "cli/cli.hpp"

#include "cli/completion.hpp"
#include "cli/diagnostics.hpp"
#include "cli/options_file.hpp"
#include "core/signals.hpp"
#include "rblscope/rblscope.hpp"

#include <algorithm>
#include <cstdio>
#include <fmt/format.h>
#include <system_error>

namespace rblscope::cli {

std::optional<std::string> catalog_path(const std::string& option) {
    static const CatalogPlaces places{
        RBLSCOPE_BUILD_DIR, RBLSCOPE_SOURCE_CATALOG, RBLSCOPE_INSTALLED_CATALOG};
    auto path = find_catalog_file(option, places);
    if (!path) {
        error("{}", path.error().to_string());
        return std::nullopt;
    }
    return std::move(path.value());
}

std::optional<Catalog> load(const std::string& option) {
    const auto path = catalog_path(option);
    if (!path) {
        return std::nullopt;
    }
    auto cat = load_catalog(*path, catalog_override_files(RBLSCOPE_OVERRIDE_DIR));
    if (!cat) {
        error("{}", cat.error().to_string());
        return std::nullopt;
    }
    return std::move(cat.value());
}

std::optional<BounceKnowledge> load_knowledge(const Catalog& catalog) {
    auto k = load_bounce_knowledge(catalog);
    if (!k) {
        error("{}", k.error().to_string());
        return std::nullopt;
    }
    return std::move(k.value());
}

std::optional<PreparedLookup> prepare(const LookupOptions& opt, const Catalog& catalog) {
    auto prepared = prepare_lookup(opt, catalog);
    if (!prepared) {
        error("{}", prepared.error().to_string());
        return std::nullopt;
    }
    for (const auto& w : prepared->selection.warnings) {
        warning("{}", w);
    }
    prepared->engine.stop_fd = stop_fd(); // SIGINT / SIGTERM, or stdout gone
    return std::move(prepared.value());
}

namespace {

/// The Monitoring Plugins status line a command of `words` prints when it ends in a usage
/// error before its report ("RBL UNKNOWN - ..."), or "" when it is not a Nagios-format
/// check or explain. A parse error can come before the options are read: the words decide.
std::string nagios_prefix(const std::vector<std::string>& words) {
    bool nagios = false;
    std::string command;
    for (std::size_t i = 0; i < words.size(); ++i) {
        const auto& w = words[i];
        if (command.empty() && (w == "check" || w == "explain")) {
            command = w;
        }
        nagios =
            nagios || w == "--format=nagios" || w == "-fnagios" ||
            ((w == "--format" || w == "-f") && i + 1 < words.size() && words[i + 1] == "nagios");
    }
    if (!nagios || command.empty()) {
        return {};
    }
    return command == "check" ? "RBL UNKNOWN - " : "RBLSCOPE EXPLAIN UNKNOWN - ";
}

/// Invoked as check_rblscope (a plugin directory's symlink): `rblscope check --format
/// nagios`, so that a check_rbl command line moves over by its path alone.
std::vector<std::string> words_of(int argc, char** argv) {
    std::vector<std::string> words(argv + 1, argv + argc);
    const std::string_view self = argc > 0 ? argv[0] : "";
    const auto slash = self.rfind('/');
    if (self.substr(slash == std::string_view::npos ? 0 : slash + 1) == "check_rblscope") {
        const bool format = std::any_of(words.begin(), words.end(), [](const std::string& w) {
            return w == "-f" || w == "--format" || w.starts_with("--format=");
        });
        words.insert(words.begin(), "check");
        if (!format) {
            words.insert(words.begin() + 1, {"--format", "nagios"});
        }
    }
    return words;
}

} // namespace

int run(int argc, char** argv) {
    CLI::App app{
        "rblscope: checks IPs, hosts and domains against hundreds of DNS blocklists at once "
        "and tells listed, clean and could-not-ask apart.\n"
        "Exit status: 0 clean, 1 warning (policy listings), 2 listed, 3 unknown or bad usage.",
        "rblscope"};
    app.set_version_flag("-V,--version", std::string("rblscope ") + k_version);
    app.require_subcommand(0, 1);
    // --help shows every option's default (set before the subcommands copy these settings).
    app.option_defaults()->always_capture_default();

    CheckOptions check;
    auto* check_cmd = app.add_subcommand("check", "Check targets against the blocklists");
    add_check(*check_cmd, check);

    ZonesOptions zones;
    auto* zones_cmd = app.add_subcommand("zones", "List the zone catalog");
    add_zones(*zones_cmd, zones);

    ExplainOptions explain;
    auto* explain_cmd = app.add_subcommand(
        "explain", "Explain bounces and mail logs: who refused, why, and how to fix it");
    add_explain(*explain_cmd, explain);

    VetCommandOptions vet;
    auto* vet_cmd = app.add_subcommand(
        "vet",
        "Vet addresses or blocks before sending mail from them: blocklists, PTR, SPF, "
        "DMARC, DKIM");
    add_vet(*vet_cmd, vet);

    ServeCommandOptions serve;
    auto* serve_cmd = app.add_subcommand(
        "serve",
        "Prometheus exporter: watch targets in the background (/metrics), check one on demand "
        "(/probe)");
    add_serve(*serve_cmd, serve);

    HistoryOptions history;
    auto* history_cmd = app.add_subcommand(
        "history", "Show when each listing began and ended, from a serve --history file");
    add_history(*history_cmd, history);

    std::string shell;
    auto* completion_cmd = app.add_subcommand(
        "completion",
        "Print a shell completion script: source it, or install it as the package does");
    completion_cmd->add_option("shell", shell, "bash or zsh")
        ->required()
        ->check(CLI::IsMember({"bash", "zsh"}));

    const auto words = words_of(argc, argv);
    const auto status_prefix = nagios_prefix(words);
    try {
        // CLI11 takes the words in reverse order.
        app.parse(std::vector<std::string>(words.rbegin(), words.rend()));
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        // One clear line; the Monitoring Plugins convention puts usage errors at UNKNOWN.
        error("{} (see rblscope {}--help)",
              e.what(),
              app.get_subcommands().empty() ? "" : app.get_subcommands().front()->get_name() + " ");
        if (!status_prefix.empty()) {
            fmt::print("{}{}\n", status_prefix, e.what());
        }
        return static_cast<int>(ExitCode::unknown);
    }
    if (app.get_subcommands().empty()) {
        // A bare `rblscope`: what it does and how to call it, as a usage error.
        fmt::print(stderr, "{}", app.help());
        return static_cast<int>(ExitCode::unknown);
    }
    if (completion_cmd->parsed()) {
        return print_completion(app, shell);
    }
    if (serve_cmd->parsed() && !serve.options_file.empty() &&
        !apply_options_file(*serve_cmd, serve.options_file)) {
        return static_cast<int>(ExitCode::unknown);
    }
    const StopSignals signals;
    int code = static_cast<int>(ExitCode::unknown);
    try {
        if (check_cmd->parsed()) {
            code = run_check_command(check);
        } else if (serve_cmd->parsed()) {
            code = run_serve_command(serve);
        } else if (vet_cmd->parsed()) {
            code = run_vet_command(vet);
        } else if (explain_cmd->parsed()) {
            code = run_explain_command(explain);
        } else if (history_cmd->parsed()) {
            code = run_history_command(history);
        } else {
            code = run_zones_command(zones);
        }
    } catch (const std::system_error& e) {
        // fmt's "cannot write to file": stdout went away (| head). Nothing more can be said
        // there, and a message about it would only be noise.
        if (e.code() != std::errc::broken_pipe) {
            error("{}", e.what());
        }
        return static_cast<int>(ExitCode::unknown);
    }
    if (code == static_cast<int>(ExitCode::unknown) && !status_prefix.empty() &&
        !output_started() && !last_error().empty()) {
        // A monitoring system shows stdout: without this line it says "(No output returned
        // from plugin)" instead of why.
        std::string line = status_prefix + last_error();
        std::replace(line.begin(), line.end(), '|', '/'); // '|' would start perfdata
        fmt::print("{}\n", line);
    }
    if (std::fflush(stdout) != 0 || std::ferror(stdout) != 0) {
        return static_cast<int>(ExitCode::unknown); // the output did not arrive whole
    }
    return code;
}

} // namespace rblscope::cli
