// spf_changes(): from each failing address's own "add ip4:..." to the smallest edit for a
// whole block: the fewest aligned prefixes that cover the failing addresses and nothing but
// vetted addresses, placed in the record where the same host's passing addresses stand.

#include "core/domain.hpp"
#include "rblscope/vet.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <map>
#include <optional>
#include <set>
#include <tuple>

namespace rblscope {

namespace {

// A vetted block is at most 65536 addresses (--max-addresses), so no useful prefix is
// more than 16 bits shorter than a single address.
constexpr int k_max_span_bits = 16;

int bits_of(const IpAddress& ip) {
    return ip.is_v4() ? 32 : 128;
}

/// `ip` with every bit from `prefix` on cleared (the block's first address) or set (its last).
IpAddress with_host_bits(const IpAddress& ip, int prefix, bool set) {
    auto b = ip.bytes();
    for (int i = prefix; i < bits_of(ip); ++i) {
        const auto mask = static_cast<std::uint8_t>(0x80U >> (i % 8));
        auto& byte = b[static_cast<std::size_t>(i / 8)];
        byte = set ? static_cast<std::uint8_t>(byte | mask)
                   : static_cast<std::uint8_t>(byte & static_cast<std::uint8_t>(~mask));
    }
    return ip.is_v4() ? IpAddress::v4(b[0], b[1], b[2], b[3]) : IpAddress::v6(b);
}

std::string term_of(const IpAddress& network, int prefix) {
    const char* mech = network.is_v4() ? "ip4" : "ip6";
    if (prefix == bits_of(network)) {
        return fmt::format("{}:{}", mech, network.to_string());
    }
    return fmt::format("{}:{}/{}", mech, network.to_string(), prefix);
}

/// The fewest aligned prefixes covering `failing`, each wholly inside `vetted` (both sorted,
/// unique, one family): a block is widened while every address of it was vetted.
std::vector<std::string> cover(const std::vector<IpAddress>& vetted,
                               const std::vector<IpAddress>& failing) {
    std::vector<std::string> terms;
    std::optional<IpAddress> covered_to;
    for (const auto& f : failing) {
        if (covered_to && f <= *covered_to) {
            continue;
        }
        const int bits = bits_of(f);
        int best = bits;
        for (int p = bits - 1; p >= std::max(0, bits - k_max_span_bits); --p) {
            const auto first = with_host_bits(f, p, false);
            const auto last = with_host_bits(f, p, true);
            const auto n =
                static_cast<std::ptrdiff_t>(std::upper_bound(vetted.begin(), vetted.end(), last) -
                                            std::lower_bound(vetted.begin(), vetted.end(), first));
            if (n != std::ptrdiff_t{1} << (bits - p)) {
                break; // a wider block holds this one, so it cannot be whole either
            }
            best = p;
        }
        terms.push_back(term_of(with_host_bits(f, best, false), best));
        covered_to = with_host_bits(f, best, true);
    }
    return terms;
}

/// A record the domain's owner can edit: the domain's own or one under the same registered
/// domain (an include of the mail provider's record is not theirs to change).
bool ours(const std::string& record, const std::string& domain) {
    return !record.empty() && registered_domain(record) == registered_domain(domain);
}

/// Where a failing address's term belongs, and why there.
struct Placement {
    std::string record;
    std::string why;
    bool publish = false;
    bool operator<(const Placement& o) const {
        return std::tie(record, publish) < std::tie(o.record, o.publish);
    }
};

Placement place(const AddressVet& a,
                const std::vector<AddressVet>& all,
                const std::string& domain,
                const std::map<std::string, std::size_t>& passing_records) {
    const auto& o = a.spf->outcome;
    if (o.result == SpfResult::none) {
        return {domain, fmt::format("{} has no SPF record", domain), true};
    }
    // The same host or block: the record where its passing addresses matched, preferring
    // ones of the same family (ip4 terms already in _spf.example.com: ip6 goes there too).
    const AddressVet* same_family = nullptr;
    const AddressVet* other_family = nullptr;
    for (const auto& other : all) {
        if (other.target != a.target || !other.spf ||
            other.spf->outcome.result != SpfResult::pass ||
            !ours(other.spf->outcome.record, domain)) {
            continue;
        }
        auto& slot = other.ip.is_v4() == a.ip.is_v4() ? same_family : other_family;
        slot = slot == nullptr ? &other : slot;
    }
    if (const auto* sibling = same_family != nullptr ? same_family : other_family) {
        return {sibling->spf->outcome.record,
                fmt::format("where {} already passes ({})",
                            sibling->ip.to_string(),
                            sibling->spf->outcome.mechanism)};
    }
    // Otherwise where most other vetted addresses pass.
    if (!passing_records.empty()) {
        const auto most =
            std::max_element(passing_records.begin(),
                             passing_records.end(),
                             [](const auto& x, const auto& y) { return x.second < y.second; });
        return {most->first,
                fmt::format("where {} other vetted address{} pass{}",
                            most->second,
                            most->second == 1 ? "" : "es",
                            most->second == 1 ? "es" : "")};
    }
    return {
        ours(o.record, domain) ? o.record : domain,
        fmt::format("the record whose {} decided", o.mechanism.empty() ? "default" : o.mechanism)};
}

} // namespace

bool spf_needs_term(SpfResult r) {
    return r == SpfResult::fail || r == SpfResult::softfail || r == SpfResult::neutral ||
           r == SpfResult::none;
}

std::vector<SpfChange> spf_changes(const std::vector<AddressVet>& addresses,
                                   const std::string& domain) {
    std::map<std::string, std::size_t> passing_records;
    std::set<IpAddress> vetted_set;
    for (const auto& a : addresses) {
        vetted_set.insert(a.ip);
        if (a.spf && a.spf->outcome.result == SpfResult::pass &&
            ours(a.spf->outcome.record, domain)) {
            ++passing_records[a.spf->outcome.record];
        }
    }
    const std::vector<IpAddress> vetted(vetted_set.begin(), vetted_set.end());
    struct Group {
        std::set<IpAddress> failing;
        std::vector<std::string> whys; ///< distinct, in order of first use
    };
    std::map<Placement, Group> groups;
    for (const auto& a : addresses) {
        if (a.spf && spf_needs_term(a.spf->outcome.result)) {
            const auto where = place(a, addresses, domain, passing_records);
            auto& g = groups[where];
            g.failing.insert(a.ip);
            if (std::find(g.whys.begin(), g.whys.end(), where.why) == g.whys.end()) {
                g.whys.push_back(where.why);
            }
        }
    }
    std::vector<SpfChange> out;
    for (const auto& [where, group] : groups) {
        const auto& failing_set = group.failing;
        SpfChange c;
        c.record = where.record;
        c.publish = where.publish;
        c.why = fmt::format("{}", fmt::join(group.whys, "; "));
        c.addresses = failing_set.size();
        const std::vector<IpAddress> failing(failing_set.begin(), failing_set.end());
        c.terms = cover(vetted, failing); // sorted: IPv4 before IPv6, both in order
        out.push_back(std::move(c));
    }
    return out;
}

} // namespace rblscope
