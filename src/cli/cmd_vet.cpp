// `rblscope vet`: pre-migration vetting of addresses, hosts and blocks.

#include "cli/cli.hpp"
#include "cli/diagnostics.hpp"
#include "cli/progress.hpp"
#include "cli/signals.hpp"
#include "rblscope/rblscope.hpp"

#include <cmath>
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
    app.add_option("-z,--zones", opt.zones, "Blocklists to ask (as for `rblscope check`)");
    app.add_option("--sources",
                   opt.sources,
                   "Kinds of sources, as for `rblscope check`: dns, http or HTTP adapter names "
                   "(e.g. dns,spamhaus_drop,ripestat; keys from --config or the environment)");
    app.add_option("--ca-file",
                   opt.ca_file,
                   "CA bundle for HTTP sources behind a private CA (TLS is always verified)")
        ->check(CLI::ExistingFile);
    app.add_option("--http-timeout", opt.http_timeout_s, "Time limit of one HTTP request, seconds")
        ->check(CLI::Range(0.1, 300.0));
    app.add_option("-r,--resolver", opt.resolvers, "Resolver IP[:PORT] (repeatable)")
        ->allow_extra_args(false);
    app.add_option("--zone-server", opt.zone_servers, "ZONE=IP[:PORT] (repeatable)")
        ->allow_extra_args(false);
    app.add_option("--query-timeout", opt.query_timeout_s, "Seconds per DNS query")
        ->check(CLI::Range(0.05, 120.0));
    app.add_option("--max-addresses", opt.max_addresses, "Largest CIDR block to expand")
        ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{65536}));
    app.add_option("--concurrency", opt.concurrency, "Queries in flight at most")
        ->check(CLI::Range(1, 100000));
    app.add_option("--config", opt.config_file, "Configuration file with API keys");
    app.add_option("--catalog", opt.catalog.path, "Zone catalog (default: lists.toml)");
}

int run_vet_command(const VetCommandOptions& opt) {
    const auto unknown = static_cast<int>(ExitCode::unknown);
    auto catalog = load(opt.catalog);
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
    for (const auto& r : opt.recipient_domains) {
        if (!is_valid_hostname(r)) {
            error("--recipient-domain \"{}\" is not a domain name", r);
            return unknown;
        }
    }
    VetOptions vo;
    vo.recipient_domains = opt.recipient_domains;
    vo.domain = opt.domain;
    vo.helo = opt.helo;
    vo.dkim_selector = opt.dkim_selector;
    vo.generic_ptr = std::move(patterns.value());
    vo.dns.resolvers = opt.resolvers;
    vo.dns.timeout =
        std::chrono::milliseconds(static_cast<long>(std::lround(opt.query_timeout_s * 1000)));
    vo.dns.concurrency = opt.concurrency;
    vo.dns.stop_fd = stop_fd();
    if (!opt.dkim_selector.empty() && opt.domain.empty()) {
        error("--dkim-selector needs --domain");
        return unknown;
    }
    if (!opt.domain.empty() && !is_valid_hostname(opt.domain)) {
        error("--domain \"{}\" is not a domain name", opt.domain);
        return unknown;
    }

    // The blocklist options are checked before any DNS is asked.
    CheckOptions co;
    co.zones = opt.zones;
    co.resolvers = opt.resolvers;
    co.zone_servers = opt.zone_servers;
    co.query_timeout_s = opt.query_timeout_s;
    co.concurrency = opt.concurrency;
    co.config_file = opt.config_file;
    co.max_addresses = opt.max_addresses;
    co.sources = opt.sources;
    co.ca_file = opt.ca_file;
    co.http_timeout_s = opt.http_timeout_s;
    PreparedCheck prepared;
    if (!prepare_check(co, *catalog, prepared)) {
        return unknown;
    }

    auto expanded = expand_vet_targets(opt.targets, opt.max_addresses, vo.dns);
    if (!expanded) {
        error("{}", expanded.error().to_string());
        return unknown;
    }
    const auto& targets = expanded.value();
    for (const auto& refused : targets.refused) {
        error("{}", refused.to_string());
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
    const auto summary = vet_blocklists(report, prepared.zones, *catalog, prepared.eo, observer);
    progress.finish();
    if (!summary) {
        error("{}", summary.error().to_string());
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
