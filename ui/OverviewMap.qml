import QtQuick
import Tessera.Map

// A locator: the continent, with a frame around what the main map shows.
Rectangle {
    id: overviewPanel
    required property MissionController mission
    required property MapItem mainMap
    property rect area: Qt.rect(-20, -36, 75, 74) // Africa: west, south, width, height (degrees)

    implicitWidth: 250
    implicitHeight: 250
    color: Theme.panel
    border.color: Theme.panelBorder
    radius: 6

    MapItem {
        id: overview
        objectName: "overviewMap"
        anchors.fill: parent
        anchors.margins: 3
        mission: overviewPanel.mission
        interactive: false
        showOverlay: false
        homeExtent: overviewPanel.area
    }

    Rectangle {
        // Depends on both views: re-placed when either moves.
        readonly property rect frame: overview.geoExtent.width > 0
            ? overview.pixelRectOf(overviewPanel.mainMap.geoExtent) : Qt.rect(0, 0, 0, 0)
        x: overview.x + Math.max(frame.x, 0)
        y: overview.y + Math.max(frame.y, 0)
        width: Math.max(Math.min(frame.width, overview.width - Math.max(frame.x, 0)), 6)
        height: Math.max(Math.min(frame.height, overview.height - Math.max(frame.y, 0)), 6)
        color: "#33ffd23f"
        border.color: "#ffd23f"
        border.width: 2
    }

    Text {
        anchors.left: parent.left
        anchors.bottom: parent.bottom
        anchors.margins: 8
        text: "OVERVIEW"
        color: "white" // on imagery, in either theme
        style: Text.Outline
        styleColor: "#000000"
        font.family: Theme.fontFamily
        font.pixelSize: Theme.smallFont
        font.bold: true
    }
}
