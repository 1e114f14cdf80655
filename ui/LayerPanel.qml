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
        currentFolder: FileChoices.folder
        onAccepted: {
            FileChoices.chosen(selectedFile)
            panel.mission.addLayerFile(selectedFile)
        }
    }

    component PanelButton: ToolButton {
        implicitWidth: 26
        implicitHeight: 26
        font.pixelSize: Theme.smallFont + 1
        palette.buttonText: Theme.text
        ToolTip.delay: 500
        ToolTip.visible: hovered
    }

    // Colours offered for lines, fills and points: the Okabe-Ito set (readable with the common
    // colour-vision deficiencies), white and black.
    readonly property var swatches: ["#e69f00", "#56b4e9", "#009e73", "#f0e442", "#0072b2",
                                     "#d55e00", "#cc79a7", "#ffffff", "#000000"]

    component Swatches: Row {
        id: swatchRow
        property string key
        property var row
        property bool allowNone: false
        spacing: 3
        Repeater {
            model: panel.swatches
            delegate: Rectangle {
                required property string modelData
                width: 18
                height: 18
                radius: 3
                color: modelData
                border.width: String(swatchRow.row.layerStyle[swatchRow.key]).toLowerCase() === modelData ? 2 : 1
                border.color: border.width > 1 ? Theme.warning : Theme.panelBorder
                MouseArea {
                    anchors.fill: parent
                    onClicked: {
                        let change = {}
                        // Fills are drawn translucent so that the imagery stays readable.
                        change[swatchRow.key] = swatchRow.key === "fill" ? "#59" + parent.modelData.substring(1)
                                                                         : parent.modelData
                        panel.mission.setLayerStyle(swatchRow.row.layerId, change)
                    }
                }
            }
        }
        ToolButton {
            visible: swatchRow.allowNone
            implicitWidth: 40
            implicitHeight: 18
            font.pixelSize: Theme.smallFont - 2
            text: "none"
            onClicked: {
                let change = {}
                change[swatchRow.key] = null
                panel.mission.setLayerStyle(swatchRow.row.layerId, change)
            }
        }
    }

    component StyleLabel: Text {
        color: Theme.mutedText
        font.family: Theme.fontFamily
        font.pixelSize: Theme.smallFont - 1
    }

    Component {
        id: vectorStyleEditor
        GridLayout {
            id: editor
            readonly property var row: parent ? parent.styleRow : null
            columns: 2
            columnSpacing: 6
            rowSpacing: 3
            StyleLabel { text: "Line" }
            Swatches { key: "stroke"; row: editor.row }
            StyleLabel { text: "Fill" }
            Swatches { key: "fill"; row: editor.row; allowNone: true }
            StyleLabel { text: "Points" }
            Swatches { key: "point"; row: editor.row }
            StyleLabel { text: "Width" }
            SpinBox {
                implicitHeight: 24
                from: 1
                to: 8
                value: editor.row.layerStyle.width !== undefined ? Math.round(editor.row.layerStyle.width) : 1
                onValueModified: panel.mission.setLayerStyle(editor.row.layerId, {"width": value})
            }
        }
    }

    Component {
        id: rasterStyleEditor
        GridLayout {
            id: rasterEditor
            readonly property var row: parent ? parent.styleRow : null
            columns: 2
            columnSpacing: 6
            rowSpacing: 3
            readonly property var bands: rasterEditor.row.layerStyle.bands !== undefined ? rasterEditor.row.layerStyle.bands : []
            StyleLabel { text: "Bands" }
            Row {
                spacing: 3
                Repeater {
                    model: ["R", "G", "B"]
                    delegate: SpinBox {
                        required property int index
                        required property string modelData
                        implicitHeight: 24
                        implicitWidth: 70
                        from: 1
                        to: Math.max(1, rasterEditor.row.bandCount)
                        value: rasterEditor.bands.length === 3 ? rasterEditor.bands[index] : index + 1
                        textFromValue: (v) => modelData + " " + v
                        onValueModified: {
                            let chosen = rasterEditor.bands.length === 3 ? rasterEditor.bands.slice() : [1, 2, 3]
                            chosen[index] = value
                            panel.mission.setLayerStyle(rasterEditor.row.layerId, {"bands": chosen})
                        }
                    }
                }
            }
            StyleLabel { text: "Contrast" }
            Row {
                spacing: 3
                Repeater {
                    model: [["auto", "Auto"], ["none", "As is"]]
                    delegate: Button {
                        required property var modelData
                        implicitHeight: 24
                        font.pixelSize: Theme.smallFont - 1
                        text: modelData[1]
                        highlighted: (rasterEditor.row.layerStyle.stretch || "auto") === modelData[0]
                        onClicked: panel.mission.setLayerStyle(rasterEditor.row.layerId, {"stretch": modelData[0]})
                    }
                }
                Button {
                    implicitHeight: 24
                    font.pixelSize: Theme.smallFont - 1
                    text: "Natural colour"
                    onClicked: panel.mission.setLayerStyle(rasterEditor.row.layerId, {"bands": null, "stretch": null})
                }
            }
        }
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
                required property string kind
                required property var layerStyle
                required property bool needsOverviews
                required property real overviewProgress
                required property int bandCount
                property bool editingStyle: false
                readonly property bool isRaster: kind === "raster"
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
                        objectName: "styleButton"
                        text: "◐"
                        enabled: !row.broken
                        checkable: true
                        checked: row.editingStyle
                        onToggled: row.editingStyle = checked
                        ToolTip.text: row.isRaster ? "Bands and contrast" : "Colours and line width"
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
                // A large raster without overviews reads every pixel when zoomed out: offer to
                // build them (beside the file, in the background, with progress and cancel).
                RowLayout {
                    visible: !row.broken && (row.needsOverviews || row.overviewProgress >= 0)
                    Layout.fillWidth: true
                    Layout.leftMargin: 30
                    spacing: 4
                    Text {
                        visible: row.overviewProgress < 0
                        Layout.fillWidth: true
                        text: "Slow when zoomed out: no overviews"
                        color: Theme.warning
                        font.family: Theme.fontFamily
                        font.pixelSize: Theme.smallFont - 1
                        elide: Text.ElideRight
                    }
                    ProgressBar {
                        visible: row.overviewProgress >= 0
                        Layout.fillWidth: true
                        from: 0
                        to: 1
                        value: Math.max(0, row.overviewProgress)
                    }
                    Button {
                        objectName: "overviewButton"
                        implicitHeight: 24
                        font.pixelSize: Theme.smallFont - 1
                        text: row.overviewProgress >= 0 ? "Cancel" : "Build overviews"
                        onClicked: row.overviewProgress >= 0
                                   ? panel.mission.cancelOverviews(row.layerId)
                                   : panel.mission.buildOverviews(row.layerId)
                    }
                }
                Loader {
                    active: row.editingStyle && !row.broken
                    visible: active
                    Layout.fillWidth: true
                    Layout.leftMargin: 30
                    sourceComponent: row.isRaster ? rasterStyleEditor : vectorStyleEditor
                    property var styleRow: row
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
            objectName: "importNotice"
            visible: panel.mission.importNotice.length > 0 && panel.mission.layerError.length === 0
            Layout.fillWidth: true
            Layout.maximumWidth: 296
            text: panel.mission.importNotice
            color: Theme.text
            font.family: Theme.fontFamily
            font.pixelSize: Theme.smallFont - 1
            wrapMode: Text.Wrap
            maximumLineCount: 4
            elide: Text.ElideRight
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
        // Events without a classification (most of ATAK's) are never guessed: the operator
        // chooses the marking they take in this import, or leaves the file out.
        ColumnLayout {
            objectName: "unmarkedPrompt"
            visible: panel.mission.unmarkedFile.toString().length > 0
            Layout.fillWidth: true
            Layout.maximumWidth: 296
            spacing: 4
            Text {
                Layout.fillWidth: true
                text: "Mark the events that carry no classification as:"
                color: Theme.text
                font.family: Theme.fontFamily
                font.pixelSize: Theme.smallFont - 1
                wrapMode: Text.Wrap
            }
            ComboBox {
                id: unmarkedLevel
                objectName: "unmarkedLevel"
                Layout.fillWidth: true
                font.family: Theme.fontFamily
                font.pixelSize: Theme.smallFont
                model: ["UNCLASSIFIED", "RESTRICTED", "CONFIDENTIAL", "SECRET"]
            }
            TextField {
                id: unmarkedRelTo
                objectName: "unmarkedReleasability"
                Layout.fillWidth: true
                font.family: Theme.fontFamily
                font.pixelSize: Theme.smallFont
                placeholderText: "REL TO … (optional)"
            }
            Button {
                objectName: "unmarkedImport"
                text: "Import with this marking"
                font.family: Theme.fontFamily
                font.pixelSize: Theme.smallFont
                onClicked: panel.mission.importExchangeFile(panel.mission.unmarkedFile,
                                                            unmarkedLevel.currentText,
                                                            unmarkedRelTo.text)
            }
        }
    }
}
