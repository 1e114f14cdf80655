import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import QtQuick.Dialogs
import Tessera.Map

// The route editor: a patrol's name and unit, its departure and planned speed, the waypoints
// clicked on the map with the time each is planned for, and its actual track imported from a
// GPX file (with progress and cancel). RouteDraft holds and checks it; this only presents it.
Rectangle {
    id: panel
    required property RouteDraft draft
    color: Theme.panel
    border.color: "#7fdbff"
    radius: 6
    implicitHeight: column.implicitHeight + 2 * 10

    component Caption: Text {
        color: Theme.mutedText
        font.family: Theme.fontFamily
        font.pixelSize: Theme.smallFont
        font.bold: true
    }
    component Problem: Text {
        property string field
        objectName: "route_" + field + "Problem"
        Layout.fillWidth: true
        Layout.columnSpan: 2
        visible: text.length > 0
        text: panel.draft.problems[field] || ""
        color: Theme.error
        wrapMode: Text.Wrap
        font.family: Theme.fontFamily
        font.pixelSize: Theme.smallFont
    }
    component Field: TextField {
        property string field
        objectName: "route_" + field
        Layout.fillWidth: true
        font.family: Theme.fontFamily
        font.pixelSize: Theme.baseFont
        selectByMouse: true
        text: panel.draft[field]
        onTextEdited: panel.draft[field] = text
        onAccepted: panel.draft.save()
        background: Rectangle {
            color: "#f4f6f8"
            radius: 3
            border.width: (panel.draft.problems[parent.field] || "").length > 0 ? 2 : 1
            border.color: (panel.draft.problems[parent.field] || "").length > 0 ? Theme.error : "#8a96a3"
        }
    }

    FileDialog {
        id: trackDialog
        title: "Import the patrol's GPX track"
        fileMode: FileDialog.OpenFile
        nameFilters: ["GPX tracks (*.gpx)", "All files (*)"]
        currentFolder: FileChoices.folder
        onAccepted: {
            FileChoices.chosen(selectedFile)
            panel.draft.importTrack(selectedFile)
        }
    }

    ColumnLayout {
        id: column
        anchors.fill: parent
        anchors.margins: 10
        spacing: 6

        RowLayout {
            Layout.fillWidth: true
            Text {
                Layout.fillWidth: true
                text: panel.draft.editing.length > 0 ? "Edit route" : "New route"
                color: Theme.text
                font.family: Theme.fontFamily
                font.pixelSize: Theme.baseFont
                font.bold: true
            }
            ComboBox {
                id: takeUp
                objectName: "routeTakeUp"
                Layout.preferredWidth: Math.round(200 * Theme.textScale)
                model: panel.draft.routes
                textRole: "name"
                displayText: "Edit a route…"
                font.family: Theme.fontFamily
                font.pixelSize: Theme.smallFont
                onActivated: index => panel.draft.edit(panel.draft.routes[index].uuid)
            }
        }

        GridLayout {
            Layout.fillWidth: true
            columns: 2
            columnSpacing: 8
            rowSpacing: 2
            Caption { text: "Name" }
            Caption { text: "Unit" }
            Field { field: "name"; placeholderText: "Route FOXTROT Gao-Ansongo" }
            Field { field: "unit"; placeholderText: "BANBAT-2" }
            Problem { field: "name" }
            Problem { field: "unit" }
            Caption { text: "Departure (UTC)" }
            Caption { text: "Planned speed (km/h)" }
            Field { field: "departure"; placeholderText: "2026-11-27 06:00" }
            TextField {
                objectName: "route_speed"
                Layout.fillWidth: true
                font.family: Theme.fontFamily
                font.pixelSize: Theme.baseFont
                selectByMouse: true
                text: Number(panel.draft.speedKmh).toString()
                validator: DoubleValidator { bottom: 0; top: 1000 }
                onTextEdited: panel.draft.speedKmh = Number(text.replace(",", "."))
                onAccepted: panel.draft.save()
            }
            Problem { field: "departure" }
            Problem { field: "speed" }
        }

        Caption { text: "Waypoints" }
        Text {
            Layout.fillWidth: true
            text: panel.draft.summary.length > 0 ? panel.draft.summary
                : "Click on the map to place the waypoints in order; Backspace takes the last back."
            color: panel.draft.summary.length > 0 ? Theme.text : Theme.mutedText
            wrapMode: Text.Wrap
            font.family: Theme.fontFamily
            font.pixelSize: Theme.smallFont
        }
        ListView {
            id: waypointList
            objectName: "routeWaypoints"
            Layout.fillWidth: true
            Layout.preferredHeight: Math.min(count, 8) * Math.round(20 * Theme.textScale)
            clip: true
            model: panel.draft.waypoints
            delegate: RowLayout {
                required property var modelData
                width: waypointList.width
                height: Math.round(20 * Theme.textScale)
                Text {
                    Layout.preferredWidth: Math.round(90 * Theme.textScale)
                    text: modelData.name
                    color: Theme.text
                    elide: Text.ElideRight
                    font.family: Theme.fontFamily
                    font.pixelSize: Theme.smallFont
                    font.bold: true
                }
                Text {
                    Layout.fillWidth: true
                    text: modelData.time.length > 0 ? modelData.time + "Z" : "no time"
                    color: Theme.text
                    font.family: Theme.fontFamily
                    font.pixelSize: Theme.smallFont
                }
                Text {
                    text: Number(modelData.distanceKm).toFixed(1) + " km"
                    color: Theme.mutedText
                    font.family: Theme.fontFamily
                    font.pixelSize: Theme.smallFont
                }
            }
        }
        Problem { field: "waypoints" }

        Caption { text: "Actual track" }
        RowLayout {
            Layout.fillWidth: true
            Text {
                objectName: "routeTrackText"
                Layout.fillWidth: true
                text: panel.draft.importing
                      ? "Reading the GPX file… " + panel.draft.importedPoints.toLocaleString(Qt.locale("en_GB"), "f", 0) + " points"
                      : panel.draft.trackPoints > 0 ? panel.draft.trackPoints + " track points" : "None yet"
                color: Theme.text
                font.family: Theme.fontFamily
                font.pixelSize: Theme.smallFont
            }
            BusyIndicator {
                visible: panel.draft.importing
                running: visible
                Layout.preferredWidth: 24
                Layout.preferredHeight: 24
            }
            Button {
                objectName: "routeImportTrack"
                visible: !panel.draft.importing
                text: "Import GPX…"
                font.family: Theme.fontFamily
                font.pixelSize: Theme.smallFont
                onClicked: trackDialog.open()
            }
            Button {
                objectName: "routeCancelImport"
                visible: panel.draft.importing
                text: "Cancel"
                font.family: Theme.fontFamily
                font.pixelSize: Theme.smallFont
                onClicked: panel.draft.cancelImport()
            }
            Button {
                visible: !panel.draft.importing && panel.draft.trackPoints > 0
                text: "Clear"
                font.family: Theme.fontFamily
                font.pixelSize: Theme.smallFont
                onClicked: panel.draft.clearTrack()
            }
        }
        Problem { field: "track" }

        RowLayout {
            Layout.fillWidth: true
            Problem { field: "save" }
            Item { Layout.fillWidth: true }
            Button {
                objectName: "routeSave"
                text: "Save route"
                highlighted: true
                enabled: !panel.draft.busy && !panel.draft.importing
                font.family: Theme.fontFamily
                font.pixelSize: Theme.smallFont
                onClicked: panel.draft.save()
            }
            Button {
                text: "Cancel"
                font.family: Theme.fontFamily
                font.pixelSize: Theme.smallFont
                onClicked: panel.draft.cancel()
            }
        }
    }
}
