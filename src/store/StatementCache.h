// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "geo/Result.h"
#include "store/Database.h"

#include <QString>
#include <QVariant>

#include <map>

namespace tessera::store {

/// A mission's database with each statement prepared once for a batch of work (reading or
/// applying a bundle, writing a route's points): preparing one costs more than running it for a
/// row, and such a batch runs thousands. Statements come back reset; one must not be used again
/// while a loop still steps it. When the batch ends its statements go back to the connection
/// (Database::givePrepared) for the next batch, which may be of a few rows only.
class StatementCache {
public:
    explicit StatementCache(Database& db)
        : db_(db) {}
    ~StatementCache() {
        for (auto& [sql, statement] : cache_)
            db_.givePrepared(sql, std::move(statement));
    }
    StatementCache(const StatementCache&) = delete;
    StatementCache& operator=(const StatementCache&) = delete;
    Result<Statement*> prepare(const QString& sql) {
        const auto found = cache_.find(sql);
        if (found != cache_.end()) {
            found->second.reset();
            return &found->second;
        }
        if (std::optional<Statement> kept = db_.takePrepared(sql))
            return &cache_.emplace(sql, std::move(*kept)).first->second;
        Result<Statement> s = db_.prepare(sql);
        if (!s)
            return s.error();
        return &cache_.emplace(sql, std::move(s).value()).first->second;
    }
    /// Prepares `sql`, binds `args` in order (?1, ?2, ...; a null QVariant binds NULL) and runs
    /// it to completion.
    Status run(const QString& sql, const QList<QVariant>& args) {
        Result<Statement*> s = prepare(sql);
        if (!s)
            return s.error();
        for (qsizetype k = 0; k < args.size(); ++k) {
            const QVariant& v = args[k];
            const int index = static_cast<int>(k + 1);
            if (v.isNull())
                s.value()->bindNull(index);
            else if (v.typeId() == QMetaType::QByteArray)
                s.value()->bindBlob(index, v.toByteArray());
            else if (v.typeId() == QMetaType::Double)
                s.value()->bind(index, v.toDouble());
            else if (v.typeId() == QMetaType::LongLong || v.typeId() == QMetaType::Int ||
                     v.typeId() == QMetaType::Bool)
                s.value()->bind(index, v.toLongLong());
            else
                s.value()->bind(index, v.toString());
        }
        return s.value()->run();
    }
    Result<QVariant> scalar(const QString& sql) { return db_.scalar(sql); }
    [[nodiscard]] qint64 lastInsertRowId() const { return db_.lastInsertRowId(); }
    Database& database() { return db_; }

private:
    Database& db_;
    std::map<QString, Statement> cache_;
};

} // namespace tessera::store
