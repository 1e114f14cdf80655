// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "share/Cbor.h"

#include <QCborArray>
#include <QCborParserError>

namespace tessera::share::cbor {

Result<QCborValue> decodeStrict(const QByteArray& bytes, const char* what) {
    QCborParserError error;
    QCborValue value = QCborValue::fromCbor(bytes, &error);
    if (error.error != QCborError::NoError)
        return Error{QStringLiteral("the %1 is not readable (%2)")
                         .arg(QString::fromLatin1(what), error.errorString())};
    if (value.toCbor() != bytes)
        return Error{QStringLiteral("the %1 is not in the expected encoding (trailing or "
                                    "re-encoded bytes)")
                         .arg(QString::fromLatin1(what))};
    return value;
}

QStringList stringList(const QCborValue& value) {
    QStringList out;
    for (const QCborValue& v : value.toArray())
        if (v.isString())
            out.append(v.toString());
    return out;
}

} // namespace tessera::share::cbor
