// `rblscope history`: the listing timelines a `serve --history FILE` recorded.

#include "cli/cli.hpp"
#include "cli/diagnostics.hpp"
#include "rblscope/history.hpp"
#include "report/history_report.hpp"

#include <ctime>

namespace rblscope::cli {

void add_history(CLI::App& app, HistoryOptions& opt) {
    app.add_option("file", opt.file, "The history file serve --history writes")->required();
    app.add_option("targets", opt.targets, "Only these targets (as serve's --targets names them)");
    app.add_option("--since",
                   opt.since,
                   "Only what happened since: a date (2026-12-01), a time (2026-12-01T08:00:00Z) "
                   "or an age (7d, 12h); listings open then are shown whole");
    app.add_option("-f,--format", opt.format, "Output format")
        ->check(CLI::IsMember({"text", "json", "csv"}));
}

int run_history_command(const HistoryOptions& opt) {
    const auto unknown = static_cast<int>(ExitCode::unknown);
    const auto now = static_cast<std::int64_t>(std::time(nullptr));
    std::int64_t since = 0;
    if (!opt.since.empty()) {
        const auto parsed = parse_since(opt.since, now);
        if (!parsed) {
            error("{}", parsed.error().to_string());
            return unknown;
        }
        since = parsed.value();
    }
    const auto timelines = read_history(opt.file, opt.targets, since);
    if (!timelines) {
        error("{}", timelines.error().to_string());
        return unknown;
    }
    if (opt.format == "json") {
        fmt::memory_buffer b;
        write_history_json(b, *timelines, now);
        b.push_back('\n');
        std::fwrite(b.data(), 1, b.size(), stdout);
    } else if (opt.format == "csv") {
        write_history_csv(stdout, *timelines, now);
    } else {
        write_history_text(stdout, *timelines, now);
    }
    return 0;
}

} // namespace rblscope::cli
