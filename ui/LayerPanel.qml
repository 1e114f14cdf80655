import QtQuick
import QtQuick.Controls
import QtQuick.Dialogs
import QtQuick.Layouts
import Tessera.Map

// The layer manager: top of the stack first; show/hide, opacity, order, zoom to, remove, add.
// Every change goes to the MissionController, which shows it at once and saves it with the
// mission. A broken layer says why in the warning colour.
Rectangle {
    id: panel
    required property MissionController mission
    required property MapItem map
    color: Theme.panel
    border.color: Theme.panelBorder
    radius: 6
    implicitWidth: 320
    implicitHeight: column.implicitHeight + 2 * Theme.margin

    LayerListModel {
        id: layers
        mission: panel.mission
    }

    FileDialog {
        id: fileDialog
        title: "Add a layer"
        nameFilters: ["Rasters and vectors (*.tif *.tiff *.vrt *.mbtiles *.gpkg *.jpg *.png *.geojson *.json *.kml *.kmz *.gpx *.shp *.fgb *.xml)",
                      "All files (*)"]
        onAccepted: panel.mission.addLayerFile(selectedFile)
    }

    component PanelButton: ToolButton {
        implicitWidth: 26
        implicitHeight: 26
        font.pixelSize: Theme.smallFont + 1
        palette.buttonText: Theme.text
        ToolTip.delay: 500
        ToolTip.visible: hovered
    }

    ColumnLayout {
        id: column
        anchors.fill: parent
        anchors.margins: Theme.margin
        spacing: 4
        RowLayout {
            Layout.fillWidth: true
            Text {
                Layout.fillWidth: true
                text: "LAYERS"
                color: Theme.mutedText
                font.family: Theme.fontFamily
                font.pixelSize: Theme.smallFont
                font.bold: true
            }
            PanelButton {
                objectName: "addLayerButton"
                text: "+"
                ToolTip.text: "Add a raster or vector file (or drop it on the map)"
                onClicked: fileDialog.open()
            }
        }
        Repeater {
            model: layers
            delegate: ColumnLayout {
                id: row
                required property string name
                required property bool broken
                required property string problem
                required property bool layerVisible
                required property real layerOpacity
                required property var layerId
                required property int index
                Layout.fillWidth: true
                spacing: 0
                RowLayout {
                    Layout.fillWidth: true
                    spacing: 2
                    CheckBox {
                        implicitHeight: 24
                        checked: row.layerVisible
                        enabled: !row.broken
                        onToggled: panel.mission.setLayerVisible(row.layerId, checked)
                        ToolTip.text: "Show or hide"
                        ToolTip.visible: hovered
                        ToolTip.delay: 500
                    }
                    Text {
                        Layout.fillWidth: true
                        text: (row.broken ? "⚠ " : "") + row.name
                        color: row.broken ? Theme.warning : (row.layerVisible ? Theme.text : Theme.mutedText)
                        font.family: Theme.fontFamily
                        font.pixelSize: Theme.smallFont + 1
                        elide: Text.ElideRight
                    }
                    PanelButton {
                        text: "▲"
                        enabled: row.index > 0
                        ToolTip.text: "Move up"
                        onClicked: panel.mission.moveLayer(row.layerId, 1)
                    }
                    PanelButton {
                        text: "▼"
                        enabled: row.index < layers.rowCount() - 1
                        ToolTip.text: "Move down"
                        onClicked: panel.mission.moveLayer(row.layerId, -1)
                    }
                    PanelButton {
                        text: "◎"
                        enabled: !row.broken
                        ToolTip.text: "Zoom to the layer"
                        onClicked: panel.map.zoomToLayer(row.layerId)
                    }
                    PanelButton {
                        text: "✕"
                        ToolTip.text: "Remove from the mission (the file stays)"
                        onClicked: panel.mission.removeLayer(row.layerId)
                    }
                }
                Slider {
                    Layout.fillWidth: true
                    Layout.leftMargin: 30
                    implicitHeight: 18
                    visible: !row.broken && row.layerVisible
                    from: 0
                    to: 1
                    value: row.layerOpacity
                    onMoved: panel.mission.setLayerOpacity(row.layerId, value)
                }
                Text {
                    visible: row.broken
                    Layout.fillWidth: true
                    Layout.maximumWidth: 296
                    text: row.problem
                    color: Theme.warning
                    font.family: Theme.fontFamily
                    font.pixelSize: Theme.smallFont - 1
                    wrapMode: Text.WrapAnywhere
                    maximumLineCount: 4
                    elide: Text.ElideRight
                }
            }
        }
        Text {
            visible: panel.mission.layerError.length > 0
            Layout.fillWidth: true
            Layout.maximumWidth: 296
            text: panel.mission.layerError
            color: Theme.error
            font.family: Theme.fontFamily
            font.pixelSize: Theme.smallFont - 1
            wrapMode: Text.WrapAnywhere
            maximumLineCount: 4
            elide: Text.ElideRight
        }
    }
}
