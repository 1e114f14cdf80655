// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Internal to tessera_share: strict CBOR reading for everything that arrives from elsewhere.

#include "geo/Result.h"

#include <QByteArray>
#include <QCborValue>
#include <QStringList>

namespace tessera::share::cbor {

/// One CBOR item that is exactly `bytes`: refuses a parse error, trailing bytes, and any encoding
/// other than the one Qt writes (so one value has one form, and signed bytes mean one thing).
/// `what` names the thing in the error ("contact card").
Result<QCborValue> decodeStrict(const QByteArray& bytes, const char* what);

/// The strings of a CBOR array (non-strings skipped); empty for anything else.
QStringList stringList(const QCborValue& value);

} // namespace tessera::share::cbor
