// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "render/SceneRenderer.h"

#include "geo/ThreadCheck.h"
#include "geo/WebMercator.h"
#include "render/Palette.h"
#include "render/TilePyramid.h"

#include <QHash>
#include <QPainter>
#include <QtConcurrent/QtConcurrentMap>

namespace tessera::render {

OverlayContent SceneRenderer::overlayOf(const MapScene& scene, const store::TimeWindow& window) {
    OverlayContent content;
    if (window.isAllTime()) { // shared, not copied
        content.incidents = scene.mission.incidents;
        content.routes = scene.mission.routes;
        content.annotations = scene.mission.annotations;
    } else {
        for (const store::Incident& i : scene.mission.incidents)
            if (store::inWindow(i, window))
                content.incidents.append(i);
        for (const store::PatrolRoute& r : scene.mission.routes)
            if (store::inWindow(r, window))
                content.routes.append(r);
        for (const store::Annotation& a : scene.mission.annotations)
            if (store::inWindow(a, window))
                content.annotations.append(a);
    }
    content.indexIncidents();
    content.staleAt = scene.mission.staleAt;
    content.places = scene.labelPoints();
    return content;
}

SceneRenderer::Outcome SceneRenderer::render(const MapScene& scene, const Viewport& view,
                                             int tileSize, const store::TimeWindow& window,
                                             const QString& selectedIncident) {
    TESSERA_ASSERT_WORKER_THREAD();
    Outcome outcome;
    outcome.image = QImage(view.size(), QImage::Format_ARGB32_Premultiplied);
    outcome.image.fill(palette::mapBackground());
    const TilePyramid pyramid(tileSize);
    QHash<double, QList<TilePlacement>> placementsBySlack;

    struct Job {
        const LoadedLayer* layer;
        TilePlacement placement;
    };
    QList<Job> jobs;
    for (const LoadedLayer& layer : scene.layers) {
        if (layer.isBroken() || !layer.spec.visible)
            continue;
        const double slack = layer.layer->levelSlack();
        if (!placementsBySlack.contains(slack))
            placementsBySlack.insert(slack, pyramid.placements(view, slack));
        for (const TilePlacement& placement : placementsBySlack.value(slack))
            jobs.append({&layer, placement});
    }

    const QList<Result<QImage>> tiles =
        QtConcurrent::blockingMapped<QList<Result<QImage>>>(jobs, [&](const Job& job) {
            return job.layer->layer->renderTile(pyramid, job.placement.tile, nullptr);
        });

    QPainter painter(&outcome.image);
    painter.setRenderHint(QPainter::SmoothPixmapTransform);
    for (qsizetype i = 0; i < jobs.size(); ++i) {
        if (!tiles[i]) {
            outcome.tileErrors.append(tiles[i].error().message);
            continue;
        }
        painter.setOpacity(jobs[i].layer->spec.opacity);
        painter.drawImage(jobs[i].placement.target, tiles[i].value());
    }
    painter.setOpacity(1.0);
    OverlayContent overlay = overlayOf(scene, window);
    overlay.selectedIncident = selectedIncident;
    OverlayPainter::paint(painter, view, overlay);
    painter.end();
    outcome.tileErrors.removeDuplicates();
    return outcome;
}

} // namespace tessera::render
