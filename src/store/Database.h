// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "geo/Result.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QString>
#include <QVariant>

#include <map>
#include <memory>
#include <optional>
#include <type_traits>

struct sqlite3;
struct sqlite3_stmt;

namespace tessera::store {

class Database;

/// A prepared statement. Bind by 1-based index, step, read columns by 0-based index.
/// Threads: belongs to its Database's thread.
class Statement {
public:
    Statement(Statement&&) noexcept;
    Statement& operator=(Statement&&) noexcept;
    ~Statement();

    Statement& bind(int index, const QString& value);
    Statement& bind(int index, double value);
    Statement& bind(int index, qint64 value);
    Statement& bind(int index, int value) { return bind(index, static_cast<qint64>(value)); }
    Statement& bindNull(int index);
    Statement& bindBlob(int index, const QByteArray& value);
    /// Binds UTF-8 text without copying it: `utf8` must stay valid until the statement has run
    /// (e.g. a column of another statement's current row).
    Statement& bindUtf8(int index, QByteArrayView utf8);

    /// Advances to the next row: a value of true means a row is ready, false means done.
    Result<bool> step();
    /// Runs a statement that returns no rows (INSERT, UPDATE ...), then resets it for reuse.
    Status run();
    void reset();
    /// Steps through every row, calling `onRow(statement)` for each. When `onRow` returns a
    /// Status, a failure stops the walk and is returned; otherwise the first SQLite error is.
    template <typename OnRow>
    Status forEachRow(OnRow&& onRow) {
        for (;;) {
            Result<bool> row = step();
            if (!row)
                return row.error();
            if (!row.value())
                return success();
            const Statement& current = *this;
            if constexpr (std::is_same_v<std::invoke_result_t<OnRow&, const Statement&>, Status>) {
                if (Status s = onRow(current); !s)
                    return s;
            } else {
                onRow(current);
            }
        }
    }

    [[nodiscard]] QString text(int column) const;
    /// The column's UTF-8 bytes, without a copy: valid until the next step() or reset().
    [[nodiscard]] QByteArrayView utf8(int column) const;
    [[nodiscard]] double real(int column) const;
    [[nodiscard]] qint64 integer(int column) const;
    [[nodiscard]] bool isNull(int column) const;
    [[nodiscard]] QByteArray blob(int column) const;

private:
    friend class Database;
    Statement(sqlite3* db, sqlite3_stmt* stmt);
    sqlite3* db_ = nullptr;
    sqlite3_stmt* stmt_ = nullptr;
};

/// One SQLite connection (RAII). Errors come back as values with SQLite's message and the file.
/// Threads: one connection per thread; never share an instance between threads. The connection
/// is opened without SQLite's per-call mutex (SQLITE_OPEN_NOMUTEX), which that rule makes
/// unnecessary and which cost a lock and unlock per column read.
class Database {
public:
    enum class Mode { ReadOnly, ReadWrite, Create };

    /// Opens `path`. ReadOnly and ReadWrite refuse a missing or empty file; Create makes it.
    static Result<Database> open(const QString& path, Mode mode);

    Database(Database&&) noexcept;
    Database& operator=(Database&&) noexcept;
    ~Database();

    Status exec(const QString& sql);
    Result<Statement> prepare(const QString& sql);
    /// The first column of the first row, for PRAGMAs and counts (a blob as a QByteArray).
    Result<QVariant> scalar(const QString& sql);
    /// Inserts `count` rows with `head` ("INSERT INTO t (a, b) VALUES "), 64 rows to a
    /// statement: one statement run per row costs about a third more for a million rows.
    /// `bindRow(statement, first, k)` binds row k's `columns` values from parameter `first` on.
    template <typename BindRow>
    Status insertRows(const QString& head, int columns, size_t count, BindRow&& bindRow) {
        constexpr int kRowsPerStatement = 64;
        Result<Statement> many = prepare(head + valuesList(kRowsPerStatement, columns));
        Result<Statement> one = prepare(head + valuesList(1, columns));
        if (!many || !one)
            return many ? one.error() : many.error();
        const size_t whole = count - count % kRowsPerStatement;
        for (size_t k = 0; k < count; ++k) {
            const bool inMany = k < whole;
            Statement& s = inMany ? many.value() : one.value();
            bindRow(s, inMany ? static_cast<int>(k % kRowsPerStatement) * columns + 1 : 1, k);
            if (inMany && (k + 1) % kRowsPerStatement != 0)
                continue;
            if (Status r = s.run(); !r)
                return r;
        }
        return success();
    }
    /// Whether the file has a table (or virtual table) of that name.
    Result<bool> hasTable(const QString& name);

    /// Runs `body` in a transaction: committed when it returns success, rolled back otherwise.
    /// Inside another transaction it nests as a savepoint.
    template <typename Body>
    Status transaction(Body&& body) {
        const bool nested = inTransaction();
        if (Status begin = exec(nested ? QStringLiteral("SAVEPOINT nested")
                                       : QStringLiteral("BEGIN IMMEDIATE"));
            !begin)
            return begin;
        Status result = body();
        if (!result) {
            if (nested)
                (void)exec(QStringLiteral("ROLLBACK TO nested; RELEASE nested"));
            else if (inTransaction()) // SQLite may have rolled back by itself (a full disk)
                (void)exec(QStringLiteral("ROLLBACK"));
            return result;
        }
        return exec(nested ? QStringLiteral("RELEASE nested") : QStringLiteral("COMMIT"));
    }

    [[nodiscard]] bool inTransaction() const;
    /// True when SQLite opened the file read-only (its permissions or the mode asked for).
    [[nodiscard]] bool isReadOnly() const;
    [[nodiscard]] qint64 lastInsertRowId() const;
    [[nodiscard]] qint64 changes() const;

    [[nodiscard]] const QString& path() const { return path_; }
    [[nodiscard]] QString lastErrorMessage() const;

    /// A statement a StatementCache prepared before and gave back, taken out of the pool so
    /// that nobody else uses it meanwhile; none when there is no such statement. Applying a
    /// bundle of a few records prepared the same few dozen statements each time, which was 15 %
    /// of a relay's work at 40 stations (docs/benchmarks.md).
    std::optional<Statement> takePrepared(const QString& sql);
    /// Gives a statement back (reset, its bindings cleared) for the next takePrepared.
    void givePrepared(const QString& sql, Statement&& statement);

private:
    Database(sqlite3* db, QString path);
    /// "(?1,?2),(?3,?4)" for 2 rows of 2 columns.
    static QString valuesList(int rows, int columns);
    sqlite3* db_ = nullptr;
    QString path_;
    /// Statements StatementCaches gave back (takePrepared), by their SQL.
    std::multimap<QString, Statement> prepared_;
};

} // namespace tessera::store
