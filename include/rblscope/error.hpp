#pragma once
/// \file error.hpp
/// \brief Error values for expected failures (bad input, bad catalog lines).
///
/// Expected failures travel as values; exceptions are reserved for the CLI
/// boundary, where one of these becomes one line on stderr and exit 3.

#include <string>
#include <utility>
#include <variant>

namespace rblscope {

/// An expected failure: what went wrong and where (e.g. "lists.toml:42:9").
struct Error {
    std::string message; ///< A sentence a person can act on.
    std::string where;   ///< File and line, target text, or flag name; may be empty.

    /// "where: message", or just the message when there is no location.
    [[nodiscard]] std::string to_string() const {
        return where.empty() ? message : where + ": " + message;
    }
};

/// A value or an Error (std::expected arrives only in C++23).
template <typename T> class Result {
  public:
    Result(T value) : m_v(std::move(value)) {}     // NOLINT(google-explicit-constructor)
    Result(Error error) : m_v(std::move(error)) {} // NOLINT(google-explicit-constructor)

    [[nodiscard]] bool ok() const noexcept { return m_v.index() == 0; }
    explicit operator bool() const noexcept { return ok(); }
    [[nodiscard]] T& value() & { return std::get<0>(m_v); }
    [[nodiscard]] const T& value() const& { return std::get<0>(m_v); }
    [[nodiscard]] T&& value() && { return std::get<0>(std::move(m_v)); }
    [[nodiscard]] const Error& error() const& { return std::get<1>(m_v); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }

  private:
    std::variant<T, Error> m_v;
};

} // namespace rblscope
