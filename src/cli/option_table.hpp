#pragma once
// The options subcommands share, declared once (curl's tool keeps one option table the same
// way): each with its names, help, default and validation, bound to a LookupOptions.

#include "rblscope/lookup_options.hpp"

#include <CLI/CLI.hpp>
#include <initializer_list>
#include <string>

namespace rblscope::cli {

enum class SharedOption {
    zones,
    sources,
    resolver,
    zone_server,
    warning,
    critical,
    threshold_on,
    errors_as,
    deadline,
    query_timeout,
    retries,
    concurrency,
    zone_rate,
    max_addresses,
    no_txt,
    cache,
    config,
    ca_file,
    http_timeout,
    catalog,
};

/// Declares the options `which` on `app`, bound to `opt`, in the table's order. `context`
/// starts each help text ("--check: ") when the options serve one mode of the subcommand.
/// The help shows `opt`'s values as the defaults.
void add_shared_options(CLI::App& app,
                        LookupOptions& opt,
                        std::initializer_list<SharedOption> which,
                        const std::string& context = {});

/// What check and serve ask and how: every shared option but --cache.
void add_lookup_options(CLI::App& app, LookupOptions& opt);

} // namespace rblscope::cli
