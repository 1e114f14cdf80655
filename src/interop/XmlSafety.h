// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QString>

namespace tessera::interop {

/// Whether XML bytes carry a DTD (`<!DOCTYPE` or `<!ENTITY`). A DTD is the only way to define
/// entities, and so the start of every entity-expansion attack (billion laughs); no format
/// Tessera reads (CoT, TAK manifests, KML) needs one, so such input is refused whole rather
/// than parsed under limits. One check for every XML reader (docs/formats/tak.md).
inline bool hasDtd(const QByteArray& xml) {
    return xml.contains("<!DOCTYPE") || xml.contains("<!ENTITY");
}

/// The offset of the first byte that does not belong to a well-formed UTF-8 sequence (an
/// overlong form, a surrogate, a code point past U+10FFFF, a truncated sequence), or -1 when
/// all of it is UTF-8. Qt's decoder would turn such bytes into U+FFFD without a word; a reader
/// that must not take in altered text checks first.
qsizetype firstInvalidUtf8(const QByteArray& bytes);

/// How deep and how many elements an XML document may be. Qt's reader keeps a frame per open
/// element, so nesting alone (28 MB of `<a>`) costs gigabytes before any limit of the format
/// applies; these bound the reader itself.
struct XmlShapeLimits {
    int maxDepth = 32;
    qint64 maxElements = 1000000;
    bool wrapped = false; ///< the outer element is the caller's own wrapper: not counted
};

/// Walks `xml` and stops at the first element deeper than the limit or past the count: the
/// reason, with the line, or an empty string when the document keeps within them (malformed
/// XML is left to the caller's own reading, which reports it with its position).
QString xmlShapeProblem(const QByteArray& xml, const XmlShapeLimits& limits);

} // namespace tessera::interop
