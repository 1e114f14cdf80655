import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Tessera.Map

// The analyst's incident desk: the list with its filters, and the form that edits one incident.
// Selecting a row selects the incident on the map (and the other way round); the form opens on
// "New" (at the map's centre) or on a double click / Enter.
Rectangle {
    id: panel
    required property MissionController mission
    required property MapItem map
    property alias list: incidents
    property alias editor: incidentEditor
    // REL TO tokens the form offers (the sharing controller's).
    property var releaseAudiences: []
    property alias searchField: search
    signal closeRequested()
    // The user asked to import a file of records (the window owns the file dialog).
    signal importRequested()

    color: Theme.panel
    border.color: Theme.panelBorder
    radius: 6

    IncidentListModel {
        id: incidents
        objectName: "incidentList"
        mission: panel.mission
        // The picture's time window (the time bar under the map): one time control for all.
        from: panel.mission.windowFrom
        to: panel.mission.windowTo
    }

    IncidentEditor {
        id: incidentEditor
        objectName: "incidentEditor"
        mission: panel.mission
        onSaved: uuid => panel.mission.selectedIncident = uuid
    }

    // A new incident starts at the map's centre with the Place tool on: a click on the map puts
    // it there (the preview marker shows where it is), as does a grid reference typed in.
    function startNew() {
        const e = panel.map.geoExtent
        if (!(e.width > 0)) { // no view yet (tessera --edit new at start): once there is one
            panel.newWhenViewed = true
            return
        }
        incidentEditor.startNew(e.x + e.width / 2, e.y + e.height / 2)
        panel.map.tool = MapItem.Place
    }
    property bool newWhenViewed: false
    Connections {
        target: panel.map
        enabled: panel.newWhenViewed
        function onViewChanged() {
            panel.newWhenViewed = false
            panel.startNew()
        }
    }
    Connections {
        target: panel.map
        function onPlaced(lon, lat) {
            if (incidentEditor.active)
                incidentEditor.placeAt(lon, lat)
        }
    }
    Connections {
        target: incidentEditor
        function onStateChanged() {
            if (!incidentEditor.active && panel.map.tool === MapItem.Place)
                panel.map.tool = MapItem.Pan
        }
    }
    function editSelected() {
        if (panel.mission.selectedIncident.length > 0)
            incidentEditor.edit(panel.mission.selectedIncident)
    }

    // The list follows the map's selection.
    Connections {
        target: panel.mission
        function onSelectedIncidentChanged() {
            const row = incidents.indexOf(panel.mission.selectedIncident)
            listView.currentIndex = row
            if (row >= 0)
                listView.positionViewAtIndex(row, ListView.Contain)
        }
    }
    Connections {
        target: incidents
        function onRowsChanged() {
            listView.currentIndex = incidents.indexOf(panel.mission.selectedIncident)
        }
    }

    StackLayout {
        anchors.fill: parent
        anchors.margins: Theme.margin
        currentIndex: incidentEditor.active ? 1 : 0

        // 0: the list and its filters.
        ColumnLayout {
            spacing: 8
            RowLayout {
                Layout.fillWidth: true
                Text {
                    text: "INCIDENTS"
                    color: Theme.mutedText
                    font.family: Theme.fontFamily
                    font.pixelSize: Theme.smallFont
                    font.bold: true
                }
                Text {
                    objectName: "incidentCount"
                    Layout.fillWidth: true
                    text: incidents.error.length > 0 ? ""
                        : incidents.total > incidents.count ? incidents.count + " of " + incidents.total
                        : incidents.total + (incidents.total === 1 ? " incident" : " incidents")
                    color: Theme.text
                    font.family: Theme.fontFamily
                    font.pixelSize: Theme.smallFont
                }
                Button {
                    objectName: "newIncidentButton"
                    text: "+ New"
                    font.family: Theme.fontFamily
                    font.pixelSize: Theme.smallFont
                    onClicked: panel.startNew()
                    ToolTip.text: "Report a new incident at the map's centre (Ctrl+N)"
                    ToolTip.visible: hovered
                    ToolTip.delay: 500
                }
                Button {
                    objectName: "importRecordsButton"
                    text: "Import…"
                    enabled: panel.mission && panel.mission.importingFile.length === 0
                    font.family: Theme.fontFamily
                    font.pixelSize: Theme.smallFont
                    onClicked: panel.importRequested()
                    ToolTip.text: "Import incidents, routes and annotations from a file: GeoJSON, CSV, KML, GPX, GeoPackage or a Tessera export (Ctrl+I)"
                    ToolTip.visible: hovered
                    ToolTip.delay: 500
                }
                Button {
                    text: "×"
                    flat: true
                    font.pixelSize: Theme.titleFont
                    palette.buttonText: Theme.text
                    onClicked: panel.closeRequested()
                }
            }
            TextField {
                id: search
                objectName: "incidentSearch"
                Layout.fillWidth: true
                placeholderText: "Search titles, narratives and notes (Ctrl+F)"
                font.family: Theme.fontFamily
                font.pixelSize: Theme.baseFont
                selectByMouse: true
                onTextChanged: incidents.text = text
            }
            // Severity: none pressed shows all.
            RowLayout {
                Layout.fillWidth: true
                spacing: 4
                Repeater {
                    id: severityChips
                    model: [
                        { key: "critical", label: "Critical" },
                        { key: "high", label: "High" },
                        { key: "medium", label: "Medium" },
                        { key: "low", label: "Low" }
                    ]
                    delegate: Button {
                        required property var modelData
                        Layout.fillWidth: true
                        checkable: true
                        font.family: Theme.fontFamily
                        font.pixelSize: Theme.smallFont
                        text: "● " + modelData.label
                        palette.buttonText: incidents.severityColor(modelData.key)
                        palette.button: checked ? "#3d5a80" : "#1c2a3a"
                        onToggled: {
                            const keys = incidents.severities.slice()
                            const at = keys.indexOf(modelData.key)
                            if (checked && at < 0)
                                keys.push(modelData.key)
                            else if (!checked && at >= 0)
                                keys.splice(at, 1)
                            incidents.severities = keys
                        }
                    }
                }
            }
            RowLayout {
                Layout.fillWidth: true
                ComboBox {
                    objectName: "statusFilter"
                    Layout.fillWidth: true
                    font.family: Theme.fontFamily
                    font.pixelSize: Theme.smallFont
                    textRole: "label"
                    model: [
                        { label: "Any status", keys: [] },
                        { label: "Open (reported, confirmed)", keys: ["reported", "confirmed"] },
                        { label: "Reported", keys: ["reported"] },
                        { label: "Confirmed", keys: ["confirmed"] },
                        { label: "Resolved", keys: ["resolved"] }
                    ]
                    onActivated: index => incidents.statuses = model[index].keys
                }
                ComboBox {
                    objectName: "categoryFilter"
                    Layout.fillWidth: true
                    font.family: Theme.fontFamily
                    font.pixelSize: Theme.smallFont
                    textRole: "label"
                    model: [{ key: "", label: "Every category" }].concat(incidentEditor.categoryOptions)
                    onActivated: index => incidents.categories = index === 0 ? [] : [model[index].key]
                }
            }
            Text {
                Layout.fillWidth: true
                visible: incidents.error.length > 0
                text: incidents.error
                color: Theme.error
                wrapMode: Text.Wrap
                font.family: Theme.fontFamily
                font.pixelSize: Theme.smallFont
            }
            ListView {
                id: listView
                objectName: "incidentListView"
                Layout.fillWidth: true
                Layout.fillHeight: true
                clip: true
                model: incidents
                currentIndex: -1
                keyNavigationEnabled: true
                ScrollBar.vertical: ScrollBar {}
                delegate: Rectangle {
                    id: row
                    required property int index
                    required property string uuid
                    required property string title
                    required property string categoryLabel
                    required property string severity
                    required property string status
                    required property string observedText
                    required property real lon
                    required property real lat
                    required property color severityColor
                    width: ListView.view.width
                    height: rowColumn.implicitHeight + 12
                    color: ListView.isCurrentItem ? Theme.selection : (mouse.containsMouse ? "#22808080" : "transparent")
                    radius: 4
                    RowLayout {
                        anchors.fill: parent
                        anchors.leftMargin: 6
                        anchors.rightMargin: 6
                        spacing: 10
                        Rectangle {
                            Layout.alignment: Qt.AlignVCenter
                            width: 14
                            height: 14
                            radius: 7
                            // As on the map: filled and edged in black, hollow when resolved.
                            color: row.status === "resolved" ? "transparent" : row.severityColor
                            border.color: row.status === "resolved" ? row.severityColor : "#101010"
                            border.width: row.status === "resolved" ? 3 : 1
                        }
                        ColumnLayout {
                            id: rowColumn
                            Layout.fillWidth: true
                            spacing: 1
                            Text {
                                Layout.fillWidth: true
                                text: row.title
                                elide: Text.ElideRight
                                color: Theme.text
                                font.family: Theme.fontFamily
                                font.pixelSize: Theme.baseFont
                                font.bold: true
                            }
                            Text {
                                Layout.fillWidth: true
                                text: row.categoryLabel + " · " + row.status + " · " + row.observedText
                                elide: Text.ElideRight
                                color: Theme.mutedText
                                font.family: Theme.fontFamily
                                font.pixelSize: Theme.smallFont
                            }
                        }
                    }
                    MouseArea {
                        id: mouse
                        anchors.fill: parent
                        hoverEnabled: true
                        onClicked: {
                            panel.mission.selectedIncident = row.uuid
                            panel.map.centreOn(row.lon, row.lat)
                        }
                        onDoubleClicked: incidentEditor.edit(row.uuid)
                    }
                }
                Keys.onReturnPressed: panel.editSelected()
                onCurrentIndexChanged: {
                    if (currentIndex >= 0 && activeFocus) {
                        panel.mission.selectedIncident = incidents.uuidAt(currentIndex)
                    }
                }
                Text {
                    anchors.centerIn: parent
                    visible: listView.count === 0 && !incidents.loading
                    text: "No incident matches"
                    color: Theme.mutedText
                    font.family: Theme.fontFamily
                    font.pixelSize: Theme.baseFont
                }
            }
        }

        // 1: the form.
        IncidentForm {
            visible: incidentEditor.active
            editor: incidentEditor
            map: panel.map
            audiences: panel.releaseAudiences
        }
    }
}
