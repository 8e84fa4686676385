#pragma once
// Shared by the explain unit tests: the shipped knowledge and catalog, loaded once, and a
// reader run over a text in small pieces (chunk boundaries must not matter).

#include "rblscope/catalog.hpp"
#include "rblscope/explain.hpp"

#include <doctest/doctest.h>
#include <string>
#include <vector>

namespace explain_test {

inline const rblscope::BounceKnowledge& knowledge() {
    static const rblscope::BounceKnowledge k = [] {
        auto r = rblscope::load_bounce_knowledge(RBLSCOPE_CATALOG_FILE);
        REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().to_string()));
        return std::move(r.value());
    }();
    return k;
}

inline const rblscope::Catalog& catalog() {
    static const rblscope::Catalog c = [] {
        auto r = rblscope::load_catalog(RBLSCOPE_CATALOG_FILE);
        REQUIRE(r.ok());
        return std::move(r.value());
    }();
    return c;
}

/// Every rejection in `text`, fed in pieces of `chunk` bytes; with the knowledge, prose
/// worded like a known rejection is read too (as the CLI does).
inline std::vector<rblscope::Rejection>
read_all(std::string_view text, std::size_t chunk = 7, bool with_knowledge = false) {
    std::vector<rblscope::Rejection> out;
    rblscope::RejectionReader reader(
        "in",
        [&](rblscope::Rejection&& r) { out.push_back(std::move(r)); },
        with_knowledge ? &knowledge() : nullptr);
    for (std::size_t i = 0; i < text.size(); i += chunk) {
        reader.feed(text.substr(i, chunk));
    }
    reader.finish();
    return out;
}

} // namespace explain_test
