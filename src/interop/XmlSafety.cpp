// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "interop/XmlSafety.h"

#include <QXmlStreamReader>

namespace tessera::interop {

qsizetype firstInvalidUtf8(const QByteArray& bytes) {
    const auto* s = reinterpret_cast<const unsigned char*>(bytes.constData());
    const qsizetype n = bytes.size();
    for (qsizetype i = 0; i < n;) {
        const unsigned char c = s[i];
        if (c < 0x80) {
            ++i;
            continue;
        }
        int length = 0;
        char32_t cp = 0;
        if (c >= 0xC2 && c <= 0xDF) {
            length = 2;
            cp = c & 0x1Fu;
        } else if (c >= 0xE0 && c <= 0xEF) {
            length = 3;
            cp = c & 0x0Fu;
        } else if (c >= 0xF0 && c <= 0xF4) {
            length = 4;
            cp = c & 0x07u;
        } else {
            return i; // a continuation byte alone, C0/C1 (overlong) or F5..FF
        }
        if (i + length > n)
            return i;
        for (int k = 1; k < length; ++k) {
            if ((s[i + k] & 0xC0u) != 0x80u)
                return i;
            cp = (cp << 6) | (s[i + k] & 0x3Fu);
        }
        if ((length == 3 && cp < 0x800) || (length == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
            (cp >= 0xD800 && cp <= 0xDFFF))
            return i;
        i += length;
    }
    return -1;
}

QString xmlShapeProblem(const QByteArray& xml, const XmlShapeLimits& limits) {
    QXmlStreamReader reader(xml);
    int depth = limits.wrapped ? -1 : 0;
    qint64 elements = limits.wrapped ? -1 : 0;
    while (!reader.atEnd()) {
        switch (reader.readNext()) {
        case QXmlStreamReader::StartElement:
            if (++depth > limits.maxDepth)
                return QStringLiteral("elements nested deeper than %1 at line %2")
                    .arg(limits.maxDepth)
                    .arg(reader.lineNumber());
            if (++elements > limits.maxElements)
                return QStringLiteral("more than %1 elements (line %2)")
                    .arg(limits.maxElements)
                    .arg(reader.lineNumber());
            break;
        case QXmlStreamReader::EndElement:
            --depth;
            break;
        case QXmlStreamReader::Invalid:
            return {}; // the caller's reading reports it, with its position
        default:
            break;
        }
    }
    return {};
}

} // namespace tessera::interop
