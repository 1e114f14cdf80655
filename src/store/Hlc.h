// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QDateTime>
#include <QString>
#include <QtGlobal>

#include <functional>

namespace tessera::store {

/// A hybrid logical clock stamp: milliseconds since the Unix epoch in the high 48 bits, a
/// logical counter in the low 16. Stamps from one station only grow, even when the wall clock
/// steps back, and compare in causal order with stamps from other stations (docs/store.md).
struct Hlc {
    qint64 value = 0;

    [[nodiscard]] qint64 physicalMs() const { return value >> 16; }
    [[nodiscard]] int counter() const { return static_cast<int>(value & 0xffff); }
    [[nodiscard]] QDateTime time() const {
        return QDateTime::fromMSecsSinceEpoch(physicalMs(), Qt::UTC);
    }
    [[nodiscard]] static Hlc from(qint64 ms, int counter) {
        return {(ms << 16) | (counter & 0xffff)};
    }
    friend auto operator<=>(const Hlc&, const Hlc&) = default;
};

/// Issues HLC stamps for one station. Threads: one clock per connection; not shared.
class HlcClock {
public:
    using WallClock = std::function<qint64()>;
    /// `wall` returns milliseconds since the epoch (default: the system clock); tests inject one.
    explicit HlcClock(WallClock wall = {});

    /// A stamp greater than every stamp this clock issued or observed.
    Hlc now();
    /// Takes in a stamp from elsewhere (another station, or the file's last stamp on open).
    void observe(Hlc remote);
    [[nodiscard]] Hlc last() const { return last_; }

private:
    WallClock wall_;
    Hlc last_;
};

} // namespace tessera::store
