import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Tessera.Map

// The time window of the whole picture: presets, playback of the last day or week, and the
// histogram of incidents over the span with the window highlighted. All logic is TimeBar's.
Rectangle {
    id: bar
    required property MissionController mission
    property alias timeBar: model
    color: Theme.panel
    border.color: Theme.panelBorder
    radius: 6
    implicitWidth: 620
    implicitHeight: column.implicitHeight + 2 * 8

    TimeBar {
        id: model
        objectName: "timeBar"
        mission: bar.mission
    }

    component Choice: Button {
        property bool chosen: false
        implicitHeight: 30
        font.family: Theme.fontFamily
        font.pixelSize: Theme.smallFont
        font.bold: chosen
        palette.button: chosen ? "#3d5a80" : "#1c2a3a"
        palette.buttonText: "white"
    }

    ColumnLayout {
        id: column
        anchors.fill: parent
        anchors.margins: 8
        spacing: 4
        RowLayout {
            Layout.fillWidth: true
            spacing: 4
            Choice {
                objectName: "timeAll"
                text: "All time"
                chosen: !model.playing && model.hours === 0
                onClicked: model.showAll()
            }
            Choice {
                objectName: "timeLast24"
                text: "24 h"
                chosen: !model.playing && model.hours === 24
                onClicked: model.showLast(24)
            }
            Choice {
                objectName: "timeLast7d"
                text: "7 days"
                chosen: !model.playing && model.hours === 24 * 7
                onClicked: model.showLast(24 * 7)
            }
            Choice {
                objectName: "timePlay24"
                text: model.playing && model.hours === 24 ? "■ Stop" : "▶ 24 h"
                chosen: model.playing && model.hours === 24
                onClicked: model.playing ? model.stop() : model.play(24)
                ToolTip.text: "Play the last 24 hours"
                ToolTip.visible: hovered
                ToolTip.delay: 500
            }
            Choice {
                objectName: "timePlay7d"
                text: model.playing && model.hours === 24 * 7 ? "■ Stop" : "▶ 7 days"
                chosen: model.playing && model.hours === 24 * 7
                onClicked: model.playing ? model.stop() : model.play(24 * 7)
                ToolTip.text: "Play the last 7 days"
                ToolTip.visible: hovered
                ToolTip.delay: 500
            }
            Text {
                objectName: "timeLabel"
                Layout.fillWidth: true
                horizontalAlignment: Text.AlignRight
                text: model.label
                color: Theme.text
                font.family: Theme.fontFamily
                font.pixelSize: Theme.baseFont
                font.bold: true
                elide: Text.ElideLeft
            }
        }
        // Incidents over the span: one bar per slice, the window lit.
        Item {
            Layout.fillWidth: true
            Layout.preferredHeight: 44
            Rectangle {
                x: model.windowStart * parent.width
                width: Math.max(2, (model.windowEnd - model.windowStart) * parent.width)
                height: parent.height
                color: "#333d8bd9"
                border.color: "#3d8bd9"
                visible: !(model.windowStart === 0 && model.windowEnd === 1)
            }
            Row {
                anchors.fill: parent
                Repeater {
                    model: bar.timeBar.bins
                    delegate: Item {
                        required property int modelData
                        required property int index
                        width: parent.width / bar.timeBar.bins.length
                        height: parent.height
                        Rectangle {
                            anchors.bottom: parent.bottom
                            anchors.horizontalCenter: parent.horizontalCenter
                            width: Math.max(1, parent.width - 2)
                            height: bar.timeBar.maxCount > 0 ? parent.height * modelData / bar.timeBar.maxCount : 0
                            readonly property real middle: (index + 0.5) / bar.timeBar.bins.length
                            readonly property bool partial: bar.timeBar.windowStart > 0 || bar.timeBar.windowEnd < 1
                            color: !partial ? "#a9b6c4"
                                 : middle >= bar.timeBar.windowStart && middle <= bar.timeBar.windowEnd ? "#e69f00" : "#4b5563"
                        }
                    }
                }
            }
        }
        RowLayout {
            Layout.fillWidth: true
            Text {
                text: model.spanStartText
                color: Theme.mutedText
                font.family: Theme.fontFamily
                font.pixelSize: Theme.smallFont
            }
            Item { Layout.fillWidth: true }
            Text {
                text: "incidents per slice, most " + model.maxCount
                color: Theme.mutedText
                font.family: Theme.fontFamily
                font.pixelSize: Theme.smallFont
            }
            Item { Layout.fillWidth: true }
            Text {
                text: model.spanEndText
                color: Theme.mutedText
                font.family: Theme.fontFamily
                font.pixelSize: Theme.smallFont
            }
        }
    }
}
