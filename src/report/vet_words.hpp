#pragma once
// Words the text and HTML reports of `vet` share, so that both say the same thing.

#include "rblscope/vet.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <string>

namespace rblscope {

/// A recipient domain's MX hosts, or why there are none.
inline std::string mx_text(const RecipientCheck& r) {
    if (!r.mx.empty()) {
        return fmt::format("{}", fmt::join(r.mx, ", "));
    }
    return r.status == DnsAnswer::Status::error      ? "DNS error"
           : r.status == DnsAnswer::Status::nxdomain ? "the domain does not exist"
                                                     : "none (mail goes to its A record)";
}

/// The filter behind MX hosts the catalog does not know.
inline constexpr const char* k_unknown_filter =
    "not one the catalog knows (a self-run server or an unlisted service)";

} // namespace rblscope
