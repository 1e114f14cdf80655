// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "render/MapLayer.h"
#include "render/TilePyramid.h"

#include <QHash>
#include <QImage>
#include <QObject>
#include <QThreadPool>

#include <memory>

namespace tessera::render {

/// Renders layer tiles on a thread pool and hands them back by signal.
///
/// Threads: lives on the GUI thread; request()/setLayers() are called there and signals arrive
/// there. Layers render on the pool's workers (they are built for that, see MapLayer). Requests
/// the view no longer wants are cancelled: not started if still queued, abandoned mid-way if not.
class TileRenderer : public QObject {
    Q_OBJECT
public:
    explicit TileRenderer(int tileSize = 256, QObject* parent = nullptr);
    ~TileRenderer() override;

    [[nodiscard]] const TilePyramid& pyramid() const { return pyramid_; }
    void setLayers(const QList<std::shared_ptr<const MapLayer>>& layers);
    /// Asks for `wanted` (most urgent first); cancels whatever is in flight and not in `wanted`.
    void request(const QList<TileKey>& wanted);
    void cancelAll();
    [[nodiscard]] int pendingCount() const { return static_cast<int>(inFlight_.size()); }
    /// Waits for the workers to finish (tests, shutdown). Does not deliver signals by itself.
    void waitForIdle();

signals:
    void tileReady(tessera::render::TileKey key, const QImage& image);
    void tileFailed(tessera::render::TileKey key, const QString& message);
    void idle();

private:
    void finished(TileKey key, const std::shared_ptr<CancelFlag>& flag, const Result<QImage>& r);

    TilePyramid pyramid_;
    QThreadPool pool_;
    QHash<qint64, std::shared_ptr<const MapLayer>> layers_;
    QHash<TileKey, std::shared_ptr<CancelFlag>> inFlight_;
};

} // namespace tessera::render

Q_DECLARE_METATYPE(tessera::render::TileKey)
