// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>

namespace tessera::interop {

/// Whether XML bytes carry a DTD (`<!DOCTYPE` or `<!ENTITY`). A DTD is the only way to define
/// entities, and so the start of every entity-expansion attack (billion laughs); no format
/// Tessera reads (CoT, TAK manifests, KML) needs one, so such input is refused whole rather
/// than parsed under limits. One check for every XML reader (docs/formats/tak.md).
inline bool hasDtd(const QByteArray& xml) {
    return xml.contains("<!DOCTYPE") || xml.contains("<!ENTITY");
}

} // namespace tessera::interop
