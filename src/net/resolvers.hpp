#pragma once
// "--resolver IP[:PORT]" and "--zone-server ZONE=IP[:PORT]" parsing.

#include "rblscope/error.hpp"
#include "rblscope/ip.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace rblscope {

struct ServerEndpoint {
    IpAddress ip;
    std::uint16_t port = 53;
    /// The form c-ares' ares_set_servers_ports_csv() takes: "1.2.3.4:53" or "[::1]:53".
    [[nodiscard]] std::string csv() const;
};

/// Accepts "192.0.2.1", "192.0.2.1:5353", "2001:db8::1", "[2001:db8::1]:5353".
[[nodiscard]] Result<ServerEndpoint> parse_server(std::string_view text);

/// True when `server` ("IP:PORT" as DnsChannel::servers() gives) is one of `public_list`.
[[nodiscard]] bool is_public_resolver(const std::string& server,
                                      const std::vector<std::string>& public_list);

} // namespace rblscope
