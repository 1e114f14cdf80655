import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import QtQuick.Dialogs
import Tessera.Map

// The operating picture: classification banners, the map, legend, layers and status bar.
ApplicationWindow {
    id: window
    required property string missionPath
    // Sharing (tessera --identity/--contacts; empty: the defaults tessera-cli uses too).
    property string identityPath: ""
    property string contactsPath: ""
    // "sharing" opens the sharing panel at start (tessera --panel sharing).
    property string openPanel: ""
    property bool sharingOpen: openPanel === "sharing"
    // The incident list and editor (tessera --panel incidents). One left panel at a time.
    property bool incidentsOpen: openPanel === "incidents"
    onSharingOpenChanged: if (sharingOpen) incidentsOpen = false
    onIncidentsOpenChanged: if (incidentsOpen) sharingOpen = false
    property alias incidents: incidentPanel
    // The commander's view (tessera --panel commander, F2): what the map shows, in big type.
    property bool commanderView: openPanel === "commander"
    // tessera --theme light|dark, --text-scale F; Ctrl+T, Ctrl+=, Ctrl+-.
    property string theme: "dark"
    property real textScale: 1.0
    property bool startHeatmap: false
    Component.onCompleted: {
        Theme.dark = theme !== "light"
        Theme.textScale = Math.max(0.75, Math.min(3.0, textScale))
        // Every attached tool tip is one shared popup: kept off the classification banners
        // (a tip of a top button would sit on the banner above it).
        sharedToolTip.topMargin = Qt.binding(() => topBanner.height + 2)
        sharedToolTip.bottomMargin = Qt.binding(() => bottomBanner.height + 2)
    }
    readonly property var sharedToolTip: sharingButton.ToolTip.toolTip
    // tessera --select UUID / --edit UUID|new: done once the mission is open (then cleared).
    property string startSelection: ""
    property string startEditing: ""
    // tessera --route UUID|NAME|new: the route editor at start on that route, or a new one.
    property string startRoute: ""
    // tessera --find TEXT: the find bar open with that text typed.
    property string startFind: ""
    property alias sharing: sharingController
    property alias mission: missionController
    property alias map: mapItem

    width: 1600
    height: 900
    visible: true
    color: Theme.window
    title: mission.name.length > 0 ? mission.name + " — Tessera" : "Tessera"

    MissionController {
        id: missionController
        objectName: "mission"
        path: window.missionPath
        onRecordsChanged: {
            if (window.startSelection.length > 0) {
                selectedIncident = window.startSelection
                window.startSelection = ""
            }
            if (window.startEditing === "new")
                incidentPanel.startNew()
            else if (window.startEditing.length > 0)
                incidentPanel.editor.edit(window.startEditing)
            window.startEditing = ""
            if (window.startFind.length > 0) {
                findBar.open()
                findBar.field.text = window.startFind
                window.startFind = ""
            }
            if (window.startRoute === "new") {
                window.startRoute = ""
                window.beginRoute()
            } else if (window.startRoute.length > 0) {
                const wanted = window.startRoute
                window.startRoute = ""
                window.incidentsOpen = false
                for (const r of routeDraft.routes)
                    if (r.uuid === wanted || r.name === wanted)
                        routeDraft.edit(r.uuid)
            }
        }
    }

    SharingController {
        id: sharingController
        objectName: "sharing"
        mission: missionController
        identityPath: window.identityPath
        contactsPath: window.contactsPath
    }

    header: ClassificationBanner {
        id: topBanner
        text: missionController.banner
        bannerColor: missionController.bannerColor
    }

    footer: ColumnLayout {
        spacing: 0
        StatusBar {
            Layout.fillWidth: true
            map: mapItem
            mission: missionController
        }
        ClassificationBanner {
            id: bottomBanner
            Layout.fillWidth: true
            text: missionController.banner
            bannerColor: missionController.bannerColor
        }
    }

    MapItem {
        id: mapItem
        objectName: "map"
        anchors.fill: parent
        mission: missionController
        heatmap: window.startHeatmap
        focus: true
        // Labels stay out from under the panels that float over the map.
        labelKeepClear: [
            missionHeader.visible ? Qt.rect(missionHeader.x, missionHeader.y, missionHeader.width, missionHeader.height) : Qt.rect(0, 0, 0, 0),
            toolbar.visible ? Qt.rect(toolbar.x, toolbar.y, toolbar.width, toolbar.height) : Qt.rect(0, 0, 0, 0),
            sharingPanel.visible ? Qt.rect(sharingPanel.x, sharingPanel.y, sharingPanel.width, sharingPanel.height) : Qt.rect(0, 0, 0, 0),
            incidentPanel.visible ? Qt.rect(incidentPanel.x, incidentPanel.y, incidentPanel.width, incidentPanel.height) : Qt.rect(0, 0, 0, 0),
            annotationBar.visible ? Qt.rect(annotationBar.x, annotationBar.y, annotationBar.width, annotationBar.height) : Qt.rect(0, 0, 0, 0),
            findBar.visible ? Qt.rect(findBar.x, findBar.y, findBar.width, findBar.height) : Qt.rect(0, 0, 0, 0),
            routePanel.visible ? Qt.rect(routePanel.x, routePanel.y, routePanel.width, routePanel.height) : Qt.rect(0, 0, 0, 0),
            sidePanelsArea.visible ? Qt.rect(sidePanelsArea.x, sidePanelsArea.y, sidePanelsArea.width, Math.min(sidePanelsArea.height, sidePanels.implicitHeight)) : Qt.rect(0, 0, 0, 0),
            overviewMap.visible ? Qt.rect(overviewMap.x, overviewMap.y, overviewMap.width, overviewMap.height) : Qt.rect(0, 0, 0, 0),
            scaleBar.visible ? Qt.rect(scaleBar.x, scaleBar.y, scaleBar.width, scaleBar.height) : Qt.rect(0, 0, 0, 0),
            Qt.rect(mapControls.x, mapControls.y, mapControls.width, mapControls.height),
            Qt.rect(northArrow.x, northArrow.y, northArrow.width, northArrow.height),
            measureReadout.visible ? Qt.rect(measureReadout.x, measureReadout.y, measureReadout.width, measureReadout.height) : Qt.rect(0, 0, 0, 0),
            timeBar.visible ? Qt.rect(timeBar.x, timeBar.y, timeBar.width, timeBar.height) : Qt.rect(0, 0, 0, 0)
        ]
    }

    // Drop raster or vector files on the map to add them as layers, bundles from other
    // stations (.tsb) to import them (the sharing panel opens to show what happened), and TAK's
    // CoT files and data packages (.cot, .zip) to import their records and overlays.
    DropArea {
        anchors.fill: parent
        enabled: missionController.status === MissionController.Ready
        onDropped: drop => {
            for (const url of drop.urls) {
                if (sharingController.isBundleFile(url)) {
                    window.sharingOpen = true
                    sharingController.importBundle(url)
                } else if (missionController.isExchangeFile(url)) {
                    missionController.importExchangeFile(url)
                } else {
                    missionController.addLayerFile(url)
                }
            }
            drop.accept()
        }
    }

    MissionHeader {
        id: missionHeader
        objectName: "missionHeader"
        anchors.left: parent.left
        anchors.top: parent.top
        anchors.margins: Theme.margin
        mission: missionController
    }

    // The row of buttons beside the mission's header, up to the side column (legend, layers):
    // with larger text or a narrower window it wraps to a second row rather than running off
    // the window or under the legend.
    Flow {
        id: toolbar
        objectName: "toolbar"
        // Above the side column, whose empty corner left of the legend may reach under it.
        z: 3
        anchors.left: missionHeader.right
        anchors.top: parent.top
        anchors.margins: Theme.margin
        width: Math.max(0, sidePanelsArea.x + sidePanelsArea.width - sidePanelsArea.topPanelWidth
                           - Theme.margin - x)
        spacing: Theme.margin
        visible: missionController.status === MissionController.Ready
        // Opens the sharing panel; says when conflicts wait for an analyst.
        Button {
            id: sharingButton
            objectName: "sharingButton"
            visible: missionController.status === MissionController.Ready
            checkable: true
            checked: window.sharingOpen
            onToggled: window.sharingOpen = checked
            implicitHeight: 40
            font.family: Theme.fontFamily
            font.pixelSize: Theme.baseFont
            font.bold: true
            palette.button: checked ? Theme.toolButtonOn : Theme.toolButton
            palette.buttonText: sharingController.conflicts.count > 0 ? Theme.warning : Theme.toolButtonText
            text: "⇄ Sharing" + (sharingController.conflicts.count > 0
                                 ? "  ·  " + sharingController.conflicts.count + " conflict" + (sharingController.conflicts.count > 1 ? "s" : "")
                                 : "")
            ToolTip.text: "Peers, bundles, conflicts and the sharing log"
            ToolTip.visible: hovered
            ToolTip.delay: 500
        }
        // Opens the incident list and editor.
        Button {
            id: incidentsButton
            objectName: "incidentsButton"
            visible: missionController.status === MissionController.Ready
            checkable: true
            checked: window.incidentsOpen
            onToggled: window.incidentsOpen = checked
            implicitHeight: 40
            font.family: Theme.fontFamily
            font.pixelSize: Theme.baseFont
            font.bold: true
            palette.button: checked ? Theme.toolButtonOn : Theme.toolButton
            palette.buttonText: Theme.toolButtonText
            text: "☰ Incidents"
            ToolTip.text: "Find, report and edit incidents (Ctrl+F, Ctrl+N)"
            ToolTip.visible: hovered
            ToolTip.delay: 500
        }
        // The commander's view: the situation in view, in type read from across the room.
        Button {
            id: commanderButton
            objectName: "commanderButton"
            visible: missionController.status === MissionController.Ready
            checkable: true
            checked: window.commanderView
            onToggled: window.commanderView = checked
            implicitHeight: 40
            font.family: Theme.fontFamily
            font.pixelSize: Theme.baseFont
            font.bold: true
            palette.button: checked ? Theme.toolButtonOn : Theme.toolButton
            palette.buttonText: Theme.toolButtonText
            text: "◧ Commander"
            ToolTip.text: "Counts, latest incidents and quiet patrols in view (F2); Ctrl+T light or dark, Ctrl+= and Ctrl+- text size"
            ToolTip.visible: hovered
            ToolTip.delay: 500
        }
        // Export of the view as a briefing product: banner, title, map, legend (PNG or PDF; Ctrl+P).
        Button {
            id: exportButton
            objectName: "exportButton"
            visible: missionController.status === MissionController.Ready
            implicitHeight: 40
            font.family: Theme.fontFamily
            font.pixelSize: Theme.baseFont
            font.bold: true
            palette.button: Theme.toolButton
            palette.buttonText: Theme.toolButtonText
            text: "↓ Export"
            onClicked: exportDialog.open()
            ToolTip.text: window.exportMessage.length > 0 ? window.exportMessage
                          : "The view as PNG or PDF, with the banner and a legend (Ctrl+P)"
            ToolTip.visible: hovered || window.exportMessage.length > 0
            ToolTip.delay: window.exportMessage.length > 0 ? 0 : 500
            ToolTip.timeout: 6000
        }
        Button {
            id: annotateButton
            objectName: "annotateButton"
            visible: missionController.status === MissionController.Ready
            implicitHeight: 40
            checkable: true
            checked: annotationDraft.active
            font.family: Theme.fontFamily
            font.pixelSize: Theme.baseFont
            font.bold: true
            palette.button: checked ? Theme.toolButtonOn : Theme.toolButton
            palette.buttonText: Theme.toolButtonText
            text: "✎ Annotate"
            onClicked: {
                // Decide before cancelling the route: its change signal re-evaluates this button's
                // `checked` binding, which then no longer says what the click asked for.
                const drawing = !annotationDraft.active
                routeDraft.cancel()
                drawing ? annotationDraft.start("point") : annotationDraft.cancel()
            }
            ToolTip.text: "Draw a point, line or area with a note on the map (Ctrl+D)"
            ToolTip.visible: hovered
            ToolTip.delay: 500
        }
        Button {
            id: routeButton
            objectName: "routeButton"
            visible: missionController.status === MissionController.Ready
            implicitHeight: 40
            checkable: true
            checked: routeDraft.active
            font.family: Theme.fontFamily
            font.pixelSize: Theme.baseFont
            font.bold: true
            palette.button: checked ? Theme.toolButtonOn : Theme.toolButton
            palette.buttonText: Theme.toolButtonText
            text: "↝ Route"
            onClicked: checked ? window.beginRoute() : routeDraft.cancel()
            ToolTip.text: "Plan a patrol route on the map, or edit one, and import its GPX track (Ctrl+R)"
            ToolTip.visible: hovered
            ToolTip.delay: 500
        }
        // Find by typing (Ctrl+K): places, regions and typed positions; a marker where it lands.
        Button {
            id: findButton
            objectName: "findButton"
            visible: missionController.status === MissionController.Ready
            implicitHeight: 40
            checkable: true
            checked: findBar.visible
            font.family: Theme.fontFamily
            font.pixelSize: Theme.baseFont
            font.bold: true
            palette.button: checked ? Theme.toolButtonOn : Theme.toolButton
            palette.buttonText: Theme.toolButtonText
            text: "⌕ Find"
            onClicked: checked ? findBar.open() : (findBar.visible = false)
            ToolTip.text: "Find a place, a region or a typed position: decimal degrees, DMS, UTM or MGRS (Ctrl+K)"
            ToolTip.visible: hovered
            ToolTip.delay: 500
        }
    }




    property string exportMessage: ""

    // Annotations: a point, line or area drawn on the map with its text (Ctrl+D).
    AnnotationDraft {
        id: annotationDraft
        objectName: "annotationDraft"
        mission: missionController
        map: mapItem
    }
    // Routes: a patrol's plan drawn on the map, timed, and its GPX track (Ctrl+R).
    RouteDraft {
        id: routeDraft
        objectName: "routeDraft"
        mission: missionController
        map: mapItem
    }
    FindBar {
        id: findBar
        objectName: "findBar"
        anchors.top: toolbar.bottom
        anchors.topMargin: Theme.margin
        anchors.horizontalCenter: parent.horizontalCenter
        width: Math.min(parent.width - 2 * Theme.margin, Math.round(560 * Theme.textScale))
        z: 8
        visible: false
        map: mapItem
        mission: missionController
        onCloseRequested: {
            visible = false
            mapItem.forceActiveFocus()
        }
        onChosen: result => window.goTo(result)
    }
    Shortcut {
        sequence: "Ctrl+K"
        enabled: missionController.status === MissionController.Ready
        onActivated: findBar.open()
    }
    // Shows what was found: an area fills the view; a place or a position is shown with some
    // country around it (a position closer), marked, and the bar closes.
    function goTo(result) {
        const e = result.extent
        if (e && e.width > 0 && e.height > 0) {
            mapItem.showExtent(e.x - e.width * 0.1, e.y - e.height * 0.1,
                               e.x + e.width * 1.1, e.y + e.height * 1.1)
        } else {
            const half = result.kind === "position" ? 0.03 : 0.12
            mapItem.showExtent(result.lon - half, result.lat - half, result.lon + half, result.lat + half)
        }
        foundMarker.show(result)
        findBar.visible = false
        mapItem.forceActiveFocus()
    }
    function beginRoute() {
        annotationDraft.cancel()
        window.incidentsOpen = false
        window.sharingOpen = false
        routeDraft.start()
    }
    RoutePanel {
        id: routePanel
        objectName: "routePanel"
        anchors.left: parent.left
        anchors.top: missionHeader.bottom
        anchors.margins: Theme.margin
        z: 5
        width: Math.round(440 * Theme.textScale)
        visible: routeDraft.active
        draft: routeDraft
    }
    Shortcut {
        sequence: "Ctrl+R"
        enabled: missionController.status === MissionController.Ready
        onActivated: routeDraft.active ? routeDraft.cancel() : window.beginRoute()
    }
    AnnotationBar {
        id: annotationBar
        objectName: "annotationBar"
        anchors.horizontalCenter: parent.horizontalCenter
        anchors.top: toolbar.bottom
        anchors.topMargin: Theme.margin
        visible: annotationDraft.active
        draft: annotationDraft
    }
    // What an undo or redo did, for a few seconds above the time bar.
    Rectangle {
        id: historyToast
        objectName: "historyToast"
        anchors.horizontalCenter: parent.horizontalCenter
        anchors.bottom: timeBar.visible ? timeBar.top : parent.bottom
        anchors.bottomMargin: Theme.margin + (measureReadout.visible ? measureReadout.height + Theme.margin : 0)
        width: toastText.implicitWidth + 24
        height: toastText.implicitHeight + 14
        radius: 6
        color: Theme.panel
        border.color: Theme.panelBorder
        visible: false
        Text {
            id: toastText
            anchors.centerIn: parent
            text: missionController.history.message
            color: Theme.text
            font.family: Theme.fontFamily
            font.pixelSize: Theme.baseFont
        }
        Timer {
            id: toastTimer
            interval: 4000
            onTriggered: historyToast.visible = false
        }
        Connections {
            target: missionController.history
            function onChanged() {
                if (missionController.history.message.length > 0) {
                    historyToast.visible = true
                    toastTimer.restart()
                }
            }
        }
    }

    // Undo and redo of edits (incidents saved, annotations drawn).
    Shortcut {
        sequences: [StandardKey.Undo]
        enabled: missionController.history.canUndo
        onActivated: missionController.history.undo()
    }
    Shortcut {
        sequences: [StandardKey.Redo]
        enabled: missionController.history.canRedo
        onActivated: missionController.history.redo()
    }
    Shortcut {
        sequence: "Ctrl+D"
        enabled: missionController.status === MissionController.Ready
        onActivated: {
            routeDraft.cancel()
            annotationDraft.active ? annotationDraft.cancel() : annotationDraft.start("point")
        }
    }
    SaveDialog {
        id: exportDialog
        objectName: "exportDialog"
        title: "Export the view"
        nameFilters: ["PDF (*.pdf)", "PNG image (*.png)"]
        onSaved: file => missionController.exportView(file, mapItem.geoExtent,
                                                      Qt.size(mapItem.width, mapItem.height),
                                                      timeBar.timeBar.label)
    }
    Connections {
        target: missionController
        function onExported(path, error) {
            window.exportMessage = error.length > 0 ? "Not exported: " + error : "Exported to " + path
        }
    }
    Shortcut {
        sequences: [StandardKey.Print]
        enabled: missionController.status === MissionController.Ready
        onActivated: exportDialog.open()
    }

    IncidentPanel {
        id: incidentPanel
        objectName: "incidentPanel"
        anchors.left: parent.left
        anchors.top: missionHeader.bottom
        anchors.bottom: parent.bottom
        anchors.margins: Theme.margin
        width: Math.min(520, Math.max(400, window.width * 0.3))
        visible: window.incidentsOpen && missionController.status === MissionController.Ready
        mission: missionController
        map: mapItem
        releaseAudiences: sharingController.releaseAudiences
        onCloseRequested: window.incidentsOpen = false
        onImportRequested: importDialog.open()
    }

    // Importing a file of records: the dialog, and while it runs, what has been read and Cancel.
    FileDialog {
        id: importDialog
        title: "Import incidents, routes and annotations"
        fileMode: FileDialog.OpenFile
        nameFilters: ["Records (*.geojson *.json *.csv *.kml *.kmz *.gpx *.gpkg *.shp *.fgb)",
                      "All files (*)"]
        currentFolder: FileChoices.folder
        onAccepted: {
            FileChoices.chosen(selectedFile)
            missionController.importRecordsFile(selectedFile)
        }
    }
    Shortcut {
        sequence: "Ctrl+I"
        enabled: missionController.status === MissionController.Ready
                 && missionController.importingFile.length === 0
        onActivated: importDialog.open()
    }
    Rectangle {
        id: importProgress
        objectName: "importProgress"
        anchors.horizontalCenter: parent.horizontalCenter
        anchors.bottom: timeBar.visible ? timeBar.top : parent.bottom
        anchors.bottomMargin: Theme.margin
        z: 6
        visible: missionController.importingFile.length > 0
        width: importRow.implicitWidth + 24
        height: importRow.implicitHeight + 16
        radius: 6
        color: Theme.panel
        border.color: Theme.panelBorder
        RowLayout {
            id: importRow
            anchors.centerIn: parent
            spacing: 10
            BusyIndicator {
                running: importProgress.visible
                Layout.preferredWidth: 24
                Layout.preferredHeight: 24
            }
            Text {
                objectName: "importProgressText"
                text: "Importing " + missionController.importingFile + " … "
                      + Number(missionController.importedFeatures).toLocaleString(Qt.locale("en_GB"), "f", 0)
                      + " features read"
                color: Theme.text
                font.family: Theme.fontFamily
                font.pixelSize: Theme.baseFont
            }
            Button {
                objectName: "importCancel"
                text: "Cancel"
                font.family: Theme.fontFamily
                font.pixelSize: Theme.smallFont
                onClicked: missionController.cancelRecordsImport()
            }
        }
    }

    // Keyboard: find (Ctrl+F), new incident (Ctrl+N), edit the selected one (Ctrl+E), save the
    // form (Ctrl+S), leave it, or else clear the selection and the measuring tools (Esc).
    Shortcut {
        sequences: [StandardKey.Find]
        enabled: missionController.status === MissionController.Ready
        onActivated: {
            window.incidentsOpen = true
            incidentPanel.editor.close()
            incidentPanel.searchField.forceActiveFocus()
            incidentPanel.searchField.selectAll()
        }
    }
    Shortcut {
        sequences: [StandardKey.New]
        enabled: missionController.status === MissionController.Ready
        onActivated: {
            window.incidentsOpen = true
            incidentPanel.startNew()
        }
    }
    Shortcut {
        sequence: "Ctrl+E"
        enabled: missionController.selectedIncident.length > 0
        onActivated: {
            window.incidentsOpen = true
            incidentPanel.editSelected()
        }
    }
    Shortcut {
        sequences: [StandardKey.Delete]
        enabled: missionController.selectedIncident.length > 0 && !incidentPanel.editor.active
                 && !missionController.history.busy
        onActivated: missionController.history.deleteIncident(missionController.selectedIncident)
    }
    HelpSheet {
        id: helpSheet
        objectName: "helpSheet"
    }
    Shortcut {
        sequence: "F1"
        onActivated: helpSheet.visible ? helpSheet.close() : helpSheet.open()
    }
    Shortcut {
        sequence: "F2"
        enabled: missionController.status === MissionController.Ready
        onActivated: window.commanderView = !window.commanderView
    }
    Shortcut {
        sequence: "Ctrl+T"
        onActivated: Theme.dark = !Theme.dark
    }
    Shortcut {
        sequences: ["Ctrl+=", "Ctrl++"]
        onActivated: Theme.textScale = Math.min(3.0, Theme.textScale + 0.25)
    }
    Shortcut {
        sequence: "Ctrl+-"
        onActivated: Theme.textScale = Math.max(0.75, Theme.textScale - 0.25)
    }
    Shortcut {
        sequences: [StandardKey.Save]
        enabled: incidentPanel.visible && incidentPanel.editor.active
        onActivated: incidentPanel.editor.save()
    }
    Shortcut {
        sequence: "Esc"
        onActivated: {
            if (findBar.visible) {
                findBar.visible = false
            } else if (annotationDraft.active) {
                annotationDraft.cancel()
            } else if (routeDraft.active) {
                routeDraft.cancel()
            } else if (incidentPanel.visible && incidentPanel.editor.active) {
                incidentPanel.editor.close()
            } else {
                // What Esc did on the map before: clear the measurement and range rings.
                missionController.selectedIncident = ""
                mapItem.clearMeasure()
                foundMarker.clear()
            }
        }
    }

    SharingPanel {
        id: sharingPanel
        objectName: "sharingPanel"
        anchors.left: parent.left
        anchors.top: missionHeader.bottom
        anchors.margins: Theme.margin
        width: Math.min(640, Math.max(420, window.width * 0.36))
        height: Math.min(neededHeight, parent.height - y - Theme.margin)
        visible: window.sharingOpen && missionController.status === MissionController.Ready
        sharing: sharingController
        onCloseRequested: window.sharingOpen = false
    }

    // Legend and layers down the right edge, never over the map controls: when they are taller
    // than the room above the controls (many layers, style editors open), they scroll.
    Flickable {
        id: sidePanelsArea
        objectName: "sidePanels"
        anchors.right: parent.right
        // The toolbar stops short of the top panel (right-aligned in the column, which may be
        // wider than it) and wraps instead.
        readonly property real topPanelWidth: window.commanderView ? commanderPanel.width : legendPanel.width
        anchors.top: parent.top
        anchors.bottom: mapControls.top
        anchors.margins: Theme.margin
        width: sidePanels.implicitWidth
        contentWidth: sidePanels.implicitWidth
        contentHeight: sidePanels.implicitHeight
        clip: true
        boundsBehavior: Flickable.StopAtBounds
        interactive: contentHeight > height
        visible: missionController.status === MissionController.Ready
        ScrollBar.vertical: ScrollBar { policy: sidePanelsArea.interactive ? ScrollBar.AsNeeded : ScrollBar.AlwaysOff }
        ColumnLayout {
            id: sidePanels
            width: implicitWidth
            spacing: Theme.margin
            CommanderPanel {
                id: commanderPanel
                objectName: "commanderPanel"
                Layout.alignment: Qt.AlignRight
                visible: window.commanderView
                mission: missionController
                map: mapItem
                sharing: sharingController
            }
            LegendPanel {
                id: legendPanel
                objectName: "legendPanel"
                Layout.alignment: Qt.AlignRight
                // The commander's panel has the counts and the routes' key.
                visible: !window.commanderView
                mission: missionController
            }
            LayerPanel {
                Layout.alignment: Qt.AlignRight
                visible: !window.commanderView
                mission: missionController
                map: mapItem
            }
        }
    }

    MapControls {
        id: mapControls
        objectName: "mapControls"
        anchors.right: parent.right
        anchors.bottom: parent.bottom
        anchors.margins: Theme.margin
        map: mapItem
    }

    // North is always up in Web Mercator: the arrow says so for readers of printed views.
    Column {
        id: northArrow
        objectName: "northArrow"
        anchors.right: mapControls.left
        anchors.bottom: parent.bottom
        anchors.margins: Theme.margin
        visible: missionController.status === MissionController.Ready
        Text {
            anchors.horizontalCenter: parent.horizontalCenter
            text: "▲"
            color: "white"
            style: Text.Outline
            styleColor: "black"
            font.pixelSize: 22
        }
        Text {
            anchors.horizontalCenter: parent.horizontalCenter
            text: "N"
            color: "white"
            style: Text.Outline
            styleColor: "black"
            font.family: Theme.fontFamily
            font.pixelSize: Theme.baseFont
            font.bold: true
        }
    }

    // Where a find landed: a ring on the spot and what was found, until Esc or another find.
    MapPin {
        id: foundMarker
        objectName: "foundMarker"
        property var found: null
        map: mapItem
        z: 4
        visible: found !== null
        lon: found ? found.lon : NaN
        lat: found ? found.lat : NaN
        label: found ? found.label : ""
        labelItem.objectName: "foundLabel"
        function show(result) { found = result }
        function clear() { found = null }
    }
    // Where the incident in the form will be: moves with a click on the map (the Place tool),
    // a grid reference or the latitude and longitude typed.
    MapPin {
        id: formMarker
        objectName: "formMarker"
        readonly property var editor: incidentPanel.editor
        map: mapItem
        z: 4
        colour: "#4cc9f0"
        visible: incidentPanel.visible && editor.active && !isNaN(lon) && !isNaN(lat)
        lon: parseFloat(editor.lon)
        lat: parseFloat(editor.lat)
        label: editor.title.length > 0 ? editor.title : (editor.uuid.length > 0 ? "" : "New incident")
    }

    // The incident under the pointer: what it is, beside its marker.
    Rectangle {
        id: hoverCard
        objectName: "hoverCard"
        readonly property var info: mapItem.hovered
        visible: info.uuid !== undefined
        x: Math.min(parent.width - width - Theme.margin, (info.x || 0) + 16)
        y: Math.max(Theme.margin, (info.y || 0) - height - 8)
        width: hoverColumn.implicitWidth + 20
        height: hoverColumn.implicitHeight + 12
        radius: 5
        color: Theme.panel
        border.color: Theme.panelBorder
        Column {
            id: hoverColumn
            anchors.centerIn: parent
            Text {
                text: hoverCard.info.title || ""
                color: Theme.text
                font.family: Theme.fontFamily
                font.pixelSize: Theme.baseFont
                font.bold: true
            }
            Text {
                text: (hoverCard.info.severity || "") + " · " + (hoverCard.info.category || "") + " · "
                      + (hoverCard.info.status || "") + " · " + (hoverCard.info.observed || "")
                color: Theme.mutedText
                font.family: Theme.fontFamily
                font.pixelSize: Theme.smallFont
            }
        }
    }

    // The time window of the whole picture, with its histogram and playback.
    TimePanel {
        id: timeBar
        objectName: "timePanel"
        // Centred in the room between the scale bar and the north arrow.
        readonly property real roomLeft: scaleBar.x + scaleBar.width + Theme.margin
        readonly property real room: northArrow.x - Theme.margin - roomLeft
        x: roomLeft + (room - width) / 2
        anchors.bottom: parent.bottom
        anchors.bottomMargin: Theme.margin
        width: Math.min(implicitWidth, room)
        visible: missionController.status === MissionController.Ready && room > 360
        mission: missionController
    }

    // What the measuring tool and the range rings say.
    Rectangle {
        id: measureReadout
        anchors.horizontalCenter: parent.horizontalCenter
        anchors.bottom: timeBar.visible ? timeBar.top : parent.bottom
        anchors.margins: Theme.margin
        visible: mapItem.measureText.length > 0
        width: measureLabel.implicitWidth + 24
        height: measureLabel.implicitHeight + 14
        radius: 6
        color: Theme.panel
        border.color: "#ffd23f"
        Text {
            id: measureLabel
            anchors.centerIn: parent
            text: mapItem.measureText
            color: Theme.text
            font.family: Theme.fontFamily
            font.pixelSize: Theme.baseFont
            font.bold: true
        }
    }

    OverviewMap {
        id: overviewMap
        objectName: "overviewMap"
        anchors.left: parent.left
        anchors.bottom: parent.bottom
        anchors.margins: Theme.margin
        mission: missionController
        mainMap: mapItem
        // Under the sharing and incident panels when those are open.
        visible: missionController.status === MissionController.Ready && !sharingPanel.visible
                 && !incidentPanel.visible
    }

    ScaleBar {
        id: scaleBar
        objectName: "scaleBar"
        anchors.left: sharingPanel.visible ? sharingPanel.right
                    : incidentPanel.visible ? incidentPanel.right : overviewMap.right
        anchors.bottom: parent.bottom
        anchors.margins: Theme.margin
        map: mapItem
        visible: missionController.status === MissionController.Ready
    }

    // What went wrong when the mission cannot be opened: the file and the reason.
    Rectangle {
        anchors.centerIn: parent
        width: Math.min(parent.width - 80, 720)
        height: errorColumn.implicitHeight + 40
        visible: missionController.status === MissionController.Failed
                 || missionController.status === MissionController.Empty
        color: Theme.panel
        border.color: missionController.status === MissionController.Failed ? Theme.error : Theme.panelBorder
        radius: 8
        ColumnLayout {
            id: errorColumn
            anchors.fill: parent
            anchors.margins: 20
            spacing: 10
            Text {
                text: missionController.status === MissionController.Failed ? "The mission could not be opened" : "No mission open"
                color: missionController.status === MissionController.Failed ? Theme.error : Theme.text
                font.family: Theme.fontFamily
                font.pixelSize: Theme.titleFont
                font.bold: true
            }
            Text {
                Layout.fillWidth: true
                text: missionController.status === MissionController.Failed ? missionController.errorMessage
                    : "Start Tessera with --mission FILE (see tessera --help)."
                color: Theme.text
                wrapMode: Text.Wrap
                font.family: Theme.fontFamily
                font.pixelSize: Theme.baseFont
            }
        }
    }
}
