import QtQuick
import QtQuick.Layouts
import Tessera.Map

// Cursor position in latitude/longitude and MGRS, zoom level and tile loading state.
Rectangle {
    id: bar
    required property MapItem map
    required property MissionController mission
    implicitHeight: 30
    color: Theme.dark ? "#101c2b" : "#c9d3dd"

    RowLayout {
        anchors.fill: parent
        anchors.leftMargin: Theme.margin
        anchors.rightMargin: Theme.margin
        spacing: 24
        Text {
            objectName: "cursorLatLon"
            Layout.preferredWidth: 250
            text: bar.map.hasCursor ? bar.map.cursorLatLon : "Move the pointer over the map"
            color: Theme.text
            font.family: Theme.fontFamily
            font.pixelSize: Theme.baseFont
        }
        Text {
            Layout.preferredWidth: 230
            text: bar.map.hasCursor ? "MGRS " + bar.map.cursorMgrs : ""
            color: Theme.text
            font.family: Theme.fontFamily
            font.pixelSize: Theme.baseFont
        }
        Text {
            text: "Zoom " + bar.map.zoomLevel
            color: Theme.mutedText
            font.family: Theme.fontFamily
            font.pixelSize: Theme.baseFont
        }
        Item { Layout.fillWidth: true }
        Text {
            text: bar.mission.status === MissionController.Loading ? "Opening mission…"
                : (bar.map.complete ? "" : "Loading tiles…")
            color: Theme.mutedText
            font.family: Theme.fontFamily
            font.pixelSize: Theme.baseFont
        }
        Text {
            text: "Drag to pan · wheel to zoom · Home to reset"
            color: Theme.mutedText
            font.family: Theme.fontFamily
            font.pixelSize: Theme.smallFont
        }
    }
}
