// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "quick/MissionController.h"

#include <QObject>
#include <QPointer>
#include <QTimer>
#include <QVariantList>
#include <QtQml/qqmlregistration.h>

namespace tessera::quick {

/// The time bar under the map: sets the mission's time window (all time, the last N hours, or
/// a window played through the last N hours) and holds the histogram of incidents over the span
/// it covers, for QML to draw.
///
/// Threads: GUI thread. Counting walks the scene's incidents in memory (a few milliseconds for
/// 100,000), on a change of span or of records, not per frame.
class TimeBar : public QObject {
    Q_OBJECT
    QML_ELEMENT
    Q_PROPERTY(tessera::quick::MissionController* mission READ mission WRITE setMission NOTIFY
                   missionChanged)
    /// Incidents per slice of the span, oldest first.
    Q_PROPERTY(QList<int> bins READ bins NOTIFY binsChanged)
    Q_PROPERTY(int maxCount READ maxCount NOTIFY binsChanged)
    /// The span the histogram covers (UTC).
    Q_PROPERTY(QDateTime spanStart READ spanStart NOTIFY binsChanged)
    Q_PROPERTY(QDateTime spanEnd READ spanEnd NOTIFY binsChanged)
    /// The span's ends as people read them ("21 Nov 06:00 UTC"), whatever the machine's zone.
    Q_PROPERTY(QString spanStartText READ spanStartText NOTIFY binsChanged)
    Q_PROPERTY(QString spanEndText READ spanEndText NOTIFY binsChanged)
    /// The mission's window as fractions of the span (0..1), for the highlight.
    Q_PROPERTY(double windowStart READ windowStart NOTIFY windowChanged)
    Q_PROPERTY(double windowEnd READ windowEnd NOTIFY windowChanged)
    /// "All time", "Last 24 hours", "21 Nov 06:00 – 09:00 UTC"...
    Q_PROPERTY(QString label READ label NOTIFY windowChanged)
    /// Hours of the preset shown (0: all time); while playing, the span played through.
    Q_PROPERTY(int hours READ hours NOTIFY windowChanged)
    Q_PROPERTY(bool playing READ playing NOTIFY windowChanged)

public:
    static constexpr int kBins = 48;
    /// Playback: the span in this many steps, the window an eighth of the span.
    static constexpr int kSteps = 96;

    explicit TimeBar(QObject* parent = nullptr);

    [[nodiscard]] MissionController* mission() const { return mission_; }
    void setMission(MissionController* mission);
    [[nodiscard]] QList<int> bins() const { return bins_; }
    [[nodiscard]] int maxCount() const;
    [[nodiscard]] QDateTime spanStart() const { return spanStart_; }
    [[nodiscard]] QDateTime spanEnd() const { return spanEnd_; }
    [[nodiscard]] QString spanStartText() const;
    [[nodiscard]] QString spanEndText() const;
    [[nodiscard]] double windowStart() const;
    [[nodiscard]] double windowEnd() const;
    [[nodiscard]] QString label() const;
    [[nodiscard]] int hours() const { return hours_; }
    [[nodiscard]] bool playing() const { return step_ >= 0; }

    /// Everything, whenever it happened.
    Q_INVOKABLE void showAll();
    /// The last `hours` up to now.
    Q_INVOKABLE void showLast(int hours);
    /// Plays the last `hours`: a window of an eighth of them moves from their start to now,
    /// kSteps steps of `stepMs`; then the whole span stays shown.
    Q_INVOKABLE void play(int hours, int stepMs = 200);
    /// Stops playing and shows the whole span played.
    Q_INVOKABLE void stop();
    /// One step of playback (the timer's; public for tests).
    void advance();

    /// The span the bar covers at `now`: the last `hours`, or (0) from the earliest to the
    /// latest incident of the mission, widened to whole days.
    [[nodiscard]] std::pair<QDateTime, QDateTime> span(const QDateTime& now) const;

signals:
    void missionChanged();
    void binsChanged();
    void windowChanged();

private:
    void recount();

    QPointer<MissionController> mission_;
    int hours_ = 0;
    int step_ = -1; ///< playback step, -1 when not playing
    QDateTime playStart_;
    QDateTime playEnd_;
    QDateTime spanStart_;
    QDateTime spanEnd_;
    QList<int> bins_;
    QTimer player_;
};

} // namespace tessera::quick
