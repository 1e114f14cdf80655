import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Tessera.Map

// Find by typing (Ctrl+K): a place or region of the mission's layers, or a position typed in
// decimal degrees, DMS, UTM or MGRS. FindModel reads the text; this bar lists what it found,
// takes the arrow keys and Enter, and asks the window to go there (`chosen`).
Rectangle {
    id: bar
    required property MapItem map
    required property MissionController mission
    // A result was chosen: {label, detail, kind, lon, lat, extent}.
    signal chosen(var result)
    signal closeRequested()
    property alias field: queryField
    property alias model: finder

    color: Theme.panel
    border.color: Theme.panelBorder
    radius: 6
    implicitHeight: column.implicitHeight + 16

    function open() {
        visible = true
        queryField.forceActiveFocus()
        queryField.selectAll()
    }
    function choose(row) {
        const result = finder.get(row)
        if (result.label === undefined)
            return
        bar.chosen(result)
    }

    FindModel {
        id: finder
        mission: bar.mission
        query: queryField.text
        near: {
            const e = bar.map.geoExtent
            return Qt.point(e.x + e.width / 2, e.y + e.height / 2)
        }
    }

    ColumnLayout {
        id: column
        anchors.fill: parent
        anchors.margins: 8
        spacing: 6
        TextField {
            id: queryField
            objectName: "findField"
            Layout.fillWidth: true
            placeholderText: "Place, region or position: Gao · 16.27 -0.04 · 30QZD1638501092"
            font.family: Theme.fontFamily
            font.pixelSize: Theme.baseFont
            selectByMouse: true
            Keys.onDownPressed: results.currentIndex = Math.min(results.count - 1, results.currentIndex + 1)
            Keys.onUpPressed: results.currentIndex = Math.max(0, results.currentIndex - 1)
            Keys.onEscapePressed: bar.closeRequested()
            onAccepted: bar.choose(Math.max(0, results.currentIndex))
            onTextEdited: results.currentIndex = 0
        }
        Text {
            objectName: "findMessage"
            Layout.fillWidth: true
            visible: text.length > 0
            text: finder.message
            wrapMode: Text.Wrap
            color: Theme.mutedText
            font.family: Theme.fontFamily
            font.pixelSize: Theme.smallFont
        }
        ListView {
            id: results
            objectName: "findResults"
            Layout.fillWidth: true
            Layout.preferredHeight: Math.min(contentHeight, Math.round(360 * Theme.textScale))
            visible: count > 0
            clip: true
            model: finder
            currentIndex: 0
            boundsBehavior: Flickable.StopAtBounds
            ScrollBar.vertical: ScrollBar { policy: ScrollBar.AsNeeded }
            delegate: Rectangle {
                id: row
                required property int index
                required property string label
                required property string detail
                required property string kind
                width: ListView.view.width
                height: rowColumn.implicitHeight + 10
                radius: 4
                color: ListView.isCurrentItem ? Theme.selection : "transparent"
                ColumnLayout {
                    id: rowColumn
                    anchors.left: parent.left
                    anchors.right: parent.right
                    anchors.verticalCenter: parent.verticalCenter
                    anchors.leftMargin: 8
                    anchors.rightMargin: 8
                    spacing: 1
                    Text {
                        Layout.fillWidth: true
                        text: (row.kind === "position" ? "✛ " : row.kind === "area" ? "▱ " : "• ") + row.label
                        color: Theme.text
                        elide: Text.ElideRight
                        font.family: Theme.fontFamily
                        font.pixelSize: Theme.baseFont
                        font.bold: true
                    }
                    Text {
                        Layout.fillWidth: true
                        text: row.detail
                        color: Theme.mutedText
                        wrapMode: Text.Wrap
                        font.family: Theme.fontFamily
                        font.pixelSize: Theme.smallFont
                    }
                }
                MouseArea {
                    anchors.fill: parent
                    hoverEnabled: true
                    onEntered: results.currentIndex = row.index
                    onClicked: bar.choose(row.index)
                }
            }
        }
        Text {
            Layout.fillWidth: true
            text: "↑ ↓ to choose · Enter to go · Esc to close · incidents: Ctrl+F"
            color: Theme.mutedText
            font.family: Theme.fontFamily
            font.pixelSize: Theme.smallFont
        }
    }
}
