// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "quick/TimeBar.h"

#include "store/TimeWindow.h"

#include <algorithm>

namespace tessera::quick {

TimeBar::TimeBar(QObject* parent)
    : QObject(parent)
    , bins_(kBins, 0) {
    connect(&player_, &QTimer::timeout, this, &TimeBar::advance);
}

void TimeBar::setMission(MissionController* mission) {
    if (!followMission(mission_, mission, this, &TimeBar::recount))
        return;
    if (mission_)
        connect(mission_, &MissionController::timeWindowChanged, this, &TimeBar::windowChanged);
    emit missionChanged();
    emit windowChanged();
}

std::pair<QDateTime, QDateTime> TimeBar::span(const QDateTime& now) const {
    if (hours_ > 0)
        return {now.addSecs(-3600LL * hours_), now};
    QDateTime first;
    QDateTime last;
    if (const auto scene = mission_ ? mission_->scene() : nullptr)
        for (const store::Incident& i : scene->mission.incidents) {
            if (!i.observedAt.isValid())
                continue;
            if (!first.isValid() || i.observedAt < first)
                first = i.observedAt;
            if (!last.isValid() || i.observedAt > last)
                last = i.observedAt;
        }
    if (!first.isValid())
        return {now.addDays(-7), now};
    // Whole days (UTC), so that the slices fall on round hours.
    const QDateTime start(first.toUTC().date(), QTime(0, 0), Qt::UTC);
    const QDateTime end(last.toUTC().date().addDays(1), QTime(0, 0), Qt::UTC);
    return {start, end};
}

void TimeBar::recount() {
    const auto [start, end] =
        playing() ? std::pair{playStart_, playEnd_} : span(QDateTime::currentDateTimeUtc());
    spanStart_ = start;
    spanEnd_ = end;
    const auto scene = mission_ ? mission_->scene() : nullptr;
    bins_ = scene ? store::incidentHistogram(scene->mission.incidents, start, end, kBins)
                  : QList<int>(kBins, 0);
    emit binsChanged();
    emit windowChanged();
}

int TimeBar::maxCount() const {
    return bins_.isEmpty() ? 0 : *std::max_element(bins_.begin(), bins_.end());
}

namespace {
double fraction(const QDateTime& t, const QDateTime& start, const QDateTime& end, double open) {
    if (!t.isValid() || !start.isValid() || !end.isValid() || end <= start)
        return open;
    const double f =
        static_cast<double>(start.msecsTo(t)) / static_cast<double>(start.msecsTo(end));
    return std::clamp(f, 0.0, 1.0);
}
} // namespace

QString TimeBar::spanStartText() const {
    return spanStart_.toUTC().toString(QStringLiteral("d MMM HH:mm 'UTC'"));
}

QString TimeBar::spanEndText() const {
    return spanEnd_.toUTC().toString(QStringLiteral("d MMM HH:mm 'UTC'"));
}

double TimeBar::windowStart() const {
    return mission_ ? fraction(mission_->windowFrom(), spanStart_, spanEnd_, 0.0) : 0.0;
}

double TimeBar::windowEnd() const {
    return mission_ ? fraction(mission_->windowTo(), spanStart_, spanEnd_, 1.0) : 1.0;
}

QString TimeBar::label() const {
    if (!mission_ || mission_->timeWindow().isAllTime())
        return QStringLiteral("All time");
    if (!playing() && hours_ > 0)
        return hours_ % 24 == 0 && hours_ > 24 ? QStringLiteral("Last %1 days").arg(hours_ / 24)
                                               : QStringLiteral("Last %1 hours").arg(hours_);
    const QString format = QStringLiteral("d MMM HH:mm");
    return QStringLiteral("%1 – %2 UTC")
        .arg(mission_->windowFrom().toUTC().toString(format),
             mission_->windowTo().toUTC().toString(format));
}

void TimeBar::showAll() {
    player_.stop();
    step_ = -1;
    hours_ = 0;
    if (mission_)
        mission_->setTimeWindow({}, {});
    recount();
}

void TimeBar::showLast(int hours) {
    if (hours <= 0)
        return showAll();
    player_.stop();
    step_ = -1;
    hours_ = hours;
    const QDateTime now = QDateTime::currentDateTimeUtc();
    if (mission_)
        mission_->setTimeWindow(now.addSecs(-3600LL * hours), {});
    recount();
}

void TimeBar::play(int hours, int stepMs) {
    if (hours <= 0 || !mission_)
        return;
    hours_ = hours;
    playEnd_ = QDateTime::currentDateTimeUtc();
    playStart_ = playEnd_.addSecs(-3600LL * hours);
    step_ = 0;
    recount();
    advance();
    player_.start(std::max(stepMs, 1));
}

void TimeBar::advance() {
    if (!playing() || !mission_)
        return;
    if (step_ > kSteps) {
        stop();
        return;
    }
    const qint64 span = playStart_.msecsTo(playEnd_);
    const qint64 width = span / 8;
    // The window's end walks from a window's width past the start to the end of the span.
    const qint64 end = width + (span - width) * step_ / kSteps;
    mission_->setTimeWindow(playStart_.addMSecs(end - width), playStart_.addMSecs(end));
    ++step_;
}

void TimeBar::stop() {
    if (!playing())
        return;
    player_.stop();
    step_ = -1;
    if (mission_)
        mission_->setTimeWindow(playStart_, {});
    recount();
}

} // namespace tessera::quick
