#pragma once
// From what the DNS channel delivered to what classify() reads: the one place DNS statuses
// become RawAnswer kinds, and TXT strings become a printable reason.

#include "engine/classify.hpp"
#include "net/dns_channel.hpp"

#include <string>

namespace rblscope {

/// The resolver's outcome for an A query, before any interpretation.
[[nodiscard]] RawAnswer to_raw(const DnsReply& reply);

/// A TXT answer as a reason to show: strings joined by " | ", sanitised, at most 512 bytes.
[[nodiscard]] std::string txt_reason(const DnsReply& reply);

} // namespace rblscope
