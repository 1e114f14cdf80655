pragma Singleton
import QtQuick

// Colours and sizes in one place: the operations-room (dark) theme or the daylight (light) one,
// and a text scale for reading across a room (tessera --theme, --text-scale; Ctrl+T, Ctrl+=,
// Ctrl+-).
QtObject {
    property bool dark: true
    property real textScale: 1.0
    readonly property color window: dark ? "#0b1624" : "#dfe6ed"
    readonly property color panel: dark ? "#e6101c2b" : "#f0fbfcfd"
    readonly property color panelBorder: dark ? "#33ffffff" : "#40000000"
    readonly property color text: dark ? "#f2f5f8" : "#0f1923"
    readonly property color mutedText: dark ? "#a9b6c4" : "#44515e"
    readonly property color warning: dark ? "#ffb020" : "#9a5600"
    readonly property color error: dark ? "#ff6b5e" : "#b3261e"
    readonly property color selection: dark ? "#3d5a80" : "#bcd3ec"
    // The toolbar's and the map controls' buttons: dark slate, or daylight grey.
    readonly property color toolButton: dark ? "#1c2a3a" : "#f4f6f8"
    readonly property color toolButtonOn: dark ? "#3d5a80" : "#bcd3ec"
    readonly property color toolButtonText: dark ? "white" : "#0f1923"
    readonly property color unclassified: "#007a33"
    readonly property int baseFont: Math.round(14 * textScale)
    readonly property int smallFont: Math.round(12 * textScale)
    readonly property int titleFont: Math.round(18 * textScale)
    readonly property int hugeFont: Math.round(40 * textScale)
    readonly property int margin: 12
    readonly property string fontFamily: "DejaVu Sans"
}
