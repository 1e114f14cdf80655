import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Tessera.Map

// Drawing an annotation: its kind, how many points are clicked, its text, Save or Cancel, and
// why a save was refused. AnnotationDraft holds and checks it; the map's clicks add the points.
Rectangle {
    id: bar
    required property AnnotationDraft draft
    color: Theme.panel
    border.color: "#ffd23f"
    radius: 6
    implicitWidth: row.implicitWidth + 2 * Theme.margin
    implicitHeight: column.implicitHeight + 2 * 8

    ColumnLayout {
        id: column
        anchors.fill: parent
        anchors.margins: 8
        spacing: 4
        RowLayout {
            id: row
            spacing: 6
            Repeater {
                model: [{ key: "point", label: "• Point" }, { key: "line", label: "╱ Line" },
                        { key: "area", label: "▱ Area" }]
                delegate: Button {
                    required property var modelData
                    objectName: "annotate_" + modelData.key
                    text: modelData.label
                    checkable: true
                    checked: bar.draft.kind === modelData.key
                    font.family: Theme.fontFamily
                    font.pixelSize: Theme.smallFont
                    onClicked: bar.draft.start(modelData.key)
                }
            }
            Text {
                text: bar.draft.pointCount + (bar.draft.pointCount === 1 ? " point" : " points")
                color: Theme.mutedText
                font.family: Theme.fontFamily
                font.pixelSize: Theme.smallFont
            }
            TextField {
                id: textField
                objectName: "annotationText"
                Layout.preferredWidth: Math.round(280 * Theme.textScale)
                placeholderText: "What it says"
                font.family: Theme.fontFamily
                font.pixelSize: Theme.baseFont
                selectByMouse: true
                text: bar.draft.text
                onTextEdited: bar.draft.text = text
                onAccepted: bar.draft.save()
            }
            Button {
                objectName: "annotationSave"
                text: "Save"
                highlighted: true
                enabled: !bar.draft.busy
                font.family: Theme.fontFamily
                font.pixelSize: Theme.smallFont
                onClicked: bar.draft.save()
            }
            Button {
                text: "Cancel"
                font.family: Theme.fontFamily
                font.pixelSize: Theme.smallFont
                onClicked: bar.draft.cancel()
            }
        }
        Text {
            Layout.fillWidth: true
            text: bar.draft.problem.length > 0 ? bar.draft.problem
                : "Click on the map to place the " + bar.draft.kind + "; Enter saves."
            color: bar.draft.problem.length > 0 ? Theme.error : Theme.mutedText
            wrapMode: Text.Wrap
            font.family: Theme.fontFamily
            font.pixelSize: Theme.smallFont
        }
    }
}
