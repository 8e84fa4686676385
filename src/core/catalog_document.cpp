#include "core/catalog_document.hpp"

#include "core/files.hpp"
#include "core/toml_reader.hpp"

#include <array>

namespace rblscope {

namespace {

/// The arrays of tables whose entries are known by their id.
constexpr std::array<std::string_view, 4> k_by_id = {"zone", "operator", "provider", "rejection"};

std::optional<std::string> id_of(const toml::node& entry) {
    const auto* t = entry.as_table();
    const auto* id = t != nullptr ? t->get_as<std::string>("id") : nullptr;
    return id != nullptr ? std::optional<std::string>(id->get()) : std::nullopt;
}

void merge_entries(toml::array& base, toml::array&& over, bool new_first) {
    std::size_t front = 0; // where the next new entry goes when they go first
    for (auto& entry : over) {
        const auto id = id_of(entry);
        toml::table* existing = nullptr;
        for (auto& b : base) {
            if (id && id_of(b) == id) {
                existing = b.as_table();
                break;
            }
        }
        if (existing != nullptr && entry.is_table()) {
            for (auto&& [key, value] : *entry.as_table()) {
                if (key.str() != "id") { // the same id: the entry keeps its own
                    existing->insert_or_assign(key, std::move(value));
                }
            }
        } else if (new_first) {
            base.insert(base.begin() + static_cast<std::ptrdiff_t>(front++), std::move(entry));
        } else {
            base.push_back(std::move(entry));
        }
    }
}

void merge(toml::table& base, toml::table&& over) {
    for (auto&& [key, value] : over) {
        auto* mine = base.get(key);
        const bool by_id = std::find(k_by_id.begin(), k_by_id.end(), key.str()) != k_by_id.end();
        if (mine != nullptr && by_id && mine->is_array() && value.is_array()) {
            merge_entries(*mine->as_array(),
                          std::move(*value.as_array()),
                          key.str() == "provider" || key.str() == "rejection");
        } else if (mine != nullptr && mine->is_table() && value.is_table()) {
            merge(*mine->as_table(), std::move(*value.as_table()));
        } else {
            base.insert_or_assign(key, std::move(value));
        }
    }
}

} // namespace

Result<toml::table>
merge_catalog_texts(const std::vector<std::pair<std::string, std::string>>& sources) {
    toml::table merged;
    bool first = true;
    for (const auto& [text, name] : sources) {
        auto doc = toml_read::parse(text, name);
        if (!doc) {
            return doc.error();
        }
        if (first) {
            merged = std::move(doc.value());
            first = false;
        } else {
            merge(merged, std::move(doc.value()));
        }
    }
    return merged;
}

Result<toml::table> read_catalog_document(const std::vector<std::string>& files) {
    std::vector<std::pair<std::string, std::string>> sources;
    for (std::size_t i = 0; i < files.size(); ++i) {
        auto text = read_whole_file(files[i]);
        if (!text) {
            return Error{i == 0 ? "cannot read the zone catalog (use --catalog FILE)"
                                : "cannot read the catalog override file",
                         files[i]};
        }
        sources.emplace_back(std::move(*text), files[i]);
    }
    return merge_catalog_texts(sources);
}

Result<std::shared_ptr<const CatalogDocument>> catalog_document_of(const Catalog& catalog) {
    if (catalog.document) {
        return catalog.document;
    }
    auto doc = read_catalog_document(
        catalog.files.empty() ? std::vector<std::string>{catalog.source} : catalog.files);
    if (!doc) {
        return doc.error();
    }
    return std::shared_ptr<const CatalogDocument>(
        std::make_shared<CatalogDocument>(CatalogDocument{std::move(doc.value())}));
}

} // namespace rblscope
