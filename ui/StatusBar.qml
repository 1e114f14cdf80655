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
        // Widths for the longest text each shows (they grow with the text scale), so that the
        // fields never run into each other and do not jump as the pointer moves.
        Text {
            objectName: "cursorLatLon"
            Layout.preferredWidth: Math.max(implicitWidth, Math.round(250 * Theme.textScale))
            text: bar.map.hasCursor ? bar.map.cursorLatLon : "Move the pointer over the map"
            color: Theme.text
            font.family: Theme.fontFamily
            font.pixelSize: Theme.baseFont
        }
        Text {
            objectName: "cursorMgrs"
            Layout.preferredWidth: Math.round(230 * Theme.textScale)
            text: bar.map.hasCursor ? "MGRS " + bar.map.cursorMgrs : ""
            color: Theme.text
            font.family: Theme.fontFamily
            font.pixelSize: Theme.baseFont
        }
        Text {
            objectName: "zoomLevel"
            text: "Zoom " + bar.map.zoomLevel
            color: Theme.mutedText
            font.family: Theme.fontFamily
            font.pixelSize: Theme.baseFont
        }
        Text {
            objectName: "loadingState"
            text: bar.mission.status === MissionController.Loading ? "Opening mission…"
                : (bar.map.complete ? "" : "Loading tiles…")
            color: Theme.mutedText
            font.family: Theme.fontFamily
            font.pixelSize: Theme.baseFont
        }
        // A hint only: left out where the bar has no room for it rather than cut.
        Text {
            objectName: "navigationHint"
            Layout.fillWidth: true
            Layout.minimumWidth: 0
            horizontalAlignment: Text.AlignRight
            elide: Text.ElideRight
            opacity: truncated ? 0 : 1
            text: "Drag to pan · wheel to zoom · Home to reset"
            color: Theme.mutedText
            font.family: Theme.fontFamily
            font.pixelSize: Theme.smallFont
        }
    }
}
