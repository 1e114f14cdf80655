import QtQuick
import QtQuick.Layouts
import Tessera.Map

// Legend with live counts: what each marker colour, shape and line style means. A click on its
// title folds it to that line, to leave the layers below room on a small screen.
Rectangle {
    id: panel
    required property MissionController mission
    property bool folded: false
    color: Theme.panel
    border.color: Theme.panelBorder
    radius: 6
    implicitWidth: 262
    implicitHeight: column.implicitHeight + 2 * Theme.margin

    LegendModel {
        id: legend
        mission: panel.mission
    }

    ColumnLayout {
        id: column
        anchors.fill: parent
        anchors.margins: Theme.margin
        spacing: 6
        Text {
            objectName: "legendTitle"
            Layout.fillWidth: true
            text: (panel.folded ? "▸ " : "▾ ") + "INCIDENTS BY SEVERITY"
            color: Theme.mutedText
            font.family: Theme.fontFamily
            font.pixelSize: Theme.smallFont
            font.bold: true
            MouseArea {
                anchors.fill: parent
                cursorShape: Qt.PointingHandCursor
                onClicked: panel.folded = !panel.folded
            }
        }
        Repeater {
            model: panel.folded ? null : legend
            delegate: RowLayout {
                id: entry
                required property string label
                required property color color
                required property string kind
                required property int count
                required property real size
                required property bool dashed
                required property string symbol
                required property bool groupStart
                Layout.fillWidth: true
                // A gap between the groups: severities, routes, stale markers and annotations,
                // then what the markers' shapes mean.
                Layout.topMargin: entry.groupStart ? 8 : 0
                spacing: 10
                Item {
                    Layout.preferredWidth: 28
                    Layout.preferredHeight: 20
                    Rectangle {
                        visible: entry.kind === "stale"
                        anchors.centerIn: parent
                        width: entry.size + 4
                        height: entry.size + 4
                        radius: width / 2
                        color: entry.color
                        border.color: "#101010"
                        border.width: 3
                    }
                    Rectangle {
                        visible: entry.kind === "annotation" || entry.kind === "class"
                        anchors.centerIn: parent
                        width: entry.size
                        height: entry.size
                        color: entry.color
                        border.color: "#101010"
                        border.width: 1.5
                    }
                    Rectangle {
                        visible: entry.kind === "incident"
                        anchors.centerIn: parent
                        width: entry.size
                        height: entry.size
                        radius: entry.size / 2
                        color: entry.color
                        border.color: "#101010"
                        border.width: 2
                    }
                    Text {
                        visible: entry.kind === "symbol"
                        anchors.centerIn: parent
                        text: ({ diamond: "◆", square: "■", circle: "●", triangle: "▲" })[entry.symbol] || ""
                        color: Theme.text
                        font.family: Theme.fontFamily
                        font.pixelSize: entry.symbol === "square" ? 15 : 18
                    }
                    Row {
                        visible: entry.kind === "route"
                        anchors.centerIn: parent
                        spacing: entry.dashed ? 3 : 0
                        Repeater {
                            model: entry.dashed ? 4 : 1
                            Rectangle {
                                width: entry.dashed ? 5 : 26
                                height: 4
                                color: entry.color
                                border.color: "#101010"
                                border.width: 0.5
                            }
                        }
                    }
                }
                Text {
                    Layout.fillWidth: true
                    text: entry.label
                    color: Theme.text
                    elide: Text.ElideRight
                    font.family: Theme.fontFamily
                    font.pixelSize: entry.kind === "symbol" ? Theme.smallFont : Theme.baseFont
                }
                Text {
                    text: entry.count
                    color: Theme.text
                    font.family: Theme.fontFamily
                    font.pixelSize: Theme.baseFont
                    font.bold: true
                }
            }
        }
        Text {
            Layout.topMargin: 4
            visible: !panel.folded
            text: "Hollow centre: resolved"
            color: Theme.mutedText
            font.family: Theme.fontFamily
            font.pixelSize: Theme.smallFont
        }
    }
}
