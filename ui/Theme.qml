pragma Singleton
import QtQuick

// Colours and sizes of the operations-room (dark) theme, in one place.
QtObject {
    readonly property color window: "#0b1624"
    readonly property color panel: "#e6101c2b"
    readonly property color panelBorder: "#33ffffff"
    readonly property color text: "#f2f5f8"
    readonly property color mutedText: "#a9b6c4"
    readonly property color warning: "#ffb020"
    readonly property color error: "#ff6b5e"
    readonly property color unclassified: "#007a33"
    readonly property color exercise: "#1f5fbf"
    readonly property int baseFont: 14
    readonly property int smallFont: 12
    readonly property int titleFont: 18
    readonly property int margin: 12
    readonly property string fontFamily: "DejaVu Sans"
}
