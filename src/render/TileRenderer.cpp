// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "render/TileRenderer.h"

#include "geo/ThreadCheck.h"

#include <QSet>
#include <QThread>

namespace tessera::render {

TileRenderer::TileRenderer(int tileSize, QObject* parent)
    : QObject(parent)
    , pyramid_(tileSize) {
    qRegisterMetaType<TileKey>();
    // Leave a core for the GUI and the scene graph; at least two workers so one slow tile
    // (a striped raster without overviews) does not hold up the rest.
    pool_.setMaxThreadCount(std::max(2, QThread::idealThreadCount() - 1));
    pool_.setExpiryTimeout(-1); // workers keep their GDAL handles for the session
}

TileRenderer::~TileRenderer() {
    cancelAll();
    pool_.waitForDone();
}

void TileRenderer::setLayers(const QList<std::shared_ptr<const MapLayer>>& layers) {
    cancelAll();
    layers_.clear();
    for (const auto& layer : layers)
        layers_.insert(layer->id(), layer);
}

void TileRenderer::request(const QList<TileKey>& wanted) {
    const QSet<TileKey> wantedSet(wanted.begin(), wanted.end());
    for (auto it = inFlight_.begin(); it != inFlight_.end();) {
        if (!wantedSet.contains(it.key())) {
            it.value()->store(true);
            it = inFlight_.erase(it);
        } else {
            ++it;
        }
    }
    int priority = static_cast<int>(wanted.size());
    for (const TileKey& key : wanted) {
        --priority;
        if (inFlight_.contains(key))
            continue;
        const auto layer = layers_.value(key.layerId);
        if (!layer)
            continue;
        auto flag = std::make_shared<CancelFlag>(false);
        inFlight_.insert(key, flag);
        const TilePyramid pyramid = pyramid_;
        pool_.start(
            [this, key, layer, flag, pyramid] {
                if (flag->load())
                    return; // cancelled while queued: never started
                threadcheck::backgroundPriority();
                Result<QImage> result = layer->renderTile(pyramid, key.tile, flag.get());
                QMetaObject::invokeMethod(
                    this, [this, key, flag, result] { finished(key, flag, result); },
                    Qt::QueuedConnection);
            },
            priority);
    }
}

void TileRenderer::finished(TileKey key, const std::shared_ptr<CancelFlag>& flag,
                            const Result<QImage>& result) {
    // A cancelled request may have been asked for again: only the current one delivers.
    auto it = inFlight_.find(key);
    if (it == inFlight_.end() || it.value() != flag)
        return;
    inFlight_.erase(it);
    if (result)
        emit tileReady(key, result.value());
    else if (!flag->load())
        emit tileFailed(key, result.error().message);
    if (inFlight_.isEmpty())
        emit idle();
}

void TileRenderer::cancelAll() {
    for (const auto& flag : std::as_const(inFlight_))
        flag->store(true);
    inFlight_.clear();
}

void TileRenderer::waitForIdle() {
    pool_.waitForDone();
}

} // namespace tessera::render
