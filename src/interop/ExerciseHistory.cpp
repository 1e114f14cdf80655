// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "interop/ExerciseHistory.h"

#include "analysis/Placement.h"

#include <cmath>
#include <numbers>
#include <random>

namespace tessera::interop {

Result<int> addExerciseHistory(store::MissionStore& mission,
                               const ExerciseHistoryOptions& options) {
    Result<store::MissionSnapshot> snapshot = mission.snapshot();
    if (!snapshot)
        return snapshot.error();
    const QList<store::Incident>& existing = snapshot.value().incidents;
    if (existing.isEmpty())
        return Error{QStringLiteral("The mission has no incidents to lay a history around.")};
    QStringList categories;
    for (const store::Incident& i : existing)
        if (!i.category.isEmpty() && !categories.contains(i.category))
            categories.append(i.category);
    if (categories.isEmpty())
        categories.append(QStringLiteral("Incident"));
    std::vector<geo::GeoPoint> places;
    for (const store::Incident& i : existing)
        places.push_back(i.location);
    Result<analysis::Placement> placement = analysis::Placement::around(places);
    if (!placement)
        return placement.error();
    const store::Incident* latest = &existing.front();
    for (const store::Incident& i : existing)
        if (i.observedAt > latest->observedAt)
            latest = &i;

    const QDateTime end = options.end.isValid() ? options.end : QDateTime::currentDateTimeUtc();
    const double endSeconds = static_cast<double>(end.toSecsSinceEpoch());
    const double week = 7 * 86400.0;
    const double start = endSeconds - options.weeks * week;
    std::mt19937_64 random(options.seed);
    std::uniform_real_distribution<double> unit(0, 1);
    std::normal_distribution<double> normal(0, 1);
    auto near = [&](geo::GeoPoint centre, double metres) {
        const geo::MapPoint m = placement.value().toMetres(centre);
        const double r = metres * std::sqrt(unit(random));
        const double a = 2 * std::numbers::pi * unit(random);
        return placement.value().toDegrees({m.x + r * std::cos(a), m.y + r * std::sin(a)});
    };
    auto spread = [&](geo::GeoPoint centre, double metres) {
        const geo::MapPoint m = placement.value().toMetres(centre);
        return placement.value().toDegrees(
            {m.x + metres * normal(random), m.y + metres * normal(random)});
    };

    QList<store::Incident> made;
    auto make = [&](const QString& category, geo::GeoPoint where, double when, const char* kind) {
        store::Incident i;
        i.category = category;
        i.title = QStringLiteral("EXERCISE - %1 (%2 %3)")
                      .arg(category, QString::fromLatin1(kind))
                      .arg(made.size() + 1);
        i.location = where;
        i.observedAt = QDateTime::fromSecsSinceEpoch(
            static_cast<qint64>(std::min(when, endSeconds - 60)), Qt::UTC);
        i.severity = static_cast<store::Severity>(random() % 4);
        i.status = static_cast<store::IncidentStatus>(random() % 3);
        i.source = QStringLiteral("Exercise history generator (seed %1)").arg(options.seed);
        i.reliability = QStringLiteral("F");
        i.credibility = 6;
        i.narrative = QStringLiteral("Generated for analysis training; not a real event.");
        i.marking = snapshot.value().info.marking;
        i.exercise = true;
        made.append(i);
        return made.size() - 1;
    };
    // Background: around the places of the existing incidents, every category, evenly in time.
    const int background = options.incidents * 8 / 10;
    for (int k = 0; k < background; ++k) {
        const store::Incident& place = existing[static_cast<qsizetype>(random() % existing.size())];
        make(categories[static_cast<qsizetype>(random() % categories.size())],
             spread(place.location, 6000), start + (endSeconds - start) * unit(random), "report");
    }
    // An emerging hot spot: more and more incidents over the last six weeks.
    const int emerging = options.incidents / 10;
    for (int k = 0; k < emerging; ++k)
        make(categories[static_cast<qsizetype>(random() % categories.size())],
             near(latest->location, 2500), endSeconds - 6 * week * (1 - std::sqrt(unit(random))),
             "emerging");
    // Near repeats: a fifth of the first category's incidents are followed by another.
    const qsizetype firstCategory = made.size();
    for (qsizetype k = 0; k < firstCategory && made.size() < firstCategory + emerging; ++k)
        if (made[k].category == categories.first() && unit(random) < 0.2)
            make(categories.first(), near(made[k].location, 400),
                 static_cast<double>(made[k].observedAt.toSecsSinceEpoch()) +
                     5 * 86400.0 * unit(random),
                 "repeat");
    // A surge of the second category in the last week, around one place.
    const QString surging = categories.value(1, categories.first());
    const store::Incident& surgePlace =
        existing[static_cast<qsizetype>(random() % existing.size())];
    for (int k = 0; k < options.incidents / 40; ++k)
        make(surging, spread(surgePlace.location, 5000), endSeconds - week * unit(random), "surge");

    Status written = mission.database().transaction([&]() -> Status {
        for (store::Incident& i : made)
            if (Status s = mission.addIncident(i); !s)
                return s;
        return success();
    });
    if (!written)
        return written.error();
    return static_cast<int>(made.size());
}

} // namespace tessera::interop
