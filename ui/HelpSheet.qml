import QtQuick
import QtQuick.Controls
import QtQuick.Layouts

// F1: every shortcut and tool of the window on one sheet, grouped as a user looks for them.
Popup {
    id: sheet
    modal: true
    focus: true
    padding: 20
    anchors.centerIn: Overlay.overlay
    width: Math.min(parent ? parent.width - 40 : 900, Math.round(900 * Theme.textScale))
    height: Math.min(parent ? parent.height - 80 : 700, content.implicitHeight + 2 * padding)
    background: Rectangle {
        color: Theme.panel
        border.color: Theme.panelBorder
        radius: 8
    }
    readonly property var groups: [
        { title: "Map", keys: [
            ["Drag, arrow keys", "Pan"], ["Wheel, + and −, double click", "Zoom"],
            ["Home", "Back to the whole mission"], ["Ctrl+K, ⌕ Find", "Find a place, region or position (MGRS, UTM, DMS, degrees)"],
            ["⟷ (right edge)", "Measure distance, bearing and area: click the points"],
            ["◎ (right edge)", "Range rings at 5, 10, 25 and 50 km around a click"],
            ["H, ◍ (right edge)", "Heatmap of the incidents in the time window"],
            ["Esc", "Close what is open, else clear the selection, marker and measurement"]] },
        { title: "Incidents", keys: [
            ["Ctrl+F, ☰ Incidents", "Find incidents by words, category, severity, status"],
            ["Ctrl+N", "New incident: click the map to place it"], ["Ctrl+E, Enter", "Edit the selected incident"],
            ["Ctrl+S", "Save the form"], ["Del", "Delete the selected incident"],
            ["Ctrl+Z, Ctrl+Shift+Z", "Undo, redo"], ["Ctrl+I", "Import incidents, routes and annotations from a file"]] },
        { title: "Drawing", keys: [
            ["Ctrl+D, ✎ Annotate", "A point, line or area with a note"],
            ["Ctrl+R, ↝ Route", "Plan a patrol route, import its GPX track"], ["Backspace", "Take back the last point"]] },
        { title: "Views and products", keys: [
            ["F2, ◧ Commander", "The situation in view in big type; analyses; SITREP"],
            ["Ctrl+P, ↓ Export", "The view as PDF or PNG with banners and legend"],
            ["Ctrl+T", "Light or dark"], ["Ctrl+= and Ctrl+−", "Text larger or smaller"], ["F1", "This sheet"]] },
        { title: "Sharing", keys: [
            ["⇄ Sharing", "Peers, bundles, sync, conflicts and the audit"],
            ["Drop a .tsb on the map", "Import a bundle; drop rasters and vectors to add layers"]] }
    ]
    contentItem: Flickable {
        contentHeight: content.implicitHeight
        clip: true
        boundsBehavior: Flickable.StopAtBounds
        ScrollBar.vertical: ScrollBar { policy: ScrollBar.AsNeeded }
        ColumnLayout {
            id: content
            width: parent.width
            spacing: 6
            Text {
                text: "Shortcuts and tools"
                color: Theme.text
                font.family: Theme.fontFamily
                font.pixelSize: Theme.titleFont
                font.bold: true
            }
            Repeater {
                model: sheet.groups
                delegate: ColumnLayout {
                    required property var modelData
                    Layout.fillWidth: true
                    Layout.topMargin: 6
                    spacing: 2
                    Text {
                        text: modelData.title.toUpperCase()
                        color: Theme.mutedText
                        font.family: Theme.fontFamily
                        font.pixelSize: Theme.smallFont
                        font.bold: true
                    }
                    Repeater {
                        model: modelData.keys
                        delegate: RowLayout {
                            required property var modelData
                            Layout.fillWidth: true
                            spacing: 12
                            Text {
                                Layout.preferredWidth: Math.round(260 * Theme.textScale)
                                text: modelData[0]
                                color: Theme.text
                                font.family: Theme.fontFamily
                                font.pixelSize: Theme.baseFont
                                font.bold: true
                                wrapMode: Text.Wrap
                            }
                            Text {
                                Layout.fillWidth: true
                                text: modelData[1]
                                color: Theme.text
                                font.family: Theme.fontFamily
                                font.pixelSize: Theme.baseFont
                                wrapMode: Text.Wrap
                            }
                        }
                    }
                }
            }
        }
    }
}
