#pragma once
// Reading TOML tables with errors that name FILE:LINE:COL (used by the catalog and the bounce
// knowledge loaders; both read lists.toml).

#include "core/sanitize.hpp"
#include "rblscope/error.hpp"

#include <algorithm>
#include <array>
#include <fmt/format.h>
#include <optional>
#include <string>
#include <string_view>
#include <toml++/toml.h>
#include <vector>

namespace rblscope::toml_read {

/// Parses TOML text; a syntax error names "SOURCE:LINE:COL".
inline Result<toml::table> parse(std::string_view text, const std::string& source_name) {
    try {
        return toml::parse(text, source_name);
    } catch (const toml::parse_error& e) {
        const auto& pos = e.source().begin;
        // toml++ quotes the offending bytes, which may be anything.
        return Error{sanitize_text(e.description(), 300),
                     fmt::format("{}:{}:{}", source_name, pos.line, pos.column)};
    }
}

template <typename E, std::size_t N>
std::optional<E> from_name(const std::array<std::pair<std::string_view, E>, N>& table,
                           std::string_view name) {
    for (const auto& [n, e] : table) {
        if (n == name) {
            return e;
        }
    }
    return std::nullopt;
}

template <typename E, std::size_t N>
std::string_view to_name(const std::array<std::pair<std::string_view, E>, N>& table, E e) {
    for (const auto& [n, v] : table) {
        if (v == e) {
            return n;
        }
    }
    return "?";
}

template <typename E, std::size_t N>
std::string names_of(const std::array<std::pair<std::string_view, E>, N>& table) {
    std::string out;
    for (const auto& [n, e] : table) {
        out += out.empty() ? "" : ", ";
        out += n;
    }
    return out;
}

/// Collects the first error with its position; later reads become no-ops.
class Reader {
  public:
    explicit Reader(std::string source) : m_source(std::move(source)) {}

    [[nodiscard]] bool failed() const { return m_error.has_value(); }
    [[nodiscard]] const Error& error() const { return *m_error; }

    void fail(const toml::node& at, const std::string& message) {
        if (!m_error) {
            const auto& pos = at.source().begin;
            // Messages quote values from the file, which may hold any bytes.
            m_error = Error{sanitize_text(message, 600),
                            fmt::format("{}:{}:{}", file_of(at), pos.line, pos.column)};
        }
    }
    [[nodiscard]] std::string line_of(const toml::node& at) const {
        return fmt::format("{}:{}", file_of(at), at.source().begin.line);
    }
    /// The file a node came from: a merged catalog holds nodes of several files.
    [[nodiscard]] const std::string& file_of(const toml::node& at) const {
        const auto& path = at.source().path;
        return path && !path->empty() ? *path : m_source;
    }

    /// Rejects keys not in `allowed` (typos would otherwise be silently ignored).
    void only_keys(const toml::table& t,
                   std::initializer_list<std::string_view> allowed,
                   std::string_view what) {
        for (const auto& [key, node] : t) {
            if (std::find(allowed.begin(), allowed.end(), key.str()) == allowed.end()) {
                fail(node, fmt::format("{}: unknown key '{}'", what, sanitize_text(key.str(), 80)));
            }
        }
    }

    std::optional<std::string>
    string(const toml::table& t, std::string_view key, std::string_view what) {
        const auto* node = t.get(key);
        if (node == nullptr) {
            return std::nullopt;
        }
        if (const auto* s = node->as_string()) {
            return s->get();
        }
        fail(*node, fmt::format("{}: '{}' must be a string", what, key));
        return std::nullopt;
    }
    std::optional<bool> boolean(const toml::table& t, std::string_view key, std::string_view what) {
        const auto* node = t.get(key);
        if (node == nullptr) {
            return std::nullopt;
        }
        if (const auto* b = node->as_boolean()) {
            return b->get();
        }
        fail(*node, fmt::format("{}: '{}' must be true or false", what, key));
        return std::nullopt;
    }
    std::optional<double>
    number(const toml::table& t, std::string_view key, std::string_view what) {
        const auto* node = t.get(key);
        if (node == nullptr) {
            return std::nullopt;
        }
        if (const auto v = node->value<double>()) {
            return *v;
        }
        fail(*node, fmt::format("{}: '{}' must be a number", what, key));
        return std::nullopt;
    }
    template <typename E, std::size_t N>
    std::optional<E> choice(const toml::table& t,
                            std::string_view key,
                            std::string_view what,
                            const std::array<std::pair<std::string_view, E>, N>& table) {
        const auto s = string(t, key, what);
        if (!s) {
            return std::nullopt;
        }
        if (auto e = from_name(table, *s)) {
            return e;
        }
        fail(*t.get(key),
             fmt::format(
                 "{}: unknown {} \"{}\" (expected one of: {})", what, key, *s, names_of(table)));
        return std::nullopt;
    }
    std::vector<std::string>
    strings(const toml::table& t, std::string_view key, std::string_view what) {
        std::vector<std::string> out;
        const auto* node = t.get(key);
        if (node == nullptr) {
            return out;
        }
        const auto* arr = node->as_array();
        if (arr == nullptr) {
            fail(*node, fmt::format("{}: '{}' must be an array of strings", what, key));
            return out;
        }
        for (const auto& el : *arr) {
            if (const auto* s = el.as_string()) {
                out.push_back(s->get());
            } else {
                fail(el, fmt::format("{}: '{}' must hold only strings", what, key));
            }
        }
        return out;
    }

  private:
    std::string m_source;
    std::optional<Error> m_error;
};

} // namespace rblscope::toml_read
