#pragma once
// The state of one check_host() evaluation (RFC 7208) and the helpers the evaluator
// (spf_check.cpp) shares with macro expansion (spf_macro.cpp). Every function that may need
// DNS returns an optional or nullptr: "stopped: ctx.need names the missing answer".

#include "rblscope/spf.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace rblscope::spf_detail {

constexpr std::size_t k_max_names = 10; // MX exchanges and PTR names looked at

struct Ctx {
    const SpfQuery& q;
    const DnsView& dns;
    std::string sender;
    std::string local_part;
    std::string sender_domain;
    int lookups = 0;
    int voids = 0;
    std::optional<DnsQuestion> need;
    std::string problem;
    std::string mechanism;
    std::string include_record; ///< the record that decided inside the last include that passed
};

std::string normalize_name(std::string_view name);
/// A name DNS can carry: labels of 1..63 octets, at most 253 in all.
bool valid_dns_name(std::string_view n);
/// nullptr: not answered yet (ctx.need is set).
const DnsAnswer* ask(Ctx& ctx, std::string_view name, DnsType type);
std::string reverse_name(const IpAddress& ip);

struct Expanded {
    std::string text;
    bool error = false; ///< a macro not allowed here (c, r, t outside exp=) or a bad transformer
};

/// Macro expansion (section 7). nullopt: DNS needed (the "p" macro).
std::optional<Expanded> expand(Ctx& ctx, std::string_view s, std::string_view domain, bool exp);
/// A domain-spec expanded into a name to look up: too long ones lose leftmost labels.
std::optional<Expanded> target_name(Ctx& ctx, std::string_view spec, std::string_view domain);

} // namespace rblscope::spf_detail
