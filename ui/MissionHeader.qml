import QtQuick
import QtQuick.Layouts
import Tessera.Map

// Mission name and what is on the map, top left over the map.
Rectangle {
    id: header
    required property MissionController mission
    color: Theme.panel
    border.color: Theme.panelBorder
    radius: 6
    implicitWidth: column.implicitWidth + 2 * Theme.margin
    implicitHeight: column.implicitHeight + 2 * Theme.margin
    visible: mission.status === MissionController.Ready

    ColumnLayout {
        id: column
        anchors.fill: parent
        anchors.margins: Theme.margin
        spacing: 4
        Text {
            text: header.mission.name
            color: Theme.text
            font.family: Theme.fontFamily
            font.pixelSize: Theme.titleFont
            font.bold: true
        }
        Text {
            text: header.mission.incidentCount + " incidents  ·  " + header.mission.routeCount + " patrol routes"
            color: Theme.mutedText
            font.family: Theme.fontFamily
            font.pixelSize: Theme.baseFont
        }
    }
}
