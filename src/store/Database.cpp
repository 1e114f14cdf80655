// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "store/Database.h"

#include "store/MarkerKey.h"

#include <QFileInfo>

#include <sqlite3.h>

#include <utility>

namespace tessera::store {

namespace {
/// SQLite's message, with the cause in words a user can act on for the failures that are not
/// the program's fault.
QString describe(sqlite3* db, int rc) {
    const QString sqliteMessage = QString::fromUtf8(sqlite3_errmsg(db));
    switch (rc & 0xff) {
    case SQLITE_FULL:
        return QStringLiteral("the disk is full (%1); nothing of this change was written")
            .arg(sqliteMessage);
    case SQLITE_READONLY:
        return QStringLiteral("the file is read-only (%1)").arg(sqliteMessage);
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
        return QStringLiteral("the mission file is damaged (%1)").arg(sqliteMessage);
    case SQLITE_IOERR:
        return QStringLiteral("the disk could not be read or written (%1)").arg(sqliteMessage);
    default:
        return sqliteMessage;
    }
}
} // namespace

// ---- Statement ----

Statement::Statement(sqlite3* db, sqlite3_stmt* stmt)
    : db_(db)
    , stmt_(stmt) {}
Statement::Statement(Statement&& o) noexcept
    : db_(std::exchange(o.db_, nullptr))
    , stmt_(std::exchange(o.stmt_, nullptr)) {}
Statement& Statement::operator=(Statement&& o) noexcept {
    if (this != &o) {
        sqlite3_finalize(stmt_);
        db_ = std::exchange(o.db_, nullptr);
        stmt_ = std::exchange(o.stmt_, nullptr);
    }
    return *this;
}
Statement::~Statement() {
    sqlite3_finalize(stmt_);
}

Statement& Statement::bind(int index, const QString& value) {
    const QByteArray utf8 = value.toUtf8();
    sqlite3_bind_text(stmt_, index, utf8.constData(), static_cast<int>(utf8.size()),
                      SQLITE_TRANSIENT);
    return *this;
}
Statement& Statement::bind(int index, double value) {
    sqlite3_bind_double(stmt_, index, value);
    return *this;
}
Statement& Statement::bind(int index, qint64 value) {
    sqlite3_bind_int64(stmt_, index, value);
    return *this;
}
Statement& Statement::bindBlob(int index, const QByteArray& value) {
    sqlite3_bind_blob64(stmt_, index, value.constData(), static_cast<sqlite3_uint64>(value.size()),
                        SQLITE_TRANSIENT);
    return *this;
}
Statement& Statement::bindUtf8(int index, QByteArrayView utf8) {
    // A null view is the empty string, not SQL NULL.
    sqlite3_bind_text64(stmt_, index, utf8.data() ? utf8.data() : "",
                        static_cast<sqlite3_uint64>(utf8.size()), SQLITE_STATIC, SQLITE_UTF8);
    return *this;
}
Statement& Statement::bindNull(int index) {
    sqlite3_bind_null(stmt_, index);
    return *this;
}

Result<bool> Statement::step() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW)
        return true;
    if (rc == SQLITE_DONE)
        return false;
    return Error{describe(db_, rc)};
}

Status Statement::run() {
    Result<bool> r = step();
    reset();
    if (!r)
        return r.error();
    return success();
}

void Statement::reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
}

QString Statement::text(int column) const {
    const auto* data = sqlite3_column_text(stmt_, column);
    const int size = sqlite3_column_bytes(stmt_, column);
    return data ? QString::fromUtf8(reinterpret_cast<const char*>(data), size) : QString();
}
QByteArrayView Statement::utf8(int column) const {
    const auto* data = sqlite3_column_text(stmt_, column);
    const int size = sqlite3_column_bytes(stmt_, column);
    return data ? QByteArrayView(reinterpret_cast<const char*>(data), size) : QByteArrayView();
}
double Statement::real(int column) const {
    return sqlite3_column_double(stmt_, column);
}
qint64 Statement::integer(int column) const {
    return sqlite3_column_int64(stmt_, column);
}
QByteArray Statement::blob(int column) const {
    const void* data = sqlite3_column_blob(stmt_, column);
    const int size = sqlite3_column_bytes(stmt_, column);
    return data ? QByteArray(static_cast<const char*>(data), size) : QByteArray();
}
bool Statement::isNull(int column) const {
    return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

// ---- Database ----

Database::Database(sqlite3* db, QString path)
    : db_(db)
    , path_(std::move(path)) {}
Database::Database(Database&& o) noexcept
    : db_(std::exchange(o.db_, nullptr))
    , path_(std::move(o.path_))
    , prepared_(std::move(o.prepared_)) {}
Database& Database::operator=(Database&& o) noexcept {
    if (this != &o) {
        prepared_.clear(); // finalized before their connection closes
        sqlite3_close_v2(db_);
        db_ = std::exchange(o.db_, nullptr);
        path_ = std::move(o.path_);
        prepared_ = std::move(o.prepared_);
    }
    return *this;
}
Database::~Database() {
    prepared_.clear();
    sqlite3_close_v2(db_);
}

std::optional<Statement> Database::takePrepared(const QString& sql) {
    const auto it = prepared_.find(sql);
    if (it == prepared_.end())
        return std::nullopt;
    std::optional<Statement> out(std::move(it->second));
    prepared_.erase(it);
    return out;
}

void Database::givePrepared(const QString& sql, Statement&& statement) {
    // Bounded: a cache per batch holds a few dozen; more would be statements nobody asks for.
    constexpr size_t kMostKept = 256;
    if (prepared_.size() >= kMostKept)
        return;
    statement.reset();
    prepared_.emplace(sql, std::move(statement));
}

Result<Database> Database::open(const QString& path, Mode mode) {
    const QFileInfo file(path);
    if (mode != Mode::Create) {
        if (!file.exists())
            return Error{QStringLiteral("%1: no such file").arg(path)};
        if (!file.isFile())
            return Error{QStringLiteral("%1: not a file").arg(path)};
        // SQLite treats an empty file as an empty database and would happily write into it.
        if (file.size() == 0)
            return Error{QStringLiteral("%1: the file is empty, not a Tessera mission").arg(path)};
    }
    // A connection is used by one thread at a time (Database.h), so SQLite's per-call mutex
    // is not needed.
    int flags = SQLITE_OPEN_NOMUTEX;
    switch (mode) {
    case Mode::ReadOnly:
        flags |= SQLITE_OPEN_READONLY;
        break;
    case Mode::ReadWrite:
        flags |= SQLITE_OPEN_READWRITE;
        break;
    case Mode::Create:
        flags |= SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
        break;
    }
    sqlite3* raw = nullptr;
    const int rc = sqlite3_open_v2(path.toUtf8().constData(), &raw, flags, nullptr);
    Database db(raw, path);
    if (rc != SQLITE_OK)
        return Error{QStringLiteral("%1: %2").arg(path, db.lastErrorMessage())};
    sqlite3_extended_result_codes(raw, 1);
    sqlite3_busy_timeout(raw, 5000);
    if (registerMarkerKeyFunction(raw) != SQLITE_OK)
        return Error{QStringLiteral("%1: %2").arg(path, db.lastErrorMessage())};
    return db;
}

QString Database::lastErrorMessage() const {
    return db_ ? QString::fromUtf8(sqlite3_errmsg(db_)) : QStringLiteral("out of memory");
}

bool Database::inTransaction() const {
    return db_ && sqlite3_get_autocommit(db_) == 0;
}
bool Database::isReadOnly() const {
    return db_ && sqlite3_db_readonly(db_, "main") == 1;
}
qint64 Database::lastInsertRowId() const {
    return sqlite3_last_insert_rowid(db_);
}
qint64 Database::changes() const {
    return sqlite3_changes64(db_);
}

Status Database::exec(const QString& sql) {
    char* message = nullptr;
    const int rc = sqlite3_exec(db_, sql.toUtf8().constData(), nullptr, nullptr, &message);
    if (rc == SQLITE_OK)
        return success();
    sqlite3_free(message);
    return Error{describe(db_, rc)};
}

Result<Statement> Database::prepare(const QString& sql) {
    sqlite3_stmt* stmt = nullptr;
    const QByteArray utf8 = sql.toUtf8();
    if (sqlite3_prepare_v2(db_, utf8.constData(), static_cast<int>(utf8.size()), &stmt, nullptr) !=
        SQLITE_OK)
        return Error{describe(db_, sqlite3_extended_errcode(db_))};
    return Statement(db_, stmt);
}

Result<bool> Database::hasTable(const QString& name) {
    Result<Statement> s = prepare(
        QStringLiteral("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?1"));
    if (!s)
        return s.error();
    s.value().bind(1, name);
    Result<bool> row = s.value().step();
    if (!row)
        return row.error();
    return row.value() && s.value().integer(0) > 0;
}

Result<QVariant> Database::scalar(const QString& sql) {
    Result<Statement> stmt = prepare(sql);
    if (!stmt)
        return stmt.error();
    Result<bool> row = stmt.value().step();
    if (!row)
        return row.error();
    if (!row.value() || stmt.value().isNull(0))
        return QVariant();
    // A blob as its bytes: read as text, bytes that are not UTF-8 would be replaced.
    if (sqlite3_column_type(stmt.value().stmt_, 0) == SQLITE_BLOB)
        return QVariant(stmt.value().blob(0));
    return QVariant(stmt.value().text(0));
}

QString Database::valuesList(int rows, int columns) {
    QString sql;
    for (int r = 0; r < rows; ++r) {
        sql += r ? QStringLiteral(",(") : QStringLiteral("(");
        for (int c = 1; c <= columns; ++c)
            sql += QStringLiteral("?%1").arg(r * columns + c) +
                   (c < columns ? QStringLiteral(",") : QStringLiteral(")"));
    }
    return sql;
}

} // namespace tessera::store
