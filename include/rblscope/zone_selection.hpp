#pragma once
/// \file zone_selection.hpp
/// \brief Which zones a run asks: the catalog's defaults, or what `--zones` and `--sources`
/// name (ids, zone names, `default`, `all`, `tag:NAME`, zones outside the catalog), with
/// keyed zones standing in for the public mirrors they replace.

#include "rblscope/catalog.hpp"
#include "rblscope/error.hpp"

#include <deque>
#include <map>
#include <string>
#include <vector>

namespace rblscope {

/// What the user asked for, as typed.
struct ZoneRequest {
    std::string zones;         ///< "default,tag:policy,sbl,bl.example.org"; "" = the defaults
    std::string sources;       ///< "dns,http,abuseipdb"; "" = DNS lists only, as selected
    bool quiet_status = false; ///< no warning for a zone named by id whatever its status
};

/// The zones of a run. `zones` may point into `bare_zones`, so a selection is moved, never
/// copied (a moved deque keeps its elements where they are).
struct ZoneSelection {
    std::vector<const Zone*> zones;
    std::deque<Zone> bare_zones;       ///< zones named but not in the catalog
    std::vector<std::string> warnings; ///< for the front end to show: a dead zone named, a key
                                       ///< on the command line
    ZoneSelection() = default;
    ZoneSelection(ZoneSelection&&) = default;
    ZoneSelection& operator=(ZoneSelection&&) = default;
    ZoneSelection(const ZoneSelection&) = delete;
    ZoneSelection& operator=(const ZoneSelection&) = delete;
    ~ZoneSelection() = default;
};

/// Selects zones from `catalog`. `keys` (variable name -> key) decides which keyed zones
/// replace the mirrors they stand in for, and gains a key typed inside a zone name
/// ("KEY.zen.dq.spamhaus.net"). An Error names the option ("--zones", "--sources") and what
/// was wrong with it; selecting nothing is an error too.
[[nodiscard]] Result<ZoneSelection> select_zones(const Catalog& catalog,
                                                 const ZoneRequest& request,
                                                 std::map<std::string, std::string>& keys);

/// `rblscope zones`' filters, as typed; an empty field matches every zone.
struct ZoneFilter {
    std::string kind;   ///< ip4, ip6, both, domain, hash, http
    std::string status; ///< active, unverified, key-required, defunct, lists-everything
    std::string tag;
    bool defaults_only = false; ///< only the zones checked by default
};

/// The catalog's zones that pass `filter`, in catalog order.
[[nodiscard]] std::vector<const Zone*> filter_zones(const Catalog& catalog,
                                                    const ZoneFilter& filter);

} // namespace rblscope
