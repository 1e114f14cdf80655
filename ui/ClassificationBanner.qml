import QtQuick

// The mission's classification and releasability, at the top and bottom of every view.
Rectangle {
    id: banner
    property string text
    // MissionController.bannerColor: the same rule as exported products.
    property color bannerColor: Theme.unclassified
    implicitHeight: 24
    color: banner.bannerColor

    Text {
        anchors.centerIn: parent
        text: banner.text.length > 0 ? banner.text : "NO MISSION OPEN"
        color: "white"
        font.family: Theme.fontFamily
        font.pixelSize: Theme.smallFont + 1
        font.bold: true
        font.letterSpacing: 1.2
    }
}
