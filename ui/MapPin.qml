import QtQuick
import Tessera.Map

// A ring on a point of the map with a label beside it, following pan and zoom: where a find
// landed, where the incident being edited will be saved.
Item {
    id: pin
    required property MapItem map
    property real lon: NaN
    property real lat: NaN
    property string label: ""
    property color colour: "#ffd23f"
    property alias labelItem: labelText
    property point at: Qt.point(0, 0)
    x: at.x
    y: at.y
    function follow() {
        if (isNaN(lon) || isNaN(lat))
            return
        const r = map.pixelRectOf(Qt.rect(lon, lat, 0, 0))
        at = Qt.point(r.x, r.y)
    }
    onLonChanged: follow()
    onLatChanged: follow()
    onVisibleChanged: follow()
    Connections {
        target: pin.map
        function onViewChanged() { pin.follow() }
    }
    Rectangle { // a dark edge: the ring reads on desert and on snow
        x: -width / 2
        y: -height / 2
        width: 32
        height: 32
        radius: 16
        color: "transparent"
        border.color: "#c0000000"
        border.width: 7
    }
    Rectangle {
        x: -width / 2
        y: -height / 2
        width: 26
        height: 26
        radius: 13
        color: "transparent"
        border.color: pin.colour
        border.width: 3
        Rectangle { anchors.centerIn: parent; width: 4; height: 4; radius: 2; color: pin.colour }
    }
    Rectangle {
        visible: pin.label.length > 0
        x: 18
        y: -height - 10
        width: labelText.implicitWidth + 16
        height: labelText.implicitHeight + 8
        radius: 4
        color: Theme.panel
        border.color: pin.colour
        Text {
            id: labelText
            anchors.centerIn: parent
            text: pin.label
            color: Theme.text
            font.family: Theme.fontFamily
            font.pixelSize: Theme.baseFont
            font.bold: true
        }
    }
}
