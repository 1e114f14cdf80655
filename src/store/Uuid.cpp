// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "store/Uuid.h"

#include <QDateTime>
#include <QRandomGenerator>

#include <array>
#include <mutex>

namespace tessera::store {

QString newUuid() {
    // Within one millisecond a 12-bit counter (in rand_a) keeps the order; it then borrows the
    // next millisecond, which keeps UUIDs unique and ordered (RFC 9562, method 1).
    static std::mutex mutex;
    static qint64 lastMs = 0;
    static int counter = 0;
    qint64 ms = QDateTime::currentMSecsSinceEpoch();
    {
        const std::lock_guard lock(mutex);
        if (ms <= lastMs) {
            if (++counter > 0xfff) {
                counter = 0;
                ++lastMs;
            }
            ms = lastMs;
        } else {
            lastMs = ms;
            counter = 0;
        }
    }
    std::array<unsigned char, 16> b{};
    for (int k = 0; k < 6; ++k)
        b[k] = static_cast<unsigned char>(ms >> (8 * (5 - k)));
    b[6] = static_cast<unsigned char>(0x70 | ((counter >> 8) & 0x0f));
    b[7] = static_cast<unsigned char>(counter & 0xff);
    const quint64 random = QRandomGenerator::global()->generate64();
    for (int k = 8; k < 16; ++k)
        b[k] = static_cast<unsigned char>(random >> (8 * (k - 8)));
    b[8] = static_cast<unsigned char>(0x80 | (b[8] & 0x3f));
    static const char* hex = "0123456789abcdef";
    QString text;
    text.reserve(36);
    for (int k = 0; k < 16; ++k) {
        if (k == 4 || k == 6 || k == 8 || k == 10)
            text += QLatin1Char('-');
        text += QLatin1Char(hex[b[k] >> 4]);
        text += QLatin1Char(hex[b[k] & 0x0f]);
    }
    return text;
}

} // namespace tessera::store
