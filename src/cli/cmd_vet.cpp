// `rblscope vet`: pre-migration vetting of addresses, hosts and blocks.

#include "cli/cli.hpp"
#include "cli/diagnostics.hpp"
#include "cli/option_table.hpp"
#include "core/signals.hpp"
#include "rblscope/rblscope.hpp"
#include "report/progress.hpp"

#include <ctime>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <map>

namespace rblscope::cli {

namespace {

/// Shows progress, and the engine's input errors and warnings as they come.
class ProgressSink final : public ResultSink {
  public:
    explicit ProgressSink(Progress& progress) : m_progress(progress) {}
    void on_target(const TargetReport& /*report*/) override { m_progress.step(); }
    void on_input_error(const Error& e) override { error("{}", e.to_string()); }
    void on_warning(const std::string& m) override { warning("{}", m); }

  private:
    Progress& m_progress;
};

/// The providers' views: their warnings and errors, no progress.
class QuietSink final : public ResultSink {
  public:
    void on_target(const TargetReport& /*report*/) override {}
    void on_input_error(const Error& e) override { error("{}", e.to_string()); }
    void on_warning(const std::string& m) override { warning("{}", m); }
};

} // namespace

void add_vet(CLI::App& app, VetCommandOptions& opt) {
    app.add_option("targets", opt.targets, "IP addresses, host names or CIDR blocks to vet");
    app.add_option("--domain", opt.domain, "Sending domain: its SPF for each address, and DMARC");
    app.add_option("--helo", opt.helo, "The HELO/EHLO name the server will use");
    app.add_option("--dkim-selector",
                   opt.dkim_selector,
                   "With --domain: fetch and measure the DKIM key SELECTOR._domainkey.DOMAIN");
    app.add_option("--recipient-domain",
                   opt.recipient_domains,
                   "A domain you must reach (repeatable): its MX, the provider behind it, what "
                   "that provider checks and what to do before sending")
        ->allow_extra_args(false);
    app.add_option("-f,--format", opt.format, "Output format")
        ->check(CLI::IsMember({"text", "json"}));
    app.add_option("--html",
                   opt.html_file,
                   "Also write a self-contained HTML report (a grid of the addresses coloured by "
                   "grade, linking to each one's details) to FILE");
    opt.lookup.max_addresses = 4096; // vet looks at each address closely
    using enum SharedOption;
    add_shared_options(app,
                       opt.lookup,
                       {zones,
                        sources,
                        resolver,
                        zone_server,
                        query_timeout,
                        retries,
                        concurrency,
                        max_addresses,
                        config,
                        ca_file,
                        http_timeout,
                        catalog});
    app.get_option("--max-addresses")->check(CLI::Range(std::uint64_t{1}, std::uint64_t{65536}));
}

int run_vet_command(const VetCommandOptions& opt) {
    const auto unknown = static_cast<int>(ExitCode::unknown);
    auto catalog = load(opt.lookup.catalog);
    if (!catalog) {
        return unknown;
    }
    auto patterns = load_generic_ptr_patterns(*catalog);
    if (!patterns) {
        error("{}", patterns.error().to_string());
        return unknown;
    }
    auto knowledge = load_knowledge(*catalog);
    if (!knowledge) {
        return unknown;
    }
    VetOptions vo;
    vo.recipient_domains = opt.recipient_domains;
    vo.domain = opt.domain;
    vo.helo = opt.helo;
    vo.dkim_selector = opt.dkim_selector;
    vo.generic_ptr = std::move(patterns.value());
    if (const auto bad = check_vet_options(vo)) {
        error("{}", bad->to_string());
        return unknown;
    }

    // The blocklist options are checked before any DNS is asked.
    const auto prepared = prepare(opt.lookup, *catalog);
    if (!prepared) {
        return unknown;
    }
    vo.dns = vet_dns_options(prepared->engine);

    auto expanded = expand_vet_targets(opt.targets, opt.lookup.max_addresses, vo.dns);
    if (!expanded) {
        error("{}", expanded.error().to_string());
        return unknown;
    }
    const auto& targets = expanded.value();
    for (const auto& refused : targets.refused) {
        error("{}", refused.to_string());
    }
    for (const auto& n : targets.notes) {
        note("{}", n);
    }
    if (targets.addresses.empty() && opt.recipient_domains.empty()) {
        error("nothing to vet");
        return unknown;
    }

    VetReport report;
    report.context.targets = opt.targets;
    report.context.started_unix = static_cast<double>(std::time(nullptr));
    auto vetted = vet_dns(targets.addresses, vo, report.domain);
    if (!vetted) {
        error("{}", vetted.error().to_string());
        return unknown;
    }
    report.addresses = std::move(vetted.value());
    for (std::size_t i = 0; i < report.addresses.size(); ++i) {
        report.addresses[i].target = targets.origins[i];
    }
    Progress progress(stderr, "blocklists", report.addresses.size());
    ProgressSink observer(progress);
    const auto summary =
        vet_blocklists(report, prepared->selection.zones, *catalog, prepared->engine, observer);
    progress.finish();
    if (!summary) {
        error("{}", summary.error().to_string());
    }
    if (!opt.recipient_domains.empty() && stop_signal() == 0) {
        QuietSink quiet;
        vet_provider_views(report, knowledge.value(), *catalog, prepared->engine, quiet);
    }
    report.interrupted = stop_signal() != 0;
    finish_vet(report, knowledge.value(), targets.refused.empty() ? 0 : unknown);
    int exit_code = report.exit_code;
    if (!opt.html_file.empty()) {
        const auto page = vet_html(report);
        std::FILE* f = std::fopen(opt.html_file.c_str(), "wb");
        const bool ok = f != nullptr && std::fwrite(page.data(), 1, page.size(), f) == page.size();
        if (f == nullptr || std::fclose(f) != 0 || !ok) {
            error("--html {}: cannot write the report", opt.html_file);
            exit_code = exit_code == 0 ? unknown : exit_code; // a finding still outranks it
        }
    }
    if (opt.format == "json") {
        const auto doc = vet_json(report);
        std::fwrite(doc.data(), 1, doc.size(), stdout);
    } else {
        write_vet_text(stdout, report);
    }
    if (report.interrupted) {
        error("{}: stopped; lookups still open are shown as DNS errors or "
              "timeouts",
              signal_name(stop_signal()));
    }
    return exit_code;
}

} // namespace rblscope::cli
