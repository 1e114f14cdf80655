import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import QtQuick.Dialogs
import Tessera.Map

// Every field of one incident, the reason beside any field the mission would refuse, and the
// incident's notes thread. All checking and writing is IncidentEditor's; this only presents it.
ScrollView {
    id: form
    required property IncidentEditor editor
    required property MapItem map
    // REL TO tokens to choose from (SharingController.releaseAudiences).
    property var audiences: []
    property alias titleField: titleField
    property alias noteField: noteField
    contentWidth: availableWidth
    clip: true
    // Opened (New, Enter, double click): typing goes to the title at once.
    onVisibleChanged: if (visible) titleField.forceActiveFocus()

    // A field's caption, its control and, under it, why the form refused it.
    component Caption: Text {
        color: Theme.mutedText
        font.family: Theme.fontFamily
        font.pixelSize: Theme.smallFont
        font.bold: true
    }
    component Problem: Text {
        property string field
        objectName: field + "Problem"
        Layout.fillWidth: true
        visible: text.length > 0
        text: form.editor.problems[field] || ""
        color: Theme.error
        wrapMode: Text.Wrap
        font.family: Theme.fontFamily
        font.pixelSize: Theme.smallFont
    }
    component Field: TextField {
        property string field
        Layout.fillWidth: true
        font.family: Theme.fontFamily
        font.pixelSize: Theme.baseFont
        selectByMouse: true
        text: form.editor[field]
        onTextEdited: form.editor[field] = text
        // A red edge on a refused field, as well as the reason under it.
        background: Rectangle {
            color: "#f4f6f8"
            radius: 3
            border.width: (form.editor.problems[parent.field] || "").length > 0 ? 2 : 1
            border.color: (form.editor.problems[parent.field] || "").length > 0 ? Theme.error : "#8a96a3"
        }
    }

    FileDialog {
        id: attachDialog
        title: "Attach a file to the incident"
        fileMode: FileDialog.OpenFile
        nameFilters: ["Images (*.jpg *.jpeg *.png *.gif *.webp)", "All files (*)"]
        currentFolder: FileChoices.folder
        onAccepted: {
            FileChoices.chosen(selectedFile)
            form.editor.attach(selectedFile)
        }
    }

    ColumnLayout {
        width: form.availableWidth
        spacing: 4

        RowLayout {
            Layout.fillWidth: true
            Text {
                Layout.fillWidth: true
                text: form.editor.uuid.length > 0 ? "EDIT INCIDENT" : "NEW INCIDENT"
                color: Theme.mutedText
                font.family: Theme.fontFamily
                font.pixelSize: Theme.smallFont
                font.bold: true
            }
            BusyIndicator {
                running: form.editor.busy
                visible: running
                implicitWidth: 24
                implicitHeight: 24
            }
        }

        Caption { text: "Title" }
        Field { id: titleField; objectName: "titleField"; field: "title"; placeholderText: "What happened, where" }
        Problem { field: "title" }

        RowLayout {
            Layout.fillWidth: true
            ColumnLayout {
                Layout.fillWidth: true
                Caption { text: "Category" }
                ComboBox {
                    objectName: "categoryField"
                    Layout.fillWidth: true
                    font.family: Theme.fontFamily
                    font.pixelSize: Theme.smallFont
                    model: form.editor.categoryOptions
                    textRole: "label"
                    valueRole: "key"
                    currentIndex: indexOfValue(form.editor.category)
                    onActivated: form.editor.category = currentValue
                }
            }
            ColumnLayout {
                Caption { text: "Severity" }
                ComboBox {
                    objectName: "severityField"
                    font.family: Theme.fontFamily
                    font.pixelSize: Theme.smallFont
                    model: ["low", "medium", "high", "critical"]
                    currentIndex: model.indexOf(form.editor.severity)
                    onActivated: form.editor.severity = currentText
                }
            }
            ColumnLayout {
                Caption { text: "Status" }
                ComboBox {
                    objectName: "statusField"
                    font.family: Theme.fontFamily
                    font.pixelSize: Theme.smallFont
                    model: ["reported", "confirmed", "resolved"]
                    currentIndex: model.indexOf(form.editor.status)
                    onActivated: form.editor.status = currentText
                }
            }
        }
        Problem { field: "category" }

        Caption { text: "Observed (UTC, or a date-time group)" }
        Field { objectName: "observedField"; field: "observedAt"; placeholderText: "2026-11-27 14:30 or 271430ZNOV26" }
        Problem { field: "observedAt" }

        RowLayout {
            Layout.fillWidth: true
            ColumnLayout {
                Layout.fillWidth: true
                Caption { text: "Latitude (°)" }
                Field { objectName: "latField"; field: "lat" }
            }
            ColumnLayout {
                Layout.fillWidth: true
                Caption { text: "Longitude (°)" }
                Field { objectName: "lonField"; field: "lon" }
            }
            Button {
                objectName: "placeButton"
                Layout.alignment: Qt.AlignBottom
                // Not checkable: a checked state of its own would part from the map's tool.
                highlighted: form.map.tool === MapItem.Place
                text: highlighted ? "✛ Click map" : "✛ Place"
                font.family: Theme.fontFamily
                font.pixelSize: Theme.smallFont
                onClicked: form.map.tool = form.map.tool === MapItem.Place ? MapItem.Pan : MapItem.Place
                ToolTip.text: "Click the map where it happened; each click moves it (Esc leaves the form)"
                ToolTip.visible: hovered
                ToolTip.delay: 500
            }
        }
        Caption { text: "Grid (MGRS, UTM, DMS or degrees)" }
        TextField {
            id: gridField
            objectName: "gridField"
            Layout.fillWidth: true
            font.family: Theme.fontFamily
            font.pixelSize: Theme.baseFont
            selectByMouse: true
            placeholderText: "30QZD1638501092"
            text: form.editor.grid
            onAccepted: if (form.editor.setPosition(text)) text = form.editor.grid
            onEditingFinished: if (text !== form.editor.grid && form.editor.setPosition(text)) text = form.editor.grid
            background: Rectangle {
                color: "#f4f6f8"
                radius: 3
                border.width: (form.editor.problems["grid"] || "").length > 0 ? 2 : 1
                border.color: (form.editor.problems["grid"] || "").length > 0 ? Theme.error : "#8a96a3"
            }
            // Follows the latitude and longitude fields and the map's clicks, except while typed in.
            Connections {
                target: form.editor
                function onFieldsChanged() {
                    if (!gridField.activeFocus)
                        gridField.text = form.editor.grid
                }
            }
        }
        Problem { field: "grid" }
        Problem { field: "lat" }
        Problem { field: "lon" }

        RowLayout {
            Layout.fillWidth: true
            ColumnLayout {
                Layout.fillWidth: true
                Caption { text: "Source" }
                Field { objectName: "sourceField"; field: "source"; placeholderText: "Who reported it" }
            }
            ColumnLayout {
                Caption { text: "Reliability" }
                ComboBox {
                    objectName: "reliabilityField"
                    font.family: Theme.fontFamily
                    font.pixelSize: Theme.smallFont
                    model: ["A", "B", "C", "D", "E", "F"]
                    currentIndex: model.indexOf(form.editor.reliability)
                    onActivated: form.editor.reliability = currentText
                    ToolTip.text: "A completely reliable … E unreliable, F cannot be judged"
                    ToolTip.visible: hovered
                    ToolTip.delay: 500
                }
            }
            ColumnLayout {
                Caption { text: "Credibility" }
                ComboBox {
                    objectName: "credibilityField"
                    font.family: Theme.fontFamily
                    font.pixelSize: Theme.smallFont
                    model: [1, 2, 3, 4, 5, 6]
                    currentIndex: form.editor.credibility - 1
                    onActivated: form.editor.credibility = currentIndex + 1
                    ToolTip.text: "1 confirmed by other sources … 5 improbable, 6 cannot be judged"
                    ToolTip.visible: hovered
                    ToolTip.delay: 500
                }
            }
        }
        Problem { field: "reliability" }
        Problem { field: "credibility" }

        Caption { text: "Narrative" }
        TextArea {
            objectName: "narrativeField"
            Layout.fillWidth: true
            Layout.preferredHeight: Math.max(80, implicitHeight)
            wrapMode: TextEdit.Wrap
            font.family: Theme.fontFamily
            font.pixelSize: Theme.baseFont
            selectByMouse: true
            text: form.editor.narrative
            onTextChanged: if (text !== form.editor.narrative) form.editor.narrative = text
            background: Rectangle { color: "#f4f6f8"; radius: 3; border.color: "#8a96a3" }
        }

        // One row each: a marking must be read whole, at any text size.
        ColumnLayout {
            Layout.fillWidth: true
            spacing: 2
            ColumnLayout {
                Layout.fillWidth: true
                Caption { text: "Classification" }
                // The levels of the marking grammar, chosen; the caveats the record already
                // has ("SECRET // MEDICAL") are kept and shown beside.
                RowLayout {
                    Layout.fillWidth: true
                    readonly property string caveats: {
                        const at = form.editor.classification.indexOf("//")
                        return at < 0 ? "" : form.editor.classification.substring(at)
                    }
                    ComboBox {
                        id: levelBox
                        objectName: "classificationField"
                        Layout.fillWidth: true
                        // Tall enough for its text at any text scale (the style's default is not).
                        Layout.preferredHeight: Math.round(font.pixelSize * 2)
                        font.family: Theme.fontFamily
                        font.pixelSize: Theme.baseFont
                        model: form.editor.classificationOptions
                        currentIndex: model.indexOf(form.editor.classification.split("//")[0].trim().toUpperCase())
                        onActivated: form.editor.classification = currentText + (parent.caveats.length > 0 ? " " + parent.caveats : "")
                    }
                    Text {
                        visible: text.length > 0
                        text: parent.caveats
                        color: Theme.text
                        font.family: Theme.fontFamily
                        font.pixelSize: Theme.smallFont
                    }
                }
            }
            ColumnLayout {
                Layout.fillWidth: true
                Caption { text: "Releasable to" }
                // Chosen by a click among the nations and communities of this station and its
                // contacts; what the record already names stays on offer.
                Flow {
                    objectName: "releaseChoices"
                    Layout.fillWidth: true
                    spacing: 4
                    Repeater {
                        model: {
                            const all = form.audiences.concat(form.editor.releasableTo)
                            return all.filter((a, i) => all.indexOf(a) === i).sort()
                        }
                        delegate: Button {
                            required property string modelData
                            objectName: "rel_" + modelData
                            text: modelData
                            checkable: true
                            checked: form.editor.releasableTo.indexOf(modelData) >= 0
                            font.family: Theme.fontFamily
                            font.pixelSize: Theme.smallFont
                            palette.button: checked ? "#3d5a80" : "#e6e9ed"
                            palette.buttonText: checked ? "white" : "#0f1923"
                            onClicked: {
                                const chosen = form.editor.releasableTo.filter(a => a !== modelData)
                                if (checked)
                                    chosen.push(modelData)
                                form.editor.setReleasableTo(chosen)
                            }
                        }
                    }
                }
                // The whole line, for what the chips do not say (a sanitised version's clause).
                Field {
                    objectName: "releasabilityField"
                    field: "releasability"
                    placeholderText: "REL TO NLD, FRA, UN"
                }
            }
        }
        Problem { field: "classification" }
        Problem { field: "releasability" }

        Text {
            Layout.fillWidth: true
            visible: form.editor.error.length > 0
            text: "Not saved: " + form.editor.error
            color: Theme.error
            wrapMode: Text.Wrap
            font.family: Theme.fontFamily
            font.pixelSize: Theme.baseFont
        }

        RowLayout {
            Layout.fillWidth: true
            Layout.topMargin: 6
            Button {
                objectName: "saveIncidentButton"
                text: "Save (Ctrl+S)"
                highlighted: true
                enabled: !form.editor.busy
                font.family: Theme.fontFamily
                font.pixelSize: Theme.baseFont
                onClicked: form.editor.save()
            }
            Button {
                objectName: "closeIncidentButton"
                text: "Back to the list (Esc)"
                font.family: Theme.fontFamily
                font.pixelSize: Theme.baseFont
                onClicked: form.editor.close()
            }
            Item { Layout.fillWidth: true }
            // A saved incident: deleted as an edit Ctrl+Z undoes (the toast says so).
            Button {
                objectName: "deleteIncidentButton"
                visible: form.editor.uuid.length > 0
                text: "Delete"
                enabled: !form.editor.busy
                font.family: Theme.fontFamily
                font.pixelSize: Theme.baseFont
                palette.buttonText: Theme.error
                onClicked: {
                    const uuid = form.editor.uuid
                    form.editor.close()
                    form.editor.mission.history.deleteIncident(uuid)
                }
                ToolTip.text: "Delete this incident (Del on the map; Ctrl+Z brings it back)"
                ToolTip.visible: hovered
                ToolTip.delay: 500
            }
        }

        // The notes thread: append-only, oldest first. Only a saved incident has one.
        Caption {
            Layout.topMargin: 10
            visible: form.editor.uuid.length > 0
            text: "NOTES (" + form.editor.notes.length + ")"
        }
        Repeater {
            model: form.editor.uuid.length > 0 ? form.editor.notes : []
            delegate: Rectangle {
                required property var modelData
                Layout.fillWidth: true
                implicitHeight: noteColumn.implicitHeight + 10
                color: "#22ffffff"
                radius: 4
                ColumnLayout {
                    id: noteColumn
                    anchors.fill: parent
                    anchors.margins: 5
                    spacing: 2
                    Text {
                        text: modelData.author + " · " + modelData.writtenAt + " UTC"
                        color: Theme.mutedText
                        font.family: Theme.fontFamily
                        font.pixelSize: Theme.smallFont
                    }
                    Text {
                        Layout.fillWidth: true
                        text: modelData.text
                        color: Theme.text
                        wrapMode: Text.Wrap
                        font.family: Theme.fontFamily
                        font.pixelSize: Theme.baseFont
                    }
                }
            }
        }
        RowLayout {
            Layout.fillWidth: true
            visible: form.editor.uuid.length > 0
            TextField {
                id: noteField
                objectName: "noteField"
                Layout.fillWidth: true
                placeholderText: "Add a note to the thread"
                font.family: Theme.fontFamily
                font.pixelSize: Theme.baseFont
                selectByMouse: true
                onAccepted: addNoteButton.clicked()
            }
            Button {
                id: addNoteButton
                objectName: "addNoteButton"
                text: "Add note"
                enabled: noteField.text.trim().length > 0 && !form.editor.busy
                font.family: Theme.fontFamily
                font.pixelSize: Theme.smallFont
                onClicked: {
                    form.editor.addNote(noteField.text)
                    noteField.text = ""
                }
            }
        }
    
        // Attachments: photos and documents, stored in the mission with their SHA-256.
        RowLayout {
            Layout.fillWidth: true
            Layout.topMargin: 10
            visible: form.editor.uuid.length > 0
            Caption {
                Layout.fillWidth: true
                text: "ATTACHMENTS (" + form.editor.attachments.length + ")"
            }
            Button {
                objectName: "attachButton"
                text: "Attach file…"
                enabled: !form.editor.busy
                font.family: Theme.fontFamily
                font.pixelSize: Theme.smallFont
                onClicked: attachDialog.open()
            }
        }
        Flow {
            Layout.fillWidth: true
            spacing: 8
            visible: form.editor.uuid.length > 0
            Repeater {
                model: form.editor.attachments
                delegate: Rectangle {
                    id: attachmentTile
                    required property var modelData
                    width: 130
                    height: tileColumn.implicitHeight + 8
                    radius: 4
                    color: "#22808080"
                    Column {
                        id: tileColumn
                        anchors.centerIn: parent
                        width: parent.width - 8
                        spacing: 2
                        Image {
                            width: parent.width
                            height: source.toString().length > 0 ? 90 : 0
                            fillMode: Image.PreserveAspectFit
                            source: attachmentTile.modelData.preview
                            asynchronous: true
                        }
                        Text {
                            width: parent.width
                            text: attachmentTile.modelData.name
                            elide: Text.ElideMiddle
                            color: Theme.text
                            font.family: Theme.fontFamily
                            font.pixelSize: Theme.smallFont
                        }
                        Text {
                            width: parent.width
                            text: Math.max(1, Math.round(attachmentTile.modelData.size / 1024)) + " KiB · "
                                  + attachmentTile.modelData.sha256.substring(0, 8)
                            color: Theme.mutedText
                            font.family: Theme.fontFamily
                            font.pixelSize: Theme.smallFont - 1
                        }
                    }
                }
            }
        }
    }
}
