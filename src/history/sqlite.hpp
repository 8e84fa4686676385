#pragma once
// A small RAII layer over the SQLite C API for the history: statements that finalize
// themselves and errors as values naming the file.

#include "rblscope/error.hpp"

#include <cstdint>
#include <optional>
#include <sqlite3.h>
#include <string>
#include <string_view>

namespace rblscope::history {

/// "FILE: MESSAGE (SQLite's words)".
[[nodiscard]] inline Error
sqlite_error(sqlite3* db, const std::string& path, std::string_view what) {
    return Error{std::string(what) + " (" + (db != nullptr ? sqlite3_errmsg(db) : "out of memory") +
                     ")",
                 path};
}

/// Runs `sql` (any number of statements without results).
[[nodiscard]] inline std::optional<Error>
exec(sqlite3* db, const std::string& path, const char* sql, std::string_view what) {
    if (sqlite3_exec(db, sql, nullptr, nullptr, nullptr) != SQLITE_OK) {
        return sqlite_error(db, path, what);
    }
    return std::nullopt;
}

class Statement {
  public:
    Statement(sqlite3* db, const char* sql) { sqlite3_prepare_v2(db, sql, -1, &m_stmt, nullptr); }
    ~Statement() { sqlite3_finalize(m_stmt); }
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;
    Statement(Statement&&) = delete;
    Statement& operator=(Statement&&) = delete;

    [[nodiscard]] bool ok() const noexcept { return m_stmt != nullptr; }
    Statement& bind(int index, std::string_view text) {
        sqlite3_bind_text(
            m_stmt, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
        return *this;
    }
    Statement& bind(int index, std::int64_t value) {
        sqlite3_bind_int64(m_stmt, index, value);
        return *this;
    }
    /// SQLITE_ROW, SQLITE_DONE or an error code.
    int step() { return m_stmt == nullptr ? SQLITE_MISUSE : sqlite3_step(m_stmt); }
    void reset() {
        sqlite3_reset(m_stmt);
        sqlite3_clear_bindings(m_stmt);
    }
    [[nodiscard]] std::string text(int column) const {
        const auto* p = sqlite3_column_text(m_stmt, column);
        return p == nullptr
                   ? std::string()
                   : std::string(reinterpret_cast<const char*>(p),
                                 static_cast<std::size_t>(sqlite3_column_bytes(m_stmt, column)));
    }
    [[nodiscard]] std::int64_t integer(int column) const {
        return sqlite3_column_int64(m_stmt, column);
    }

  private:
    sqlite3_stmt* m_stmt = nullptr;
};

} // namespace rblscope::history
