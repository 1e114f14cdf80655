import QtQuick
import Tessera.Map

// A ground-distance scale bar for the centre of the view.
Item {
    id: bar
    required property MapItem map
    implicitWidth: Math.max(map.scaleBarWidth, label.implicitWidth) + 16
    implicitHeight: 30

    Rectangle {
        anchors.fill: parent
        color: "#99101c2b"
        radius: 4
    }
    Rectangle {
        x: 8
        y: 20
        width: bar.map.scaleBarWidth
        height: 4
        color: "white"
        border.color: "black"
    }
    Text {
        id: label
        x: 8
        y: 2
        text: bar.map.scaleText
        color: "white"
        font.family: Theme.fontFamily
        font.pixelSize: Theme.smallFont
        font.bold: true
    }
}
