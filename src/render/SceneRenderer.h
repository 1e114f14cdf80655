// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "render/MapScene.h"
#include "render/OverlayPainter.h"
#include "render/Viewport.h"
#include "store/TimeWindow.h"

#include <QImage>

namespace tessera::render {

/// Renders a whole view of a scene to an image, with the same tiles and overlay as the map item:
/// for the command line, tests, benchmarks and scripted map products. Tiles are rendered in
/// parallel on the global thread pool and the call blocks until the image is complete.
/// Threads: any thread but the GUI thread.
class SceneRenderer {
public:
    struct Outcome {
        QImage image;
        QStringList tileErrors; ///< tiles that failed, with why; the rest is still drawn
    };
    /// The view with the records in `window`, `selectedIncident` ringed (as on the map).
    static Outcome render(const MapScene& scene, const Viewport& view, int tileSize = 256,
                          const store::TimeWindow& window = {},
                          const QString& selectedIncident = {});
    /// The overlay content of a scene: its incidents, routes and annotations in the time window,
    /// and the labels of its point layers.
    static OverlayContent overlayOf(const MapScene& scene, const store::TimeWindow& window = {});
};

} // namespace tessera::render
