// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
//
// Qt Quick Test of the QML components (tests/qml/tst_*.qml): the components of module Tessera,
// with the C++ types of Tessera.Map behind them, in the offscreen platform.
#include <QQmlEngine>
#include <QtQml/QQmlExtensionPlugin>
#include <QtQuickTest>

// The two QML modules are static libraries: their plugins are linked in, not loaded.
Q_IMPORT_QML_PLUGIN(TesseraPlugin)
Q_IMPORT_QML_PLUGIN(Tessera_MapPlugin)

class Setup : public QObject {
    Q_OBJECT
public slots:
    void applicationAvailable() {
        // The same look as the app's screenshots, whatever machine runs the tests.
        qputenv("QT_QUICK_BACKEND", "software");
    }
    void qmlEngineAvailable(QQmlEngine* engine) {
        // Qt 6.4 puts module Tessera's files under qrc:/Tessera (6.5 moved them to qrc:/qt/qml).
        engine->addImportPath(QStringLiteral("qrc:/"));
    }
};

QUICK_TEST_MAIN_WITH_SETUP(tessera_qml, Setup)

#include "main.moc"
