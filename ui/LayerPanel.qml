import QtQuick
import QtQuick.Layouts
import Tessera.Map

// The map's layers, top first; a broken layer says why in the warning colour.
Rectangle {
    id: panel
    required property MissionController mission
    color: Theme.panel
    border.color: Theme.panelBorder
    radius: 6
    implicitWidth: 230
    implicitHeight: column.implicitHeight + 2 * Theme.margin

    LayerListModel {
        id: layers
        mission: panel.mission
    }

    ColumnLayout {
        id: column
        anchors.fill: parent
        anchors.margins: Theme.margin
        spacing: 5
        Text {
            text: "LAYERS"
            color: Theme.mutedText
            font.family: Theme.fontFamily
            font.pixelSize: Theme.smallFont
            font.bold: true
        }
        Repeater {
            model: layers
            delegate: ColumnLayout {
                required property string name
                required property bool broken
                required property string problem
                Layout.fillWidth: true
                spacing: 1
                Text {
                    Layout.fillWidth: true
                    text: (broken ? "⚠ " : "") + name
                    color: broken ? Theme.warning : Theme.text
                    font.family: Theme.fontFamily
                    font.pixelSize: Theme.smallFont + 1
                    elide: Text.ElideRight
                }
                Text {
                    visible: broken
                    Layout.fillWidth: true
                    Layout.maximumWidth: 206
                    text: problem
                    color: Theme.warning
                    font.family: Theme.fontFamily
                    font.pixelSize: Theme.smallFont - 1
                    wrapMode: Text.WrapAnywhere
                    maximumLineCount: 4
                    elide: Text.ElideRight
                }
            }
        }
    }
}
