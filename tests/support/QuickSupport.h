// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Helpers for the tests that drive QML (they link Qt Quick; TestSupport does not).

#include <QQuickItem>
#include <QString>

namespace tessera::test {

/// The item called `name` in the tree under `root` (itself included), or null.
inline QQuickItem* findItem(QQuickItem* root, const QString& name) {
    if (!root)
        return nullptr;
    if (root->objectName() == name)
        return root;
    for (QQuickItem* child : root->childItems())
        if (QQuickItem* found = findItem(child, name))
            return found;
    return nullptr;
}

} // namespace tessera::test
