import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Tessera.Map

// Zoom in, zoom out, back to the mission area; the measuring and range-ring tools.
ColumnLayout {
    id: controls
    required property MapItem map
    spacing: 4

    component MapButton: Button {
        implicitWidth: 40
        implicitHeight: 40
        font.pixelSize: 18
        font.bold: true
        palette.button: checked ? Theme.toolButtonOn : Theme.toolButton
        palette.buttonText: Theme.toolButtonText
        ToolTip.delay: 500
        ToolTip.visible: hovered
    }

    MapButton {
        objectName: "measureTool"
        text: "⟷"
        checkable: true
        checked: controls.map.tool === MapItem.Measure
        ToolTip.text: "Measure: click points for distance, bearing and area (Esc clears)"
        onClicked: controls.map.tool = checked ? MapItem.Measure : MapItem.Pan
    }
    MapButton {
        objectName: "ringsTool"
        text: "◎"
        checkable: true
        checked: controls.map.tool === MapItem.RangeRings
        ToolTip.text: "Range rings: click a centre for rings at 5, 10, 25 and 50 km (Esc clears)"
        onClicked: controls.map.tool = checked ? MapItem.RangeRings : MapItem.Pan
    }
    MapButton {
        objectName: "heatmapToggle"
        text: "◍"
        checkable: true
        checked: controls.map.heatmap
        ToolTip.text: "Heatmap of the incidents in the time window, weighted by severity (H)"
        onClicked: controls.map.heatmap = checked
    }
    Item { implicitHeight: 6 }
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
