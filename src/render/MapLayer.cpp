// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "render/MapLayer.h"

namespace tessera::render {

QImage MapLayer::blankTile(int size) {
    QImage image(size, size, QImage::Format_ARGB32_Premultiplied);
    image.fill(Qt::transparent);
    return image;
}

} // namespace tessera::render
