#include "cli/cli.hpp"
#include "cli/diagnostics.hpp"
#include "cli/option_table.hpp"
#include "core/sanitize.hpp"
#include "core/signals.hpp"
#include "rblscope/rblscope.hpp"
#include "report/guarded_report.hpp"
#include "report/progress.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <optional>
#include <set>
#include <sys/stat.h>
#include <tuple>
#include <unistd.h>

namespace rblscope::cli {

void add_check(CLI::App& app, CheckOptions& opt) {
    app.add_option(
        "targets", opt.targets, "IPv4/IPv6 addresses, CIDR blocks, hostnames or email addresses");
    app.add_option("-H,--host", opt.hosts, "A target, the Monitoring Plugins way (repeatable)")
        ->allow_extra_args(false);
    app.add_option(
        "-i,--input", opt.input, "Read targets from FILE ('-' for stdin), one a line, # comments");
    app.add_option("-f,--format", opt.format, "Output format")
        ->check(CLI::IsMember({"text", "json", "nagios", "csv", "prometheus"}));
    add_lookup_options(app, opt.lookup);
    add_shared_options(app, opt.lookup, {SharedOption::cache});
    app.add_flag("-a,--all", opt.all, "Text: also show the lists that answered clean");
    // check_rbl's options, so that a Nagios/Icinga command moves over by its path alone.
    auto* compat = app.add_option_group("check_rbl compatibility");
    compat
        ->add_option("-s,--server",
                     opt.servers,
                     "A zone to check, as check_rbl names it (repeatable; added to --zones)")
        ->allow_extra_args(false);
    compat
        ->add_option(
            "--retry", opt.check_rbl_retry, "check_rbl's tries per query: N tries = --retries N-1")
        ->check(CLI::Range(1, 11));
    static const std::string verbose_help = "Accepted for check_rbl: the listings are always shown";
    static const std::string debug_help = "Accepted for check_rbl; ignored";
    compat->add_flag("-v,--verbose", verbose_help);
    compat->add_flag("-d,--debug", debug_help);
    compat->add_option("--workers", "Accepted for check_rbl; the window of queries adapts itself");
    app.add_option("--state",
                   opt.state_file,
                   "Remember this run in FILE and report only what changed since the last one "
                   "(text or json)");
    app.add_flag("--progress",
                 opt.progress,
                 "Show progress on stderr whatever the format and wherever stderr goes (by "
                 "default: text output on a terminal, runs longer than a second)");
    app.add_option("--color", opt.color, "Colour in text output")
        ->check(CLI::IsMember({"auto", "always", "never"}));
    app.set_version_flag("-V,--version", std::string("rblscope ") + k_version);
}

int run_check_command(const CheckOptions& opt) {
    const auto unknown = static_cast<int>(ExitCode::unknown);
    auto catalog = load(opt.lookup.catalog);
    if (!catalog) {
        return unknown;
    }
    std::vector<std::string> targets = opt.hosts;
    targets.insert(targets.end(), opt.targets.begin(), opt.targets.end());
    if (targets.empty() && opt.input.empty()) {
        error("nothing to check: give targets or --input FILE (see rblscope check "
              "--help)");
        return unknown;
    }

    // check_rbl's -s and --retry say what --zones and --retries say.
    LookupOptions merged = opt.lookup;
    for (const auto& s : opt.servers) {
        merged.zones += (merged.zones.empty() ? "" : ",") + s;
    }
    if (opt.check_rbl_retry > 0) {
        merged.retries = opt.check_rbl_retry - 1;
    }
    const auto prepared = prepare(merged, *catalog);
    if (!prepared) {
        return unknown;
    }
    const auto& eo = prepared->engine;
    const auto& zones = prepared->selection.zones;

    struct InputFile {
        int fd = -1;
        ~InputFile() {
            if (fd > STDIN_FILENO) {
                ::close(fd);
            }
        }
    } input;
    if (opt.input == "-") {
        input.fd = STDIN_FILENO;
    } else if (!opt.input.empty()) {
        input.fd = ::open(opt.input.c_str(), O_RDONLY | O_CLOEXEC);
        if (input.fd < 0) {
            error("--input {}: cannot open the file: {}", opt.input, std::strerror(errno));
            return unknown;
        }
    }
    ArgumentsThenInput source(targets, input.fd, opt.input);

    ReportOptions ro;
    const char* no_color = std::getenv("NO_COLOR");
    ro.color = opt.color == "always" || (opt.color == "auto" && isatty(STDOUT_FILENO) != 0 &&
                                         (no_color == nullptr || *no_color == '\0'));
    ro.show_clean = opt.all;
    ro.policy = eo.exit_policy;
    ro.deadline_s = opt.lookup.deadline_s;
    std::unique_ptr<Report> report;
    std::optional<RunState> previous;
    RunState next;
    if (!opt.state_file.empty()) {
        if (opt.format != "text" && opt.format != "json") {
            error("--state reports changes as text or json only");
            return unknown;
        }
        auto loaded = load_state(opt.state_file);
        if (!loaded.problem.empty()) {
            // A damaged state must never turn into "newly listed": start afresh.
            warning("--state {}; starting afresh (this run becomes the "
                    "baseline)",
                    loaded.problem);
        }
        previous = std::move(loaded.state);
        report = make_change_report(
            stdout, stderr, opt.format == "json", previous ? &*previous : nullptr, next);
    } else if (opt.format == "json") {
        report = make_json_report(stdout, stderr);
    } else if (opt.format == "nagios") {
        report = make_nagios_report(stdout, stderr, ro);
    } else if (opt.format == "csv") {
        report = make_csv_report(stdout, stderr);
    } else if (opt.format == "prometheus") {
        report = make_prometheus_report(stdout, stderr);
    } else {
        report = make_text_report(stdout, stderr, ro);
    }

    // Progress: on a terminal for text runs longer than a second, or when asked.
    {
        std::uint64_t total = 0; // with --input: a stream, not known ahead
        if (opt.input.empty()) {
            for (const auto& t : targets) {
                const auto parsed = parse_target(t);
                total += parsed && parsed->kind == Target::Kind::cidr ? parsed->cidr->size() : 1;
            }
        }
        Progress progress(stderr, "checked", total, opt.input.empty() ? 2 : 0);
        progress.set_delay(std::chrono::seconds(1));
        progress.set_forced(opt.progress);
        if (opt.progress || (opt.format == "text" && progress.active())) {
            report = std::make_unique<ProgressReport>(std::move(report), std::move(progress));
        }
    }
    GuardedReport guarded(std::move(report), stdout);
    auto summary = run_check(zones, *catalog, source, guarded, eo);
    if (!summary) {
        error("{}", summary.error().to_string()); // a setup error: nothing was reported yet
        return unknown;
    }
    mark_output_started(); // the report says how the run ended
    guarded.finish(*summary);
    if (guarded.broken()) {
        return unknown; // stdout went away: quietly, as `| head` expects
    }
    if (!opt.state_file.empty()) {
        if (summary->interrupted) {
            error("--state {}: not updated (the run was cut short)", opt.state_file);
        } else if (auto why = save_state(opt.state_file, next); !why.empty()) {
            warning("--state: {}", why);
        }
    }
    if (summary->interrupted) {
        error("{}: stopped after {} targets; what was still open is reported "
              "as timeout",
              stop_signal() != 0 ? signal_name(stop_signal()) : "interrupted",
              summary->targets);
        return unknown;
    }
    if (summary->targets == 0 || summary->deadline_reached) {
        return unknown; // nothing could be decided
    }
    return summary->exit_code;
}

} // namespace rblscope::cli
