#include "rblscope/lookup_options.hpp"

#include <chrono>
#include <cmath>
#include <tuple>

namespace rblscope {

namespace {

std::chrono::milliseconds seconds_to_ms(double seconds) {
    return std::chrono::milliseconds(static_cast<long>(std::lround(seconds * 1000)));
}

} // namespace

Result<PreparedLookup> prepare_lookup(const LookupOptions& opt, const Catalog& catalog) {
    PreparedLookup out;
    auto& eo = out.engine;
    eo.concurrency = opt.concurrency;
    eo.timeout = seconds_to_ms(opt.query_timeout_s);
    eo.deadline = seconds_to_ms(opt.deadline_s);
    eo.retries = opt.retries;
    eo.resolvers = opt.resolvers;
    for (const auto& [text, slot, flag] :
         {std::tuple{&opt.warning, &eo.exit_policy.warning, "--warning"},
          std::tuple{&opt.critical, &eo.exit_policy.critical, "--critical"}}) {
        if (text->empty()) {
            continue;
        }
        auto range = ThresholdRange::parse(*text);
        if (!range) {
            return Error{range.error().message, flag};
        }
        *slot = std::move(range.value());
    }
    eo.exit_policy.on_score = opt.threshold_on == "score";
    eo.exit_policy.errors_as = opt.errors_as == "ok"        ? ErrorsAs::ok
                               : opt.errors_as == "warning" ? ErrorsAs::warning
                                                            : ErrorsAs::unknown;
    eo.max_cidr_addresses = opt.max_addresses;
    eo.zone_rate = opt.zone_rate;
    eo.ask_txt = !opt.no_txt;
    eo.cache_dir = opt.cache_dir;
    eo.ca_file = opt.ca_file;
    eo.http_timeout = seconds_to_ms(opt.http_timeout_s);
    auto config = load_config_option(opt.config_file);
    if (!config) {
        return config.error();
    }
    eo.keys = std::move(config->keys);
    for (const auto& zs : opt.zone_servers) {
        const auto eq = zs.find('=');
        if (eq == std::string::npos || eq == 0 || eq + 1 == zs.size()) {
            return Error{"expected ZONE=IP[:PORT]", "--zone-server \"" + zs + "\""};
        }
        eo.zone_servers[zs.substr(0, eq)] = zs.substr(eq + 1);
    }
    auto selection =
        select_zones(catalog, ZoneRequest{opt.zones, opt.sources, opt.quiet_status}, eo.keys);
    if (!selection) {
        return selection.error();
    }
    out.selection = std::move(selection.value());
    return out;
}

} // namespace rblscope
