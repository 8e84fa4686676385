#pragma once
/// \file vet_run.hpp
/// \brief The two phases of `vet` around the DNS checks: targets to addresses, and the
/// blocklists through the engine. The front end calls expand_vet_targets(), vet_dns(),
/// vet_blocklists() and finish_vet(), then picks a writer.

#include "rblscope/engine.hpp"
#include "rblscope/vet.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace rblscope {

/// The addresses to vet, each with the target it came from.
struct VetAddresses {
    std::vector<IpAddress> addresses;
    std::vector<std::string> origins; ///< the target text of each address (same index)
    std::vector<Error> refused;       ///< targets that could not be used, each with why
    /// What was ignored of a target ("[2001:db8::1]:25: checked as 2001:db8::1: the port 25
    /// was ignored"), for the front end to say.
    std::vector<std::string> notes;
};

/// Whether `options` can be vetted with: --domain and each --recipient-domain a domain
/// name, --dkim-selector only with --domain. The Error names the option.
[[nodiscard]] std::optional<Error> check_vet_options(const VetOptions& options);

/// How vet's own questions (PTR, HELO, SPF, DMARC, DKIM, host names) are asked: with the
/// blocklist run's resolvers, budget, copies, window ceiling and stop fd, so --query-timeout,
/// --retries and --concurrency mean one thing in vet.
[[nodiscard]] SpfDnsOptions vet_dns_options(const EngineOptions& engine);

/// Addresses as they are, CIDR blocks of at most `max_addresses` expanded, host names
/// resolved (A and AAAA) through `dns`; email addresses are refused. An Error only when
/// the resolver itself could not be used.
[[nodiscard]] Result<VetAddresses> expand_vet_targets(const std::vector<std::string>& targets,
                                                      std::uint64_t max_addresses,
                                                      const SpfDnsOptions& dns);

/// One engine run (check's zones and options) over every address of `report`: each gets
/// its blocklist report, and the context the resolver used and the lists asked. `observer`
/// sees every target report (progress), input error and warning as they come.
[[nodiscard]] Result<RunSummary> vet_blocklists(VetReport& report,
                                                const std::vector<const Zone*>& zones,
                                                const Catalog& catalog,
                                                const EngineOptions& options,
                                                ResultSink& observer);

/// The recipients' providers' own view of --domain: for each provider that has one
/// (MailProvider::sources, e.g. Postmaster Tools for Gmail) and whose sources' keys are
/// set, one engine run asks them about the domain; report.provider_views gets the results,
/// report.view_notes why a provider's view is missing (no --domain, no key, no data).
void vet_provider_views(VetReport& report,
                        const BounceKnowledge& knowledge,
                        const Catalog& catalog,
                        const EngineOptions& options,
                        ResultSink& observer);

} // namespace rblscope
