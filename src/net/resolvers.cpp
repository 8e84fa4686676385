#include "net/resolvers.hpp"

#include <algorithm>
#include <charconv>
#include <fmt/format.h>

namespace rblscope {

std::string ServerEndpoint::csv() const {
    return ip.is_v4() ? fmt::format("{}:{}", ip.to_string(), port)
                      : fmt::format("[{}]:{}", ip.to_string(), port);
}

Result<ServerEndpoint> parse_server(std::string_view text) {
    ServerEndpoint ep;
    std::string_view host = text;
    std::string_view port;
    if (text.starts_with('[')) {
        const auto close = text.find(']');
        if (close == std::string_view::npos) {
            return Error{fmt::format("\"{}\": missing ']' after the IPv6 address", text),
                         "--resolver"};
        }
        host = text.substr(1, close - 1);
        const auto rest = text.substr(close + 1);
        if (!rest.empty()) {
            if (rest.front() != ':') {
                return Error{fmt::format("\"{}\": expected ':PORT' after ']'", text), "--resolver"};
            }
            port = rest.substr(1);
        }
    } else if (std::count(text.begin(), text.end(), ':') == 1) {
        const auto colon = text.find(':');
        host = text.substr(0, colon);
        port = text.substr(colon + 1);
    }
    auto ip = IpAddress::parse(host);
    if (!ip) {
        return Error{
            fmt::format("\"{}\" is not an IP address (a resolver is given as IP or IP:PORT)", text),
            "--resolver"};
    }
    ep.ip = *ip;
    if (!port.empty() || (text.find(']') != std::string_view::npos && text.back() == ':')) {
        unsigned value = 0;
        const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
        if (port.empty() || ec != std::errc{} || end != port.data() + port.size() || value == 0 ||
            value > 65535) {
            return Error{fmt::format("\"{}\": port must be 1..65535", text), "--resolver"};
        }
        ep.port = static_cast<std::uint16_t>(value);
    }
    return ep;
}

bool is_public_resolver(const std::string& server, const std::vector<std::string>& public_list) {
    auto ep = parse_server(server);
    if (!ep) {
        return false;
    }
    for (const auto& p : public_list) {
        if (auto ip = IpAddress::parse(p); ip && *ip == ep->ip) {
            return true;
        }
    }
    return false;
}

} // namespace rblscope
