// The TOML loaders: the zone catalog (lists.toml), the explain knowledge in it
// ([[provider]] / [[rejection]]), the user's configuration file (keys) and serve's options
// file.
// Invariants: no crash or hang whatever the bytes; errors are printable; an accepted catalog
// has printable zone names and only http(s) delisting URLs.

#include "core/catalog_document.hpp"
#include "fuzz_support.hpp"
#include "rblscope/catalog.hpp"
#include "rblscope/config.hpp"
#include "rblscope/explain.hpp"

using namespace rblscope;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);

    if (auto catalog = parse_catalog(text, "fuzz.toml")) {
        for (const auto& zone : catalog.value().zones) {
            fuzz::expect_printable(zone.zone, "accepted zone name");
            if (!zone.delist_url.empty() && zone.delist_url.rfind("https://", 0) != 0 &&
                zone.delist_url.rfind("http://", 0) != 0) {
                fuzz::fail("accepted a delist URL that is not http(s)", zone.delist_url);
            }
        }
    } else {
        fuzz::expect_printable(catalog.error().to_string(), "catalog error");
    }

    if (auto knowledge = parse_bounce_knowledge(text, "fuzz.toml"); !knowledge) {
        fuzz::expect_printable(knowledge.error().to_string(), "knowledge error");
    }

    if (auto config = parse_config(text, "fuzz.toml")) {
        // Module fields reach error messages and logs later: they must be printable.
        for (const auto& [name, m] : config->modules) {
            fuzz::expect_printable(name, "module name");
            for (const auto* field :
                 {&m.zones, &m.warning, &m.critical, &m.threshold_on, &m.errors_as, &m.where}) {
                fuzz::expect_printable(*field, "module field");
            }
        }
    } else {
        const auto message = config.error().to_string();
        fuzz::expect_printable(message, "config error");
    }

    // A catalog and an override file (split at the first NUL byte), merged as lists.d is.
    if (const auto nul = text.find('\0'); nul != std::string_view::npos) {
        auto merged = merge_catalog_texts({{std::string(text.substr(0, nul)), "base.toml"},
                                           {std::string(text.substr(nul + 1)), "over.toml"}});
        if (merged) {
            if (auto cat = parse_catalog_document(merged.value(), "base.toml"); !cat) {
                fuzz::expect_printable(cat.error().to_string(), "merged catalog error");
            }
        } else {
            fuzz::expect_printable(merged.error().to_string(), "merge error");
        }
    }

    if (auto options = parse_option_settings(text, "fuzz.toml")) {
        // Names reach "unknown option" messages.
        for (const auto& o : *options) {
            fuzz::expect_printable(o.name, "option name");
        }
    } else {
        fuzz::expect_printable(options.error().to_string(), "options file error");
    }
    return 0;
}
