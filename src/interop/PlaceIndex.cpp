// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "interop/PlaceIndex.h"

#include "geo/Geodesy.h"
#include "geo/ThreadCheck.h"
#include "interop/OgrHandles.h"

#include <QHash>
#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>

namespace tessera::interop {

namespace {

int fieldNamed(OGRFeatureDefnH definition, const QString& name) {
    return name.isEmpty() ? -1 : OGR_FD_GetFieldIndex(definition, name.toUtf8().constData());
}

/// What holds a feature, from the usual fields of Natural Earth and GeoNames layers.
int withinField(OGRFeatureDefnH definition, int nameField) {
    for (const char* candidate : {"admin", "country", "adm0_name", "ADMIN", "sovereignt"}) {
        const int index = OGR_FD_GetFieldIndex(definition, candidate);
        if (index >= 0 && index != nameField)
            return index;
    }
    return -1;
}

Status indexLayer(const store::MissionSnapshot& mission, const store::LayerSpec& spec,
                  QList<NamedPlace>& places, QHash<QString, QString>& countryOfCode) {
    const QString source = mission.resolveSource(spec);
    Result<Dataset> ds = openVector(source);
    if (!ds)
        return ds.error();
    Result<OGRLayerH> picked = pickLayer(ds.value().get(), source, spec.sourceLayer);
    if (!picked)
        return picked.error();
    OGRLayerH layer = picked.value();
    OGRFeatureDefnH definition = OGR_L_GetLayerDefn(layer);
    const QJsonObject style = QJsonDocument::fromJson(spec.style.toUtf8()).object();
    int name = fieldNamed(definition, style.value(QStringLiteral("label")).toString());
    if (name < 0)
        name = nameFieldOf(definition);
    if (name < 0)
        return success(); // nothing named: nothing to find
    const int rank = fieldNamed(definition, style.value(QStringLiteral("rank")).toString());
    const int within = withinField(definition, name);
    // Natural Earth's layers say which country by code and by name: learnt, for the places
    // that give only the code (GeoNames: "ML").
    const int code = OGR_FD_GetFieldIndex(definition, "iso_a2");
    const Transform transform = toWgs84(layer);
    OGR_L_ResetReading(layer);
    while (Feature f{OGR_L_GetNextFeature(layer)}) {
        OGRGeometryH shape = OGR_F_GetGeometryRef(f.get());
        if (!shape || OGR_G_IsEmpty(shape))
            continue;
        const OGRwkbGeometryType type = wkbFlatten(OGR_G_GetGeometryType(shape));
        const bool point = type == wkbPoint;
        const bool area = type == wkbPolygon || type == wkbMultiPolygon;
        if (!point && !area)
            continue; // borders and tracks are not places
        NamedPlace p;
        p.name = QString::fromUtf8(OGR_F_GetFieldAsString(f.get(), name)).trimmed();
        if (p.name.isEmpty())
            continue;
        p.folded = PlaceIndex::foldForSearch(p.name);
        p.within =
            within >= 0 ? QString::fromUtf8(OGR_F_GetFieldAsString(f.get(), within)) : QString();
        if (code >= 0 && !p.within.isEmpty())
            countryOfCode.insert(QString::fromUtf8(OGR_F_GetFieldAsString(f.get(), code)),
                                 p.within);
        p.layer = spec.name;
        p.area = area;
        p.rank = rank >= 0 ? OGR_F_GetFieldAsInteger(f.get(), rank) : 0;
        OGREnvelope e;
        if (transform) {
            OGRGeometryH copy = OGR_G_Clone(shape);
            const bool moved = OGR_G_Transform(copy, transform.get()) == OGRERR_NONE;
            if (moved)
                OGR_G_GetEnvelope(copy, &e);
            OGR_G_DestroyGeometry(copy);
            if (!moved)
                continue;
        } else {
            OGR_G_GetEnvelope(shape, &e);
        }
        p.point = geo::GeoPoint{(e.MinX + e.MaxX) / 2.0, (e.MinY + e.MaxY) / 2.0};
        if (area)
            p.extent = geo::Extent{e.MinX, e.MinY, e.MaxX, e.MaxY};
        if (p.point.isValid())
            places.append(std::move(p));
    }
    return success();
}

/// 0: the whole name; 1: its start; 2: the start of one of its words; 3: anywhere, for queries of
/// four letters or more (three letters inside words match half the world). -1: no match.
int matchTier(const QString& name, const QString& query) {
    if (name == query)
        return 0;
    if (name.startsWith(query))
        return 1;
    const qsizetype at = name.indexOf(query);
    if (at < 0)
        return -1;
    for (qsizetype k = at; k >= 0; k = name.indexOf(query, k + 1))
        if (k > 0 && name.at(k - 1) == QLatin1Char(' '))
            return 2;
    return query.size() >= 4 ? 3 : -1;
}

} // namespace

PlaceIndex PlaceIndex::build(const store::MissionSnapshot& mission, QStringList* unreadable) {
    TESSERA_ASSERT_WORKER_THREAD();
    PlaceIndex index;
    QHash<QString, QString> countryOfCode;
    for (const store::LayerSpec& spec : mission.layers) {
        if (spec.kind != store::LayerKind::Vector)
            continue;
        if (Status s = indexLayer(mission, spec, index.places_, countryOfCode); !s && unreadable)
            unreadable->append(QStringLiteral("%1: %2").arg(spec.name, s.error().message));
    }
    for (NamedPlace& p : index.places_)
        if (p.within.size() == 2)
            p.within = countryOfCode.value(p.within, p.within);
    return index;
}

QList<NamedPlace> PlaceIndex::search(const QString& query, geo::GeoPoint near, int limit) const {
    const QString folded = foldForSearch(query);
    if (folded.isEmpty() || limit <= 0)
        return {};
    struct Candidate {
        int tier;
        int rank;
        double distance;
        qsizetype index;
    };
    std::vector<Candidate> found;
    for (qsizetype k = 0; k < places_.size(); ++k) {
        const int tier = matchTier(places_[k].folded, folded);
        if (tier < 0)
            continue;
        const double distance =
            near.isValid() ? geo::geodesy::inverse(near, places_[k].point).distanceMetres : 0.0;
        // A rank of 0 (the layer ranks nothing) after every ranked place.
        found.push_back({tier, places_[k].rank > 0 ? places_[k].rank : 1 << 20, distance, k});
    }
    std::sort(found.begin(), found.end(), [](const Candidate& a, const Candidate& b) {
        if (a.tier != b.tier)
            return a.tier < b.tier;
        if (a.rank != b.rank)
            return a.rank < b.rank;
        return a.distance < b.distance;
    });
    QList<NamedPlace> best;
    for (const Candidate& c : found) {
        if (best.size() >= limit)
            break;
        best.append(places_[c.index]);
    }
    return best;
}

QString PlaceIndex::foldForSearch(const QString& text) {
    const QString decomposed = text.normalized(QString::NormalizationForm_KD);
    QString folded;
    folded.reserve(decomposed.size());
    bool space = true; // no leading space
    for (const QChar c : decomposed) {
        if (c.category() == QChar::Mark_NonSpacing || c.category() == QChar::Mark_Enclosing ||
            c.category() == QChar::Mark_SpacingCombining)
            continue;
        if (c.isLetterOrNumber()) {
            folded.append(c.toCaseFolded());
            space = false;
        } else if (!space) {
            folded.append(QLatin1Char(' '));
            space = true;
        }
    }
    if (folded.endsWith(QLatin1Char(' ')))
        folded.chop(1);
    return folded;
}

} // namespace tessera::interop
