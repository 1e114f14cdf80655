// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "store/Hlc.h"

#include <algorithm>
#include <utility>

namespace tessera::store {

HlcClock::HlcClock(WallClock wall)
    : wall_(std::move(wall)) {
    if (!wall_)
        wall_ = [] { return QDateTime::currentMSecsSinceEpoch(); };
}

Hlc HlcClock::now() {
    const qint64 wall = wall_();
    if (wall > last_.physicalMs()) {
        last_ = Hlc::from(wall, 0);
    } else if (last_.counter() < 0xffff) {
        last_ = Hlc{last_.value + 1};
    } else {
        // The counter is spent within one millisecond: borrow the next millisecond.
        last_ = Hlc::from(last_.physicalMs() + 1, 0);
    }
    return last_;
}

void HlcClock::observe(Hlc remote) {
    last_ = std::max(last_, remote);
}

} // namespace tessera::store
