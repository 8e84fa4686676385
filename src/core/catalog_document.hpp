#pragma once
// The catalog as one TOML document: the shipped lists.toml with local override files
// merged in. Used by every reader of the catalog (zones, bounce knowledge, vet data), so
// that an override reaches all of them the same way.

#include "rblscope/catalog.hpp"
#include "rblscope/error.hpp"

#include <memory>
#include <string>
#include <toml++/toml.h>
#include <vector>

namespace rblscope {

/// Reads `files` (the catalog first, then the overrides) and merges each into the first:
/// an entry of [[zone]], [[operator]], [[provider]] or [[rejection]] whose id is already
/// there replaces that entry's keys one by one; a new one is added (new providers and
/// rejection rules before the shipped ones, so local knowledge wins; new zones and
/// operators after); other tables merge key by key; any other value replaces. Nodes are
/// moved, not copied, so each keeps the file, line and column it was written at. Syntax
/// errors name "FILE:LINE:COL".
[[nodiscard]] Result<toml::table> read_catalog_document(const std::vector<std::string>& files);

/// The same from text already read: `sources` pairs of (text, file name).
[[nodiscard]] Result<toml::table>
merge_catalog_texts(const std::vector<std::pair<std::string, std::string>>& sources);

/// The merged document a Catalog keeps.
struct CatalogDocument {
    toml::table root;
};

/// The catalog's document: the one it was parsed from, or (a Catalog built by hand) read
/// again from its files.
[[nodiscard]] Result<std::shared_ptr<const CatalogDocument>>
catalog_document_of(const Catalog& catalog);

/// The catalog's zones from a document (read_catalog_document's, or one file's).
[[nodiscard]] Result<Catalog> parse_catalog_document(const toml::table& root,
                                                     const std::string& source_name);

} // namespace rblscope
