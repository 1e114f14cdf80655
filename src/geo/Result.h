// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QString>

#include <optional>
#include <utility>
#include <variant>

namespace tessera {

/// An error the user can act on: what went wrong, in words for the person at the screen.
struct Error {
    QString message;
};

/// Either a value or an Error. Expected failures (a bad file, a wrong key) travel as values,
/// never as exceptions across threads. std::expected arrives with C++23; this is its small cousin.
template <typename T>
class [[nodiscard]] Result {
public:
    Result(T value)
        : state_(std::move(value)) {} // NOLINT(google-explicit-constructor)
    Result(Error error)
        : state_(std::move(error)) {} // NOLINT(google-explicit-constructor)

    [[nodiscard]] bool ok() const { return std::holds_alternative<T>(state_); }
    explicit operator bool() const { return ok(); }

    [[nodiscard]] const T& value() const& { return std::get<T>(state_); }
    [[nodiscard]] T& value() & { return std::get<T>(state_); }
    [[nodiscard]] T&& value() && { return std::get<T>(std::move(state_)); }
    [[nodiscard]] const Error& error() const { return std::get<Error>(state_); }
    [[nodiscard]] QString errorMessage() const { return ok() ? QString() : error().message; }

private:
    std::variant<T, Error> state_;
};

/// Result of an operation with no value.
struct Done {};
using Status = Result<Done>;
inline Status success() {
    return Done{};
}

} // namespace tessera
