#include "cli/option_table.hpp"

#include <algorithm>
#include <cstdint>

namespace rblscope::cli {

namespace {

using Declare = CLI::Option* (*)(CLI::App&, LookupOptions&, const std::string&, const std::string&);

struct OptionSpec {
    SharedOption id;
    const char* names;
    const char* help;
    Declare declare;
};

const OptionSpec k_options[] = {
    {SharedOption::zones,
     "-z,--zones",
     "Check exactly these zones, comma-separated: catalog ids, zone names (a name not in the "
     "catalog gets generic RFC 5782 rules), 'default', 'all' (every zone not known dead) or "
     "tag:NAME",
     [](CLI::App& a, LookupOptions& o, const std::string& n, const std::string& h) {
         return a.add_option(n, o.zones, h);
     }},
    {SharedOption::sources,
     "--sources",
     "Kinds of sources to ask, comma-separated: dns, http, or HTTP adapter names (see "
     "`rblscope zones --kind http`; keys from --config or the environment). Without --zones: "
     "dns = the default DNS lists, http = every HTTP source",
     [](CLI::App& a, LookupOptions& o, const std::string& n, const std::string& h) {
         return a.add_option(n, o.sources, h);
     }},
    {SharedOption::resolver,
     "-r,--resolver",
     "Resolver IP[:PORT] to use instead of the system's (repeatable; queries rotate among "
     "them)",
     [](CLI::App& a, LookupOptions& o, const std::string& n, const std::string& h) {
         return a.add_option(n, o.resolvers, h)->allow_extra_args(false);
     }},
    {SharedOption::zone_server,
     "--zone-server",
     "Send one zone's queries to its own server, ZONE=IP[:PORT] (repeatable; e.g. a local "
     "rbldnsd mirror)",
     [](CLI::App& a, LookupOptions& o, const std::string& n, const std::string& h) {
         return a.add_option(n, o.zone_servers, h)->allow_extra_args(false);
     }},
    {SharedOption::warning,
     "-w,--warning",
     "WARNING when the listing count (or score) is outside this range: 0 (any listing), 3:, "
     "~:2, 1:4, @1:4",
     [](CLI::App& a, LookupOptions& o, const std::string& n, const std::string& h) {
         return a.add_option(n, o.warning, h);
     }},
    {SharedOption::critical,
     "-c,--critical",
     "CRITICAL when the listing count (or score) is outside this range",
     [](CLI::App& a, LookupOptions& o, const std::string& n, const std::string& h) {
         return a.add_option(n, o.critical, h);
     }},
    {SharedOption::threshold_on,
     "--threshold-on",
     "What -w/-c test: the listing count or the weighted score",
     [](CLI::App& a, LookupOptions& o, const std::string& n, const std::string& h) {
         return a.add_option(n, o.threshold_on, h)->check(CLI::IsMember({"count", "score"}));
     }},
    {SharedOption::errors_as,
     "--errors-as",
     "Exit status when nothing alerted but some lists could not be asked",
     [](CLI::App& a, LookupOptions& o, const std::string& n, const std::string& h) {
         return a.add_option(n, o.errors_as, h)->check(CLI::IsMember({"ok", "warning", "unknown"}));
     }},
    {SharedOption::deadline,
     "-t,--timeout",
     "Deadline for the whole run in seconds (0 = none): when it passes, what was decided is "
     "reported and the exit status is UNKNOWN",
     [](CLI::App& a, LookupOptions& o, const std::string& n, const std::string& h) {
         return a.add_option(n, o.deadline_s, h)->check(CLI::Range(0.0, 86400.0));
     }},
    {SharedOption::query_timeout,
     "--query-timeout",
     "Seconds to wait for an answer to one query, retries included (a dead list costs this)",
     [](CLI::App& a, LookupOptions& o, const std::string& n, const std::string& h) {
         return a.add_option(n, o.query_timeout_s, h)->check(CLI::Range(0.05, 120.0));
     }},
    {SharedOption::retries,
     "--retries",
     "Extra copies of an unanswered query, sent within --query-timeout after the list's "
     "measured round-trip time (first answer wins)",
     [](CLI::App& a, LookupOptions& o, const std::string& n, const std::string& h) {
         return a.add_option(n, o.retries, h)->check(CLI::Range(0, 10));
     }},
    {SharedOption::concurrency,
     "--concurrency",
     "Queries in flight at most",
     [](CLI::App& a, LookupOptions& o, const std::string& n, const std::string& h) {
         return a.add_option(n, o.concurrency, h)->check(CLI::Range(1, 100000));
     }},
    {SharedOption::zone_rate,
     "--zone-rate",
     "Queries a second to any one DNS list at most (0 = no cap); be polite when checking "
     "large ranges",
     [](CLI::App& a, LookupOptions& o, const std::string& n, const std::string& h) {
         return a.add_option(n, o.zone_rate, h)->check(CLI::Range(0.0, 100000.0));
     }},
    {SharedOption::max_addresses,
     "--max-addresses",
     "Largest CIDR block (in addresses) to expand",
     [](CLI::App& a, LookupOptions& o, const std::string& n, const std::string& h) {
         return a.add_option(n, o.max_addresses, h)
             ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1} << 32));
     }},
    {SharedOption::no_txt,
     "--no-txt",
     "Do not ask TXT records for listings",
     [](CLI::App& a, LookupOptions& o, const std::string& n, const std::string& h) {
         return a.add_flag(n, o.no_txt, h);
     }},
    {SharedOption::cache,
     "--cache",
     "Directory of the DNS answer cache: answers still within their TTL are not asked again "
     "(created if missing)",
     [](CLI::App& a, LookupOptions& o, const std::string& n, const std::string& h) {
         return a.add_option(n, o.cache_dir, h);
     }},
    {SharedOption::config,
     "--config",
     "Configuration file with API keys (default: ~/.config/rblscope/config.toml when it "
     "exists; must not be readable by others)",
     [](CLI::App& a, LookupOptions& o, const std::string& n, const std::string& h) {
         return a.add_option(n, o.config_file, h);
     }},
    {SharedOption::ca_file,
     "--ca-file",
     "CA bundle for HTTP sources behind a private CA (TLS is always verified)",
     [](CLI::App& a, LookupOptions& o, const std::string& n, const std::string& h) {
         return a.add_option(n, o.ca_file, h)->check(CLI::ExistingFile);
     }},
    {SharedOption::http_timeout,
     "--http-timeout",
     "Time limit of one HTTP request, seconds",
     [](CLI::App& a, LookupOptions& o, const std::string& n, const std::string& h) {
         return a.add_option(n, o.http_timeout_s, h)->check(CLI::Range(0.1, 300.0));
     }},
    {SharedOption::catalog,
     "--catalog",
     "Catalog of zones, providers, rejection patterns and vet tables (default: lists.toml "
     "shipped with rblscope)",
     [](CLI::App& a, LookupOptions& o, const std::string& n, const std::string& h) {
         return a.add_option(n, o.catalog, h);
     }},
};

} // namespace

void add_shared_options(CLI::App& app,
                        LookupOptions& opt,
                        std::initializer_list<SharedOption> which,
                        const std::string& context) {
    for (const auto& spec : k_options) {
        if (std::find(which.begin(), which.end(), spec.id) != which.end()) {
            spec.declare(app, opt, spec.names, context + spec.help);
        }
    }
}

void add_lookup_options(CLI::App& app, LookupOptions& opt) {
    for (const auto& spec : k_options) {
        if (spec.id != SharedOption::cache) {
            spec.declare(app, opt, spec.names, spec.help);
        }
    }
}

} // namespace rblscope::cli
