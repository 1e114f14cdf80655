import QtQuick
import QtQuick.Controls
import QtQuick.Dialogs
import QtQuick.Layouts
import Tessera.Map

// The commander's view: what the map shows right now, in type big enough to read across an
// operations room. Counts by severity, the latest incidents, patrols gone quiet. All of it is
// SituationModel's; a click on a latest incident selects it.
Rectangle {
    id: panel
    required property MissionController mission
    required property MapItem map
    /// The station's sharing: its contacts are whom a releasable SITREP can be made for.
    property SharingController sharing: null
    property alias situation: situationModel
    color: Theme.panel
    border.color: Theme.panelBorder
    radius: 6
    implicitWidth: Math.round(360 * Theme.textScale)
    implicitHeight: column.implicitHeight + 2 * Theme.margin

    SituationModel {
        id: situationModel
        objectName: "situation"
        mission: panel.mission
        map: panel.map
    }

    // The routes' key, here rather than in the legend below: the tiles above give the severity
    // counts, and the legend did not fit under this panel on a 900-pixel screen.
    LegendModel {
        id: legend
        mission: panel.mission
    }

    HotspotModel {
        id: hotspots
        objectName: "hotspots"
        mission: panel.mission
    }

    AnalysisModel {
        id: analysis
        objectName: "analysis"
        mission: panel.mission
    }

    SaveDialog {
        id: sitrepDialog
        title: "Save the SITREP"
        nameFilters: ["PDF (*.pdf)"]
        onSaved: file => {
            if (sitrepFor.checked && sitrepPeer.currentIndex >= 0 && panel.sharing)
                analysis.writeSitrep(file, sitrepPeer.currentValue,
                                     panel.sharing.identityPath, panel.sharing.contactsPath)
            else
                analysis.writeSitrep(file)
        }
    }

    ColumnLayout {
        id: column
        anchors.fill: parent
        anchors.margins: Theme.margin
        spacing: 8
        RowLayout {
            Layout.fillWidth: true
            Text {
                Layout.fillWidth: true
                text: "IN VIEW"
                color: Theme.mutedText
                font.family: Theme.fontFamily
                font.pixelSize: Theme.baseFont
                font.bold: true
            }
            Text {
                objectName: "situationTotal"
                text: situationModel.total + (situationModel.total === 1 ? " incident" : " incidents")
                color: Theme.text
                font.family: Theme.fontFamily
                font.pixelSize: Theme.baseFont
                font.bold: true
            }
        }
        // Critical first: the order a commander reads in.
        GridLayout {
            Layout.fillWidth: true
            columns: 4
            columnSpacing: 6
            Repeater {
                model: [
                    { label: "Critical", key: "critical", at: 3 },
                    { label: "High", key: "high", at: 2 },
                    { label: "Medium", key: "medium", at: 1 },
                    { label: "Low", key: "low", at: 0 }
                ]
                delegate: Rectangle {
                    required property var modelData
                    Layout.fillWidth: true
                    implicitHeight: tile.implicitHeight + 10
                    radius: 4
                    color: "#1a808080"
                    border.color: situationModel.severityColor(modelData.key)
                    border.width: 3
                    ColumnLayout {
                        id: tile
                        anchors.centerIn: parent
                        spacing: 0
                        Text {
                            objectName: "count_" + modelData.key
                            Layout.alignment: Qt.AlignHCenter
                            text: situationModel.bySeverity[modelData.at]
                            color: Theme.text
                            font.family: Theme.fontFamily
                            font.pixelSize: Theme.hugeFont
                            font.bold: true
                        }
                        Text {
                            Layout.alignment: Qt.AlignHCenter
                            text: modelData.label
                            color: Theme.mutedText
                            font.family: Theme.fontFamily
                            font.pixelSize: Theme.smallFont
                            font.bold: true
                        }
                    }
                }
            }
        }
        Text {
            Layout.topMargin: 4
            text: "PATROLS GONE QUIET (" + situationModel.staleAfterMinutes / 60 + " h)"
            color: Theme.mutedText
            font.family: Theme.fontFamily
            font.pixelSize: Theme.smallFont
            font.bold: true
        }
        Repeater {
            model: situationModel.staleRoutes
            delegate: ColumnLayout {
                id: staleRow
                required property var modelData
                Layout.fillWidth: true
                spacing: 0
                Text {
                    Layout.fillWidth: true
                    text: "⚠ " + staleRow.modelData.name
                    elide: Text.ElideRight
                    color: Theme.warning
                    font.family: Theme.fontFamily
                    font.pixelSize: Theme.baseFont
                    font.bold: true
                }
                Text {
                    Layout.fillWidth: true
                    text: staleRow.modelData.unit + " · " + staleRow.modelData.quiet
                    elide: Text.ElideRight
                    color: Theme.text
                    font.family: Theme.fontFamily
                    font.pixelSize: Theme.smallFont
                }
            }
        }
        Text {
            objectName: "noStalePatrols"
            visible: situationModel.staleRoutes.length === 0
            text: "Every patrol in view is reporting"
            color: Theme.mutedText
            font.family: Theme.fontFamily
            font.pixelSize: Theme.baseFont
        }
        Text {
            Layout.topMargin: 4
            text: "LATEST"
            color: Theme.mutedText
            font.family: Theme.fontFamily
            font.pixelSize: Theme.smallFont
            font.bold: true
        }
        Repeater {
            model: situationModel.latest
            delegate: RowLayout {
                id: latestRow
                required property var modelData
                Layout.fillWidth: true
                spacing: 8
                Rectangle {
                    width: Math.round(12 * Theme.textScale)
                    height: width
                    radius: width / 2
                    color: latestRow.modelData.severityColor
                    border.color: "#101010"
                }
                Text {
                    Layout.fillWidth: true
                    text: latestRow.modelData.title
                    elide: Text.ElideRight
                    color: Theme.text
                    font.family: Theme.fontFamily
                    font.pixelSize: Theme.baseFont
                    MouseArea {
                        anchors.fill: parent
                        onClicked: panel.mission.selectedIncident = latestRow.modelData.uuid
                    }
                }
                Text {
                    text: latestRow.modelData.age
                    color: Theme.mutedText
                    font.family: Theme.fontFamily
                    font.pixelSize: Theme.smallFont
                }
            }
        }
        Text {
            visible: situationModel.latest.length === 0
            text: "No incident in view"
            color: Theme.mutedText
            font.family: Theme.fontFamily
            font.pixelSize: Theme.baseFont
        }
        // Hotspots: the time window's incidents per first-level region (the whole mission).
        Text {
            Layout.topMargin: 4
            visible: hotspots.layerName.length > 0
            text: "HOTSPOTS BY REGION (TIME WINDOW)"
            color: Theme.mutedText
            font.family: Theme.fontFamily
            font.pixelSize: Theme.smallFont
            font.bold: true
        }
        Repeater {
            model: hotspots.regions
            delegate: RowLayout {
                id: regionRow
                required property var modelData
                Layout.fillWidth: true
                Text {
                    Layout.fillWidth: true
                    text: regionRow.modelData.name
                    elide: Text.ElideRight
                    color: Theme.text
                    font.family: Theme.fontFamily
                    font.pixelSize: Theme.baseFont
                }
                Text {
                    text: regionRow.modelData.count
                    color: Theme.text
                    font.family: Theme.fontFamily
                    font.pixelSize: Theme.baseFont
                    font.bold: true
                }
            }
        }
        Text {
            Layout.fillWidth: true
            visible: hotspots.error.length > 0
            text: hotspots.error
            color: Theme.error
            wrapMode: Text.Wrap
            font.family: Theme.fontFamily
            font.pixelSize: Theme.smallFont
        }
        // Unusual activity: regions busier or quieter this week than in the eight before.
        Text {
            Layout.topMargin: 4
            visible: analysis.unusual.length > 0
            text: "UNUSUAL THIS WEEK (VS. 8 WEEKS BEFORE)"
            color: Theme.mutedText
            font.family: Theme.fontFamily
            font.pixelSize: Theme.smallFont
            font.bold: true
        }
        Repeater {
            model: analysis.unusual.slice(0, 4)
            delegate: RowLayout {
                id: unusualRow
                required property var modelData
                Layout.fillWidth: true
                Text {
                    Layout.fillWidth: true
                    text: (unusualRow.modelData.busy ? "▲ " : "▼ ") + unusualRow.modelData.region
                          + " · " + unusualRow.modelData.category
                    elide: Text.ElideRight
                    color: unusualRow.modelData.busy ? Theme.warning : Theme.text
                    font.family: Theme.fontFamily
                    font.pixelSize: Theme.baseFont
                }
                Text {
                    text: unusualRow.modelData.current + " (usually " +
                          unusualRow.modelData.expected.toFixed(0) + ")"
                    color: Theme.text
                    font.family: Theme.fontFamily
                    font.pixelSize: Theme.smallFont
                }
            }
        }
        // Emerging hot spots and near repeats, on request: each becomes a layer of the map.
        RowLayout {
            Layout.fillWidth: true
            Layout.topMargin: 4
            spacing: 6
            Button {
                objectName: "runHotSpots"
                text: "Hot spots"
                enabled: !analysis.busy
                ToolTip.visible: hovered
                ToolTip.text: "Emerging hot spots: " + analysis.steps + " weeks ending at the time window's end, cells of " + (analysis.cellMetres / 1000) + " km"
                onClicked: analysis.runHotSpots()
            }
            ComboBox {
                id: repeatCategory
                objectName: "nearRepeatCategory"
                Layout.fillWidth: true
                model: ["All categories"].concat(analysis.categories)
            }
            Button {
                objectName: "runNearRepeat"
                text: "Near repeat"
                enabled: !analysis.busy
                onClicked: analysis.runNearRepeat(repeatCategory.currentIndex > 0 ? repeatCategory.currentText : "")
            }
        }
        RowLayout {
            Layout.fillWidth: true
            spacing: 6
            Button {
                objectName: "writeSitrep"
                text: "SITREP…"
                enabled: !analysis.busy
                ToolTip.visible: hovered
                ToolTip.text: "A situation report of the time window (the last 7 days when open) as marked PDF pages"
                onClicked: sitrepDialog.open()
            }
            CheckBox {
                id: sitrepFor
                objectName: "sitrepFor"
                text: "for"
                visible: panel.sharing !== null && sitrepPeer.count > 0
                ToolTip.visible: hovered
                ToolTip.text: "A releasable version: only what this contact may receive, sanitised where the markings offer it"
            }
            ComboBox {
                id: sitrepPeer
                objectName: "sitrepPeer"
                visible: sitrepFor.visible
                enabled: sitrepFor.checked
                Layout.preferredWidth: 130
                model: panel.sharing ? panel.sharing.peers : null
                textRole: "name"
                valueRole: "fingerprintHex"
            }
        }
        RowLayout {
            Layout.fillWidth: true
            spacing: 6
            Text {
                Layout.fillWidth: true
                text: analysis.sitrepMessage
                elide: Text.ElideMiddle
                color: Theme.text
                font.family: Theme.fontFamily
                font.pixelSize: Theme.smallFont
            }
        }
        Text {
            Layout.fillWidth: true
            visible: analysis.hotSpotSummary.length > 0
            text: analysis.hotSpotSummary
            color: Theme.text
            wrapMode: Text.Wrap
            font.family: Theme.fontFamily
            font.pixelSize: Theme.smallFont
        }
        Text {
            Layout.fillWidth: true
            visible: analysis.nearRepeatSummary.length > 0
            text: analysis.nearRepeatSummary
            color: Theme.text
            wrapMode: Text.Wrap
            font.family: Theme.fontFamily
            font.pixelSize: Theme.smallFont
        }
        // The Knox table as the Near Repeat Calculator shows it: observed over expected pairs by
        // distance (rows) and time apart (columns), coloured where the excess is significant.
        GridLayout {
            id: knoxChart
            objectName: "nearRepeatChart"
            Layout.fillWidth: true
            visible: analysis.nearRepeatRows.length > 0
            readonly property var bands: {
                const seen = [];
                for (const r of analysis.nearRepeatRows)
                    if (!seen.includes(r.days))
                        seen.push(r.days);
                return seen;
            }
            columns: bands.length + 1
            columnSpacing: 2
            rowSpacing: 2
            Text {
                text: "pairs ×expected"
                color: Theme.mutedText
                font.family: Theme.fontFamily
                font.pixelSize: Theme.smallFont
            }
            Repeater {
                model: knoxChart.bands
                Text {
                    required property var modelData
                    Layout.fillWidth: true
                    horizontalAlignment: Text.AlignHCenter
                    text: modelData
                    color: Theme.mutedText
                    font.family: Theme.fontFamily
                    font.pixelSize: Theme.smallFont
                }
            }
            Repeater {
                // Row by row: the distance band's label, then its cells.
                model: {
                    const out = [];
                    for (const r of analysis.nearRepeatRows) {
                        if (r.timeBand === 0)
                            out.push({ label: r.distance });
                        out.push(r);
                    }
                    return out;
                }
                delegate: Rectangle {
                    required property var modelData
                    readonly property bool isLabel: modelData.label !== undefined
                    Layout.fillWidth: true
                    implicitHeight: Theme.smallFont + 8
                    implicitWidth: cellText.implicitWidth + 8
                    radius: 2
                    color: isLabel ? "transparent"
                         : !modelData.significant ? Qt.rgba(0.5, 0.55, 0.6, 0.25)
                         : modelData.ratio >= 3 ? "#b3261e"
                         : modelData.ratio >= 2 ? "#d9480f" : "#f08c00"
                    Text {
                        id: cellText
                        anchors.centerIn: parent
                        text: parent.isLabel ? parent.modelData.label
                            : "×" + parent.modelData.ratio.toFixed(1) + (parent.modelData.significant ? "*" : "")
                        color: parent.isLabel || !parent.modelData.significant ? Theme.text : "white"
                        font.family: Theme.fontFamily
                        font.pixelSize: Theme.smallFont
                        font.bold: !parent.isLabel && parent.modelData.significant
                    }
                    ToolTip.visible: !isLabel && cellHover.hovered
                    ToolTip.text: isLabel ? "" : modelData.distance + ", " + modelData.days + " apart: "
                                  + modelData.observed + " pairs, " + modelData.expected.toFixed(1)
                                  + " expected, p = " + modelData.p.toFixed(3)
                    HoverHandler { id: cellHover }
                }
            }
        }
        Flow {
            objectName: "routeKey"
            Layout.fillWidth: true
            Layout.topMargin: 4
            spacing: 12
            Repeater {
                model: legend
                delegate: Row {
                    id: key
                    required property string label
                    required property color color
                    required property string kind
                    required property int count
                    required property bool dashed
                    visible: kind === "route"
                    spacing: 5
                    Row {
                        anchors.verticalCenter: parent.verticalCenter
                        spacing: key.dashed ? 3 : 0
                        Repeater {
                            model: key.dashed ? 3 : 1
                            Rectangle {
                                width: key.dashed ? 5 : 21
                                height: 4
                                color: key.color
                                border.color: "#101010"
                                border.width: 0.5
                            }
                        }
                    }
                    Text {
                        // "Patrol in progress" -> "in progress 1"
                        text: key.label.replace("Patrol ", "") + " " + key.count
                        color: Theme.text
                        font.family: Theme.fontFamily
                        font.pixelSize: Theme.smallFont
                    }
                }
            }
        }
    }
}
