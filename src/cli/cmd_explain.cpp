// `rblscope explain`: bounces and mail logs -> cause and fix, optionally with a live check
// of the sending IPs found.

#include "cli/cli.hpp"
#include "cli/diagnostics.hpp"
#include "cli/option_table.hpp"
#include "core/signals.hpp"
#include "rblscope/explain.hpp"
#include "rblscope/log_input.hpp"
#include "rblscope/rblscope.hpp"
#include "report/explain_report.hpp"

#include <algorithm>
#include <cstdio>
#include <fmt/format.h>
#include <poll.h>

namespace rblscope::cli {

namespace {

/// Reads one input into `groups`, saying what went wrong or changed. False when it could
/// not be read.
bool read_input(const std::string& path,
                FindingGroups& groups,
                const BounceKnowledge& knowledge,
                const Catalog& catalog,
                LogPositions* positions,
                ExplainTotals& totals) {
    const auto read = explain_input(
        path, groups, knowledge, catalog, positions, totals, [] { return stop_signal() != 0; });
    if (!read.ok) {
        error("{}: {}", path, read.error);
    }
    if (read.rotated) {
        note("{}: rotated since the last run; read its rest and the new file", path);
    }
    if (read.truncated) {
        note("{}: truncated or rewritten since the last run; read from the start", path);
    }
    return read.ok;
}

/// Shows the live check's bad input and warnings where no report is shown.
class DiagnosticsSink final : public ResultSink {
  public:
    void on_target(const TargetReport& /*report*/) override {}
    void on_input_error(const Error& e) override { error("{}", e.to_string()); }
    void on_warning(const std::string& m) override { warning("{}", m); }
};

/// `--check`: the sending IPs found, checked now. With `shown`, its report is written to
/// stdout as the run goes (text). `exit_code` gets the check's exit status.
LiveCheck live_check(const ExplainOptions& opt,
                     const Catalog& catalog,
                     const FindingGroups& groups,
                     bool shown,
                     int& exit_code) {
    exit_code = 0;
    const auto plan = plan_live_check(groups, opt.lookup.zones, opt.domain);
    if (plan.targets.empty()) {
        error("--check: no sending IP found in the input (--domain names a domain to check)");
        return {};
    }
    LookupOptions lookup = opt.lookup;
    lookup.zones = plan.zones;
    auto prepared = prepare(lookup, catalog);
    if (!prepared) {
        exit_code = static_cast<int>(ExitCode::unknown);
        return {};
    }
    ReportOptions ro;
    ro.color = false;
    ro.deadline_s = lookup.deadline_s;
    DiagnosticsSink diagnostics;
    auto report = shown ? make_text_report(stdout, stderr, ro) : nullptr;
    ResultSink& observer = report ? static_cast<ResultSink&>(*report) : diagnostics;
    auto check = run_live_check(
        plan.targets, std::move(prepared->selection), catalog, prepared->engine, observer);
    if (!check) {
        error("--check: {}", check.error().to_string());
        exit_code = static_cast<int>(ExitCode::unknown);
        return {};
    }
    if (report) {
        report->finish(check->record->summary);
    }
    exit_code = check->record->summary.exit_code;
    return std::move(check.value());
}

/// The exit status: the findings', or with --check-status the worse of theirs and the live
/// check's, the Nagios way (CRITICAL before UNKNOWN before WARNING).
int combined_exit(const ExplainOptions& opt, int findings, int check) {
    if (!opt.check || !opt.check_status) {
        return findings;
    }
    // Not verdict's worst_of (CRITICAL, WARNING, UNKNOWN): a check that could not decide
    // must not hide behind the log's warnings.
    const auto rank = [](int code) { return code == 2 ? 3 : code == 3 ? 2 : code; };
    return rank(check) > rank(findings) ? check : findings;
}

/// --state: the positions the last run with `file` recorded (none yet, or no --state: an empty
/// state). False after saying why the file cannot be used.
bool load_positions(const std::string& file, LogPositions& out) {
    if (file.empty()) {
        return true;
    }
    auto loaded = LogPositions::load(file);
    if (!loaded) {
        error("{}", loaded.error().to_string());
        return false;
    }
    out = std::move(loaded.value());
    return true;
}

/// `--follow`: each log read as it grows, each finding written as it is found (text: a
/// new cause explained in full, a repeat in one line; json: one object a line) until
/// SIGINT/SIGTERM. Exit status: the worst finding, as for a whole run.
int run_follow(const ExplainOptions& opt,
               const Catalog& catalog,
               const BounceKnowledge& knowledge) {
    const auto unknown = static_cast<int>(ExitCode::unknown);
    if (opt.inputs.empty() ||
        std::find(opt.inputs.begin(), opt.inputs.end(), "-") != opt.inputs.end()) {
        error("--follow reads log files: name them (stdin cannot be "
              "followed)");
        return unknown;
    }
    if (opt.format == "nagios" || opt.check) {
        error("--follow writes findings as they come (--format text or json); for "
              "a periodic check use --state with --format nagios{}",
              opt.check ? " and --check" : "");
        return unknown;
    }
    LogPositions positions;
    if (!load_positions(opt.state_file, positions)) {
        return unknown;
    }
    for (const auto& path : opt.inputs) {
        if (positions.find(path) == nullptr) {
            if (const auto err = start_at_end(path, positions); !err.empty()) {
                note("{}: {}; read from its start when it appears", path, err);
            }
        }
    }
    FindingGroups groups;
    const bool json = opt.format == "json";
    if (!json) {
        write_follow_start(stdout, opt.inputs);
        std::fflush(stdout);
    }
    const auto save = [&] {
        if (!opt.state_file.empty()) {
            if (const auto err = positions.save(opt.state_file); !err.empty()) {
                error("{}: cannot save the state: {}", opt.state_file, err);
            }
        }
    };
    const auto stop = [] { return stop_signal() != 0; };
    const auto wait = [&] {
        save(); // after every pass: a killed follower loses nothing it has written
        pollfd p{stop_fd(), POLLIN, 0};
        ::poll(&p, p.fd < 0 ? 0 : 1, static_cast<int>(opt.follow_interval_s * 1000));
        return !stop();
    };
    const auto on_finding = [&](std::size_t index, const Rejection& r, const Explanation& e) {
        write_followed_finding(stdout, json, groups, index, r, e);
        std::fflush(stdout);
    };
    const auto notice = [](const FollowedLog& log, const InputRead& read) {
        if (!read.ok) {
            error("{}: {} (still watching)", log.path, read.error);
        } else if (read.rotated) {
            note("{}: rotated; read the rest of the old file", log.path);
        } else if (read.truncated) {
            note("{}: truncated; read from the start", log.path);
        }
    };
    follow_explained(
        opt.inputs, positions, knowledge, catalog, groups, on_finding, wait, stop, notice);
    save();
    if (!json) {
        write_follow_summary(stdout, groups);
    }
    return groups.worst_exit_code();
}

} // namespace

void add_explain(CLI::App& app, ExplainOptions& opt) {
    app.add_option("inputs",
                   opt.inputs,
                   "Bounce messages (plain or MIME), mail logs (Postfix, Exim, Sendmail, qmail) "
                   "or pasted SMTP replies; '-' or nothing reads stdin");
    app.add_option("-f,--format",
                   opt.format,
                   "Output format: text, json, or nagios (one status line with perfdata, for "
                   "running as a log check)")
        ->check(CLI::IsMember({"text", "json", "nagios"}));
    app.add_option("--show", opt.max_shown, "Text: explain at most this many distinct causes")
        ->check(CLI::Range(std::size_t{1}, std::size_t{1000000}));
    app.add_flag("--check",
                 opt.check,
                 "Also check every sending IP found against the blocklists now (the lists named "
                 "in the bounces first)");
    app.add_flag("--check-status",
                 opt.check_status,
                 "--check: the exit status is the worse of the findings' and the live check's "
                 "(a sending IP listed now is CRITICAL even when the log has only deferrals)");
    {
        using enum SharedOption;
        add_shared_options(
            app,
            opt.lookup,
            {zones, resolver, zone_server, deadline, query_timeout, config, ca_file, http_timeout},
            "--check: ");
    }
    app.add_option("--domain",
                   opt.domain,
                   "--check: also check this sending domain, with the providers' own view of it "
                   "where the bounces came from one that publishes it (Gmail: Postmaster Tools, "
                   "with RBLSCOPE_GOOGLE_SA_FILE)");
    app.add_option("--state",
                   opt.state_file,
                   "Read each log only from where the last run with this state file stopped "
                   "(for cron; follows rotation by inode: the rest of LOG.1, then LOG)");
    app.add_flag("--follow",
                 opt.follow,
                 "Keep reading the logs as they grow (from their end, or from --state's "
                 "positions) and write each finding as it is found, until Ctrl-C/SIGTERM");
    app.add_option("--follow-interval",
                   opt.follow_interval_s,
                   "--follow: seconds between looks at the logs")
        ->check(CLI::Range(0.05, 3600.0));
    add_shared_options(app, opt.lookup, {SharedOption::catalog});
}

int run_explain_command(const ExplainOptions& opt) {
    const auto unknown = static_cast<int>(ExitCode::unknown);
    if (!opt.domain.empty() && !opt.check) {
        error("--domain is checked with --check: add --check");
        return unknown;
    }
    auto catalog = load(opt.lookup.catalog);
    if (!catalog) {
        return unknown;
    }
    auto knowledge = load_knowledge(*catalog);
    if (!knowledge) {
        return unknown;
    }
    if (opt.follow) {
        return run_follow(opt, *catalog, *knowledge);
    }
    FindingGroups groups;
    ExplainTotals totals;
    const std::vector<std::string> inputs =
        opt.inputs.empty() ? std::vector<std::string>{"-"} : opt.inputs;
    LogPositions positions;
    if (!load_positions(opt.state_file, positions)) {
        return unknown;
    }
    LogPositions* state = opt.state_file.empty() ? nullptr : &positions;
    std::size_t readable = 0;
    for (const auto& in : inputs) {
        if (totals.interrupted) {
            break;
        }
        readable += read_input(in, groups, *knowledge, *catalog, state, totals) ? 1 : 0;
    }
    if (state != nullptr) {
        if (const auto err = state->save(opt.state_file); !err.empty()) {
            error("{}: cannot save the state: {}", opt.state_file, err);
        }
    }
    mark_output_started(); // the report (or the line below) says how the run ended
    if (readable == 0) {
        if (opt.format == "nagios") {
            fmt::print("RBLSCOPE EXPLAIN UNKNOWN - no input could be read\n");
        }
        return unknown;
    }

    int check_exit = 0;
    std::optional<LiveCheck> check;
    if (opt.check) {
        // Text shows the check's own report after the findings; JSON embeds it after them
        // (they say what it found); the Nagios line only counts it.
        if (opt.format == "text") {
            write_explain_text(stdout, groups, totals, opt.max_shown);
            fmt::print("\nLive check of the sending IPs found{}:\n",
                       opt.domain.empty() ? "" : " and of " + opt.domain);
            std::fflush(stdout);
        }
        check = live_check(opt, *catalog, groups, opt.format == "text", check_exit);
    }
    const LiveCheck* checked = check ? &*check : nullptr;
    if (opt.format == "json") {
        fmt::memory_buffer b;
        write_explain_json(b, groups, totals, checked);
        b.push_back('\n');
        std::fwrite(b.data(), 1, b.size(), stdout);
    } else if (opt.format == "nagios") {
        write_explain_nagios(stdout,
                             groups,
                             combined_exit(opt, groups.worst_exit_code(), check_exit),
                             checked != nullptr ? &checked->statuses : nullptr);
    } else if (checked != nullptr) {
        write_named_lists_text(stdout, groups, checked->statuses);
    } else {
        write_explain_text(stdout, groups, totals, opt.max_shown);
    }
    std::fflush(stdout);
    if (totals.interrupted) {
        error("{}: stopped after {} lines; the findings above are from that part",
              signal_name(stop_signal()),
              totals.lines);
        return unknown;
    }
    return combined_exit(opt, groups.worst_exit_code(), check_exit);
}

} // namespace rblscope::cli
