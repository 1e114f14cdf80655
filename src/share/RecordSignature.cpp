// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "share/RecordSignature.h"

#include "share/BundleRecords.h"
#include "share/Crypto.h"

#include <QCborArray>
#include <QtEndian>
#include <qfloat16.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <thread>
#include <utility>
#include <vector>

namespace tessera::share {

namespace {

constexpr char kLeafDomain[] = "tessera-record/1";
constexpr char kBatchDomain[] = "tessera-record-batch/1";

/// A CBOR head: major type and argument in the shortest form (RFC 8949 section 4.2.1).
void appendHead(QByteArray& out, int major, quint64 argument) {
    const auto type = static_cast<char>(major << 5);
    if (argument < 24) {
        out.append(static_cast<char>(type | static_cast<char>(argument)));
    } else if (argument <= 0xff) {
        out.append(static_cast<char>(type | 24));
        out.append(static_cast<char>(argument));
    } else if (argument <= 0xffff) {
        out.append(static_cast<char>(type | 25));
        char b[2];
        qToBigEndian<quint16>(static_cast<quint16>(argument), b);
        out.append(b, 2);
    } else if (argument <= 0xffffffffULL) {
        out.append(static_cast<char>(type | 26));
        char b[4];
        qToBigEndian<quint32>(static_cast<quint32>(argument), b);
        out.append(b, 4);
    } else {
        out.append(static_cast<char>(type | 27));
        char b[8];
        qToBigEndian<quint64>(argument, b);
        out.append(b, 8);
    }
}

/// A floating-point value in the shortest of half, single and double precision that holds it
/// exactly; NaN as the half-precision quiet NaN.
void appendDouble(QByteArray& out, double d) {
    if (std::isnan(d)) {
        out.append("\xf9\x7e\x00", 3);
        return;
    }
    const auto half = qfloat16(static_cast<float>(d));
    if (static_cast<double>(static_cast<float>(half)) == d) {
        quint16 bits = 0;
        std::memcpy(&bits, &half, 2);
        out.append(static_cast<char>(0xf9));
        char b[2];
        qToBigEndian<quint16>(bits, b);
        out.append(b, 2);
        return;
    }
    const auto single = static_cast<float>(d);
    if (static_cast<double>(single) == d) {
        quint32 bits = 0;
        std::memcpy(&bits, &single, 4);
        out.append(static_cast<char>(0xfa));
        char b[4];
        qToBigEndian<quint32>(bits, b);
        out.append(b, 4);
        return;
    }
    quint64 bits = 0;
    std::memcpy(&bits, &d, 8);
    out.append(static_cast<char>(0xfb));
    char b[8];
    qToBigEndian<quint64>(bits, b);
    out.append(b, 8);
}

void appendCanonical(QByteArray& out, const QCborValue& v) {
    switch (v.type()) {
    case QCborValue::Integer: {
        const qint64 n = v.toInteger();
        if (n >= 0)
            appendHead(out, 0, static_cast<quint64>(n));
        else
            appendHead(out, 1, static_cast<quint64>(-(n + 1)));
        return;
    }
    case QCborValue::ByteArray: {
        const QByteArray b = v.toByteArray();
        appendHead(out, 2, static_cast<quint64>(b.size()));
        out.append(b);
        return;
    }
    case QCborValue::String: {
        const QByteArray s = v.toString().toUtf8();
        appendHead(out, 3, static_cast<quint64>(s.size()));
        out.append(s);
        return;
    }
    case QCborValue::Array: {
        const QCborArray a = v.toArray();
        appendHead(out, 4, static_cast<quint64>(a.size()));
        for (const QCborValue& item : a)
            appendCanonical(out, item);
        return;
    }
    case QCborValue::Map: {
        const QCborMap m = v.toMap();
        std::vector<std::pair<QByteArray, QByteArray>> entries;
        entries.reserve(static_cast<size_t>(m.size()));
        for (auto it = m.constBegin(); it != m.constEnd(); ++it) {
            std::pair<QByteArray, QByteArray> e;
            appendCanonical(e.first, it.key());
            appendCanonical(e.second, it.value());
            entries.push_back(std::move(e));
        }
        // Bytewise lexicographic order of the encoded keys (section 4.2.1).
        std::sort(entries.begin(), entries.end(),
                  [](const auto& a, const auto& b) { return a.first < b.first; });
        appendHead(out, 5, static_cast<quint64>(entries.size()));
        for (const auto& [key, value] : entries) {
            out.append(key);
            out.append(value);
        }
        return;
    }
    case QCborValue::False:
        out.append(static_cast<char>(0xf4));
        return;
    case QCborValue::True:
        out.append(static_cast<char>(0xf5));
        return;
    case QCborValue::Null:
        out.append(static_cast<char>(0xf6));
        return;
    case QCborValue::Double:
        appendDouble(out, v.toDouble());
        return;
    default:
        // Undefined, tags and other simple values never occur in a record; encode them as
        // null so that a record holding one still has one form (its leaf will not match).
        out.append(static_cast<char>(0xf6));
        return;
    }
}

} // namespace

QByteArray canonicalCbor(const QCborValue& value) {
    QByteArray out;
    appendCanonical(out, value);
    return out;
}

QByteArray recordLeaf(const QCborMap& wireRecord, const QByteArray& salt) {
    QByteArray message(kLeafDomain, sizeof kLeafDomain);
    message += salt;
    // The record map without its proof and an attachment's content: encoded as canonicalCbor
    // encodes a map, skipping the two keys (no copy of the record).
    const QString proof = QStringLiteral("proof");
    const QString chunks = QStringLiteral("chunks");
    std::vector<std::pair<QByteArray, QByteArray>> entries;
    entries.reserve(static_cast<size_t>(wireRecord.size()));
    for (auto it = wireRecord.constBegin(); it != wireRecord.constEnd(); ++it) {
        const QCborValue key = it.key();
        if (key.isString() && (key.toString() == proof || key.toString() == chunks))
            continue;
        std::pair<QByteArray, QByteArray> e;
        appendCanonical(e.first, key);
        appendCanonical(e.second, it.value());
        entries.push_back(std::move(e));
    }
    std::sort(entries.begin(), entries.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    appendHead(message, 5, static_cast<quint64>(entries.size()));
    for (const auto& [key, value] : entries) {
        message += key;
        message += value;
    }
    return crypto::sha256(message);
}

QList<QByteArray> recordLeaves(const QList<const QCborMap*>& records,
                               const QList<QByteArray>& salts) {
    QList<QByteArray> leaves(records.size());
    const qsizetype n = records.size();
    const auto work = [&](qsizetype begin, qsizetype end) {
        for (qsizetype k = begin; k < end; ++k)
            leaves[k] = recordLeaf(*records[k], salts[k]);
    };
    // Hashing is independent per record: on every core for a large bundle (each thread writes
    // its own slots; the maps are only read).
    const unsigned cores = std::max(1U, std::min(8U, std::thread::hardware_concurrency()));
    if (n < 2048 || cores == 1) {
        work(0, n);
        return leaves;
    }
    std::vector<std::thread> threads;
    const qsizetype step = (n + cores - 1) / cores;
    for (qsizetype begin = step; begin < n; begin += step)
        threads.emplace_back(work, begin, std::min(n, begin + step));
    work(0, std::min(n, step));
    for (std::thread& t : threads)
        t.join();
    return leaves;
}

QByteArray RecordBatch::fingerprint() const {
    return crypto::sha256(keys);
}

QByteArray RecordBatch::statement(const QString& missionId) const {
    QCborArray a{QString::fromLatin1(kBatchDomain), missionId, station, seq, keys, leaves};
    return canonicalCbor(a);
}

QCborMap RecordBatch::toCbor() const {
    QCborMap m;
    m.insert(QStringLiteral("station"), station);
    m.insert(QStringLiteral("seq"), seq);
    m.insert(QStringLiteral("keys"), keys);
    m.insert(QStringLiteral("leaves"), leaves);
    m.insert(QStringLiteral("signature"), signature);
    return m;
}

Result<RecordBatch> RecordBatch::fromCbor(const QCborValue& value) {
    const QCborMap m = value.toMap();
    RecordBatch b;
    b.station = m[QStringLiteral("station")].toString();
    b.seq = m[QStringLiteral("seq")].toInteger(-1);
    b.keys = m[QStringLiteral("keys")].toByteArray();
    b.leaves = m[QStringLiteral("leaves")].toByteArray();
    b.signature = m[QStringLiteral("signature")].toByteArray();
    if (!value.isMap() || !isUuidText(b.station) || b.seq < 1 || b.keys.size() != 64 ||
        b.leaves.isEmpty() || b.leaves.size() % kLeafBytes != 0 ||
        b.leaves.size() > static_cast<qsizetype>(kBatchLeaves) * kLeafBytes ||
        b.signature.size() != crypto::kSignatureBytes)
        return Error{QStringLiteral("a signed batch in the bundle is malformed")};
    return b;
}

bool RecordBatch::verifySignature(const QString& missionId) const {
    return crypto::verify(keys.left(crypto::kKeyBytes), statement(missionId), signature);
}

QCborValue RecordProof::toCbor() const {
    return QCborArray{batch, leaf, salt};
}

Result<RecordProof> RecordProof::of(const QCborMap& wireRecord) {
    const QCborValue v = wireRecord[QStringLiteral("proof")];
    const QCborArray a = v.toArray();
    if (!v.isArray() || a.size() != 3 || !a[0].isInteger() || !a[1].isInteger() ||
        !a[2].isByteArray() || a[2].toByteArray().size() != kSaltBytes)
        return Error{v.isUndefined() ? QStringLiteral("it carries no signature")
                                     : QStringLiteral("its signature proof is malformed")};
    const qint64 batch = a[0].toInteger();
    const qint64 leaf = a[1].toInteger();
    if (batch < 0 || batch > 1'000'000 || leaf < 0 || leaf >= kBatchLeaves)
        return Error{QStringLiteral("its signature proof is malformed")};
    return RecordProof{static_cast<int>(batch), static_cast<int>(leaf), a[2].toByteArray()};
}

} // namespace tessera::share
