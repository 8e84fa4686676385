// `rblscope explain`: bounces and mail logs -> cause and fix, optionally with a live check
// of the sending IPs found.

#include "cli/cli.hpp"
#include "cli/signals.hpp"
#include "rblscope/explain.hpp"
#include "rblscope/log_input.hpp"
#include "rblscope/rblscope.hpp"
#include "report/json_writer.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <fmt/format.h>
#include <map>
#include <optional>
#include <set>
#include <unistd.h>

namespace rblscope::cli {

namespace {

constexpr std::size_t k_max_checked_ips = 256; // --check asks about this many addresses at most

/// Reads a file (or stdin) through the reader in large blocks.
struct InputTotals {
    std::uint64_t lines = 0, bytes = 0, cut = 0;
    bool interrupted = false; ///< SIGINT/SIGTERM stopped the reading
};

bool read_input(const std::string& path,
                FindingGroups& groups,
                const BounceKnowledge& knowledge,
                const Catalog& catalog,
                LogPositions* positions,
                InputTotals& totals) {
    const bool is_stdin = path == "-";
    RejectionReader reader(
        is_stdin ? "stdin" : path,
        [&](Rejection&& r) {
            auto e = explain(r, knowledge, &catalog);
            groups.add(std::move(r), std::move(e));
        },
        &knowledge);
    const auto read = read_log_input(path, reader, positions, [] { return stop_signal() != 0; });
    reader.finish();
    if (!read.ok) {
        fmt::print(stderr, "rblscope: {}: {}\n", path, read.error);
    }
    if (read.rotated) {
        fmt::print(stderr,
                   "rblscope: {}: rotated since the last run; read its rest and the new file\n",
                   path);
    }
    if (read.truncated) {
        fmt::print(stderr,
                   "rblscope: {}: truncated or rewritten since the last run; read from the start\n",
                   path);
    }
    totals.interrupted = totals.interrupted || read.interrupted;
    totals.lines += reader.lines();
    totals.bytes += reader.bytes();
    totals.cut += reader.cut_lines();
    return read.ok;
}

std::string_view action_word(std::string_view action) {
    if (action == "feedback") {
        return "sent a complaint about";
    }
    if (action == "auto-reply") {
        return "auto-replied to";
    }
    if (action == "delivered") {
        return "accepted";
    }
    if (action == "expired") {
        return "never accepted";
    }
    return action == "deferred" || action == "delayed" ? "deferred" : "refused";
}

std::string codes_line(const Explanation& e) {
    std::string out;
    if (e.smtp_code != 0) {
        out += fmt::format("SMTP {}", e.smtp_code);
    }
    if (!e.enhanced_code.empty()) {
        out += (out.empty() ? "" : " · ") + e.enhanced_code;
    }
    if (!e.provider_code.empty()) {
        out += (out.empty() ? "" : " · ") + e.provider_code;
    }
    return out;
}

/// What --check learned about one (IP, zone): "listed (127.0.0.2)" or "not listed".
using CheckStatuses = std::map<std::pair<std::string, std::string>, std::string>;

/// Forwards to the real report and remembers the status of the lists named in bounces.
class RecordingReport final : public Report {
  public:
    RecordingReport(Report& inner, CheckStatuses& statuses) : m_inner(inner), m_out(statuses) {}
    void on_target(const TargetReport& rep) override {
        for (const auto& r : rep.results) {
            std::string text(to_string(r.status));
            if (!r.codes.empty()) {
                text += " (" + fmt::format("{}", fmt::join(r.codes, ", ")) +
                        (r.meaning.empty() ? "" : ": " + r.meaning) + ")";
            } else if (!r.error.empty()) {
                text += " (" + r.error + ")";
            }
            m_out[{rep.target.text, r.zone->id}] = text;
        }
        m_inner.on_target(rep);
    }
    void on_input_error(const Error& e) override { m_inner.on_input_error(e); }
    void on_warning(const std::string& m) override { m_inner.on_warning(m); }
    void finish(const RunSummary& s) override { m_inner.finish(s); }

  private:
    Report& m_inner;
    CheckStatuses& m_out;
};

/// Runs the live check of the sending IPs; the report goes to `out` in `format`.
int run_live_check(const ExplainOptions& opt,
                   const Catalog& catalog,
                   const FindingGroups& groups,
                   std::FILE* out,
                   CheckStatuses& statuses) {
    CheckOptions co;
    std::set<std::string> ips;
    std::vector<std::string> named; // lists named in the bounces: checked first
    for (const auto& c : groups.causes()) {
        const auto& ip = c.explanation.sending_ip;
        if (!ip.empty() && ips.size() < k_max_checked_ips && ips.insert(ip).second) {
            co.targets.push_back(ip);
        }
        if (const auto* z = c.explanation.list_zone;
            z != nullptr && std::find(named.begin(), named.end(), z->id) == named.end() &&
            z->status != ZoneStatus::defunct && z->status != ZoneStatus::lists_everything) {
            named.push_back(z->id);
        }
    }
    if (co.targets.empty()) {
        fmt::print(stderr, "rblscope: --check: no sending IP found in the input\n");
        return 0;
    }
    co.zones = opt.zones.empty() ? "default" : opt.zones;
    for (const auto& n : named) {
        co.zones = n + "," + co.zones;
    }
    co.resolvers = opt.resolvers;
    co.zone_servers = opt.zone_servers;
    co.query_timeout_s = opt.query_timeout_s;
    co.deadline_s = opt.deadline_s;
    co.config_file = opt.config_file;
    PreparedCheck prepared;
    if (!prepare_check(co, catalog, prepared)) {
        return static_cast<int>(ExitCode::unknown);
    }
    ReportOptions ro;
    ro.color = false;
    ro.deadline_s = opt.deadline_s;
    auto inner =
        opt.format == "json" ? make_json_report(out, stderr) : make_text_report(out, stderr, ro);
    RecordingReport report(*inner, statuses);
    VectorTargetSource source(co.targets);
    auto summary = run_check(prepared.zones, catalog, source, report, prepared.eo);
    if (!summary) {
        fmt::print(stderr, "rblscope: --check: {}\n", summary.error().to_string());
        return static_cast<int>(ExitCode::unknown);
    }
    report.finish(*summary);
    return summary->exit_code;
}

void print_text(const ExplainOptions& opt, const FindingGroups& groups, const InputTotals& totals) {
    const auto& causes = groups.causes();
    std::size_t shown = 0;
    for (const auto& c : causes) {
        if (shown == opt.max_shown) {
            fmt::print("... {} more distinct causes (see --format json, or raise --show)\n\n",
                       causes.size() - shown);
            break;
        }
        ++shown;
        const auto& e = c.explanation;
        const auto& r = c.example;
        const std::string who =
            e.provider != nullptr
                ? e.provider->name + (!e.provider_inferred ? ""
                                      : e.provider_basis == "reporter"
                                          ? " (inferred: its server wrote the report)"
                                          : " (inferred from the recipient's domain)")
                : (r.remote_host.empty() ? std::string("The receiver") : r.remote_host);
        fmt::print("{}. {} {} mail{}  [{}{}]\n",
                   shown,
                   who,
                   action_word(r.action),
                   e.sending_ip.empty() ? "" : " from " + e.sending_ip,
                   to_string(e.category),
                   e.rule != nullptr && !e.rule->verified
                       ? ", heuristic: not documented by the provider"
                       : "");
        fmt::print("   seen      {}x", c.count);
        if (!c.first_seen.empty()) {
            fmt::print(
                ", {}{}", c.first_seen, c.last_seen != c.first_seen ? " .. " + c.last_seen : "");
        }
        fmt::print("  ({})\n", r.where);
        fmt::print("   reply     {}\n", r.reply);
        if (const auto codes = codes_line(e); !codes.empty()) {
            fmt::print("   codes     {}\n", codes);
        }
        std::string path;
        if (!r.log_host.empty()) {
            path += r.log_host + " -> ";
        }
        path += r.remote_host.empty()
                    ? r.remote_ip
                    : r.remote_host + (r.remote_ip.empty() ? "" : " [" + r.remote_ip + "]");
        if (!r.recipient.empty()) {
            path += " for " + r.recipient;
        }
        if (!r.command.empty()) {
            path += " (after " + r.command + ")";
        }
        fmt::print("   path      {}\n", path);
        if (!e.list.empty()) {
            fmt::print("   list      {}\n",
                       e.list_zone != nullptr ? e.list_zone->name + " (" + e.list_zone->zone + ")"
                                              : e.list);
        }
        if (!e.cause.empty()) {
            fmt::print("   cause     {}\n", e.cause);
        } else {
            fmt::print(
                "   cause     not recognised: no pattern in the catalog matches this reply\n");
        }
        for (std::size_t i = 0; i < e.steps.size(); ++i) {
            fmt::print("   {}  {}. {}\n", i == 0 ? "fix     " : "        ", i + 1, e.steps[i]);
        }
        if (!e.delist.empty()) {
            fmt::print("   delist    {}\n", e.delist);
        }
        if (!e.avoid.empty()) {
            fmt::print("   don't     {}\n", e.avoid);
        }
        if (!e.request.empty()) {
            fmt::print("   request   ready to send:\n");
            std::string_view req = e.request;
            while (!req.empty()) {
                const auto nl = req.find('\n');
                fmt::print("     | {}\n", req.substr(0, nl));
                req.remove_prefix(nl == std::string_view::npos ? req.size() : nl + 1);
            }
        }
        fmt::print("\n");
    }
    fmt::print("Summary: {} lines, {} findings ({} deferred, {} refused{}), {} distinct causes\n",
               totals.lines,
               groups.total(),
               groups.deferred(),
               groups.bounced(),
               groups.reports() > 0
                   ? fmt::format(", {} not rejections: complaints, auto-replies, deliveries",
                                 groups.reports())
                   : std::string(),
               causes.size());
    if (totals.cut > 0) {
        fmt::print("  {} lines longer than 1 MiB were cut\n", totals.cut);
    }
    if (groups.ungrouped() > 0) {
        fmt::print("  {} findings beyond the grouping cap are only counted\n", groups.ungrouped());
    }
    if (groups.groups().empty()) {
        return;
    }
    auto sorted = groups.groups();
    std::stable_sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) {
        return a.count > b.count;
    });
    fmt::print("\n{:<44} {:<18} {:<24} {:<20} {:>8} {:>8} {:>8}  {}\n",
               "provider",
               "category",
               "sending IP",
               "reported by",
               "count",
               "deferred",
               "refused",
               "first .. last seen");
    for (const auto& g : sorted) {
        fmt::print("{:<44} {:<18} {:<24} {:<20} {:>8} {:>8} {:>8}  {}\n",
                   g.provider.substr(0, 44),
                   to_string(g.category),
                   g.sending_ip.empty() ? "-" : g.sending_ip,
                   g.log_host.empty() ? "-" : g.log_host.substr(0, 20),
                   g.count,
                   g.deferred,
                   g.bounced,
                   g.first_seen.empty() ? "" : g.first_seen + " .. " + g.last_seen);
    }
}

/// Monitoring Plugins output: status line, perfdata, then one line per distinct cause.
/// `state`: the exit status (the findings', or with --check-status also the check's);
/// `statuses`: with --check, each pair's answer now (listed pairs are named).
void print_nagios(const FindingGroups& groups, int state, const CheckStatuses* statuses) {
    static constexpr std::string_view k_states[] = {"OK", "WARNING", "CRITICAL", "UNKNOWN"};
    const int worst = state;
    const FindingGroups::Cause* top = nullptr;
    for (const auto& c : groups.causes()) {
        if (top == nullptr || c.explanation.exit_code > top->explanation.exit_code ||
            (c.explanation.exit_code == top->explanation.exit_code && c.count > top->count)) {
            top = &c;
        }
    }
    std::string status = fmt::format("RBLSCOPE EXPLAIN {} - {} findings ({} deferred, {} refused)",
                                     k_states[worst],
                                     groups.total(),
                                     groups.deferred(),
                                     groups.bounced());
    if (top != nullptr) {
        const auto& e = top->explanation;
        status += fmt::format("; worst: {} {}{} x{}",
                              e.provider != nullptr ? e.provider->name : top->example.remote_host,
                              to_string(e.category),
                              e.sending_ip.empty() ? "" : " for " + e.sending_ip,
                              top->count);
    }
    if (statuses != nullptr) {
        std::size_t listed = 0;
        for (const auto& [pair, text] : *statuses) {
            listed += text.starts_with("listed") ? 1 : 0;
        }
        status += fmt::format("; checked now: {} listed of {} pairs", listed, statuses->size());
    }
    // '|' starts perfdata in the Monitoring Plugins format, so it cannot appear in the text.
    std::replace(status.begin(), status.end(), '|', '/');
    fmt::print("{} | findings={};;;0 deferred={};;;0 refused={};;;0 causes={};;;0\n",
               status,
               groups.total(),
               groups.deferred(),
               groups.bounced(),
               groups.causes().size());
    for (const auto& c : groups.causes()) {
        std::string line =
            fmt::format("{}x {} {} {}: {}",
                        c.count,
                        c.explanation.provider != nullptr ? c.explanation.provider->name
                                                          : c.example.remote_host,
                        to_string(c.explanation.category),
                        c.explanation.sending_ip,
                        c.example.reply);
        std::replace(line.begin(), line.end(), '|', '/');
        fmt::print("{}\n", line);
    }
    if (statuses != nullptr) {
        for (const auto& [pair, text] : *statuses) {
            if (text.starts_with("listed")) {
                std::string line = fmt::format("now: {} on {}: {}", pair.first, pair.second, text);
                std::replace(line.begin(), line.end(), '|', '/');
                fmt::print("{}\n", line);
            }
        }
    }
}

/// The exit status: the findings', or with --check-status the worse of theirs and the live
/// check's, the Nagios way (CRITICAL before UNKNOWN before WARNING).
int combined_exit(const ExplainOptions& opt, int findings, int check) {
    if (!opt.check || !opt.check_status) {
        return findings;
    }
    const auto rank = [](int code) { return code == 2 ? 3 : code == 3 ? 2 : code; };
    return rank(check) > rank(findings) ? check : findings;
}

void write_json(fmt::memory_buffer& b,
                const FindingGroups& groups,
                const InputTotals& totals,
                const CheckStatuses* statuses) {
    JsonWriter w(b);
    w.begin_object();
    w.key("version");
    w.value(RBLSCOPE_VERSION);
    w.key("findings");
    w.begin_array();
    for (const auto& c : groups.causes()) {
        const auto& e = c.explanation;
        const auto& r = c.example;
        w.begin_object();
        w.key("count");
        w.value(c.count);
        w.key("first_seen");
        w.string_or_null(c.first_seen);
        w.key("last_seen");
        w.string_or_null(c.last_seen);
        w.key("where");
        w.value(r.where);
        w.key("source");
        w.value(r.source);
        w.key("action");
        w.value(r.action);
        w.key("provider");
        if (e.provider != nullptr) {
            w.begin_object();
            w.key("id");
            w.value(e.provider->id);
            w.key("name");
            w.value(e.provider->name);
            w.key("inferred");
            w.value(e.provider_inferred);
            w.key("basis");
            w.value(e.provider_basis);
            w.end_object();
        } else {
            w.null();
        }
        w.key("category");
        w.value(to_string(e.category));
        w.key("rule");
        e.rule != nullptr ? w.value(e.rule->id) : w.null();
        w.key("verified");
        w.value(e.rule == nullptr || e.rule->verified);
        w.key("smtp_code");
        e.smtp_code != 0 ? w.value(e.smtp_code) : w.null();
        w.key("enhanced_code");
        w.string_or_null(e.enhanced_code);
        w.key("provider_code");
        w.string_or_null(e.provider_code);
        w.key("temporary");
        w.value(e.temporary);
        w.key("sending_ip");
        w.string_or_null(e.sending_ip);
        w.key("list");
        w.string_or_null(e.list);
        w.key("list_zone");
        e.list_zone != nullptr ? w.value(e.list_zone->id) : w.null();
        w.key("list_now");
        if (statuses != nullptr && e.list_zone != nullptr && !e.sending_ip.empty()) {
            const auto it = statuses->find({e.sending_ip, e.list_zone->id});
            it != statuses->end() ? w.value(it->second) : w.null();
        } else {
            w.null();
        }
        w.key("recipient");
        w.string_or_null(r.recipient);
        w.key("remote_host");
        w.string_or_null(r.remote_host);
        w.key("remote_ip");
        w.string_or_null(r.remote_ip);
        w.key("reported_by");
        w.string_or_null(r.log_host);
        w.key("command");
        w.string_or_null(r.command);
        w.key("reply");
        w.value(r.reply);
        w.key("cause");
        w.string_or_null(e.cause);
        w.key("steps");
        w.strings(e.steps);
        w.key("delist");
        w.string_or_null(e.delist);
        w.key("avoid");
        w.string_or_null(e.avoid);
        w.key("request");
        w.string_or_null(e.request);
        w.key("exit_code");
        w.value(e.exit_code);
        w.end_object();
    }
    w.end_array();
    w.key("summary");
    w.begin_object();
    w.key("lines");
    w.value(totals.lines);
    w.key("bytes");
    w.value(totals.bytes);
    w.key("cut_lines");
    w.value(totals.cut);
    w.key("interrupted");
    w.value(totals.interrupted);
    w.key("findings");
    w.value(groups.total());
    w.key("deferred");
    w.value(groups.deferred());
    w.key("refused");
    w.value(groups.bounced());
    w.key("not_rejections");
    w.value(groups.reports());
    w.key("ungrouped");
    w.value(groups.ungrouped());
    w.key("exit_code");
    w.value(groups.worst_exit_code());
    w.key("groups");
    w.begin_array();
    for (const auto& g : groups.groups()) {
        w.begin_object();
        w.key("provider");
        w.value(g.provider);
        w.key("category");
        w.value(to_string(g.category));
        w.key("sending_ip");
        w.string_or_null(g.sending_ip);
        w.key("reported_by");
        w.string_or_null(g.log_host);
        w.key("count");
        w.value(g.count);
        w.key("deferred");
        w.value(g.deferred);
        w.key("refused");
        w.value(g.bounced);
        w.key("first_seen");
        w.string_or_null(g.first_seen);
        w.key("last_seen");
        w.string_or_null(g.last_seen);
        w.end_object();
    }
    w.end_array();
    w.end_object();
    w.end_object();
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
    app.add_option("-z,--zones", opt.zones, "--check: zones to ask (as for `rblscope check`)");
    app.add_option("-r,--resolver", opt.resolvers, "--check: resolver IP[:PORT] (repeatable)")
        ->allow_extra_args(false);
    app.add_option("--zone-server", opt.zone_servers, "--check: ZONE=IP[:PORT] (repeatable)")
        ->allow_extra_args(false);
    app.add_option("--query-timeout", opt.query_timeout_s, "--check: seconds per query")
        ->check(CLI::Range(0.05, 120.0));
    app.add_option("-t,--timeout", opt.deadline_s, "--check: deadline of the check in seconds")
        ->check(CLI::Range(0.0, 86400.0));
    app.add_option("--config", opt.config_file, "--check: configuration file with API keys");
    app.add_option("--state",
                   opt.state_file,
                   "Read each log only from where the last run with this state file stopped "
                   "(for cron; follows rotation by inode: the rest of LOG.1, then LOG)");
    app.add_option(
        "--catalog",
        opt.catalog.path,
        "Catalog with the zones, providers and rejection patterns (default: lists.toml)");
}

int run_explain_command(const ExplainOptions& opt) {
    const auto unknown = static_cast<int>(ExitCode::unknown);
    auto catalog = load(opt.catalog);
    if (!catalog) {
        return unknown;
    }
    auto knowledge = load_knowledge(*catalog);
    if (!knowledge) {
        return unknown;
    }
    FindingGroups groups;
    InputTotals totals;
    const std::vector<std::string> inputs =
        opt.inputs.empty() ? std::vector<std::string>{"-"} : opt.inputs;
    std::optional<LogPositions> positions;
    if (!opt.state_file.empty()) {
        auto loaded = LogPositions::load(opt.state_file);
        if (!loaded) {
            fmt::print(stderr, "rblscope: {}\n", loaded.error().to_string());
            return unknown;
        }
        positions = std::move(loaded.value());
    }
    std::size_t readable = 0;
    for (const auto& in : inputs) {
        if (totals.interrupted) {
            break;
        }
        readable +=
            read_input(in, groups, *knowledge, *catalog, positions ? &*positions : nullptr, totals)
                ? 1
                : 0;
    }
    if (positions) {
        if (const auto err = positions->save(opt.state_file); !err.empty()) {
            fmt::print(stderr, "rblscope: {}: cannot save the state: {}\n", opt.state_file, err);
        }
    }
    if (readable == 0) {
        if (opt.format == "nagios") {
            fmt::print("RBLSCOPE EXPLAIN UNKNOWN - no input could be read\n");
        }
        return unknown;
    }

    CheckStatuses statuses;
    int check_exit = 0;
    if (opt.format == "json") {
        fmt::memory_buffer b;
        write_json(b, groups, totals, nullptr);
        if (opt.check) {
            // The check's own document (the `rblscope check --format json` schema) goes in
            // "check"; the findings are written after it so they can say what it found.
            char* mem = nullptr;
            std::size_t size = 0;
            std::FILE* f = open_memstream(&mem, &size);
            if (f != nullptr) {
                check_exit = run_live_check(opt, *catalog, groups, f, statuses);
                std::fclose(f);
                b.clear();
                write_json(b, groups, totals, &statuses);
                b.resize(b.size() - 1); // reopen the top-level object
                std::string_view check(mem, size);
                while (!check.empty() && (check.back() == '\n' || check.back() == ' ')) {
                    check.remove_suffix(1);
                }
                b.append(std::string_view(",\"check\":"));
                b.append(check.empty() ? std::string_view("null") : check);
                b.push_back('}');
                std::free(mem);
            }
        }
        b.push_back('\n');
        std::fwrite(b.data(), 1, b.size(), stdout);
    } else if (opt.format == "nagios") {
        if (opt.check) {
            // The check's own report is not shown: the status line says what it found.
            std::FILE* null = std::fopen("/dev/null", "w");
            if (null != nullptr) {
                check_exit = run_live_check(opt, *catalog, groups, null, statuses);
                std::fclose(null);
            }
        }
        print_nagios(groups,
                     combined_exit(opt, groups.worst_exit_code(), check_exit),
                     opt.check ? &statuses : nullptr);
    } else {
        print_text(opt, groups, totals);
        if (opt.check) {
            fmt::print("\nLive check of the sending IPs found:\n");
            std::fflush(stdout);
            check_exit = run_live_check(opt, *catalog, groups, stdout, statuses);
            bool header = false;
            for (const auto& c : groups.causes()) {
                const auto& e = c.explanation;
                if (e.list_zone == nullptr || e.sending_ip.empty()) {
                    continue;
                }
                const auto it = statuses.find({e.sending_ip, e.list_zone->id});
                if (!header) {
                    fmt::print("\nLists named in the bounces, now:\n");
                    header = true;
                }
                fmt::print("  {} on {} ({}): {}\n",
                           e.sending_ip,
                           e.list,
                           e.list_zone->zone,
                           it == statuses.end() ? "not asked" : it->second);
            }
        }
    }
    std::fflush(stdout);
    if (totals.interrupted) {
        fmt::print(stderr,
                   "rblscope: {}: stopped after {} lines; the findings above are from that part\n",
                   signal_name(stop_signal()),
                   totals.lines);
        return unknown;
    }
    return combined_exit(opt, groups.worst_exit_code(), check_exit);
}

} // namespace rblscope::cli
