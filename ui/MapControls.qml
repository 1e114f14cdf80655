import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Tessera.Map

// Zoom in, zoom out and back to the mission area.
ColumnLayout {
    id: controls
    required property MapItem map
    spacing: 4

    component MapButton: Button {
        implicitWidth: 40
        implicitHeight: 40
        font.pixelSize: 20
        font.bold: true
        palette.button: "#1c2a3a"
        palette.buttonText: "white"
        ToolTip.delay: 500
        ToolTip.visible: hovered
    }

    MapButton {
        text: "+"
        ToolTip.text: "Zoom in (+)"
        onClicked: controls.map.zoomIn()
    }
    MapButton {
        text: "−"
        ToolTip.text: "Zoom out (−)"
        onClicked: controls.map.zoomOut()
    }
    MapButton {
        text: "⌂"
        ToolTip.text: "Back to the mission area (Home)"
        onClicked: controls.map.zoomToMission()
    }
}
