// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "render/TileCache.h"

#include <algorithm>

namespace tessera::render {

TileCache::TileCache(qint64 maxBytes)
    : cache_(std::max<qint64>(1, maxBytes / 1024)) {}

void TileCache::insert(const TileKey& key, const QImage& image) {
    cache_.insert(key, new QImage(image), std::max<qint64>(1, image.sizeInBytes() / 1024));
}

const QImage* TileCache::find(const TileKey& key) {
    return cache_.object(key);
}

void TileCache::removeLayer(qint64 layerId) {
    const QList<TileKey> keys = cache_.keys();
    for (const TileKey& key : keys)
        if (key.layerId == layerId)
            cache_.remove(key);
}

} // namespace tessera::render
