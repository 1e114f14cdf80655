import QtQuick
import QtQuick.Controls
import QtQuick.Dialogs
import QtQuick.Layouts
import Tessera.Map

// Sharing with other stations (docs/sharing.md, "In the app"): this station's identity, its
// peers with last sync and pending changes, conflicts to resolve, and the sharing log. Every
// action goes to the SharingController, which does the work on its own thread and says what
// happened, or exactly why not, in `message`.
Rectangle {
    id: panel
    required property SharingController sharing
    signal closeRequested()

    readonly property color okColour: "#5fd39a"
    readonly property bool unlocked: sharing.identityState === SharingController.Unlocked
    readonly property int contentWidth: width - 2 * Theme.margin
    /// The height that shows everything without scrolling: the window caps it (Main.qml), so a
    /// panel with little in it (no identity yet) is short instead of a tall empty box.
    readonly property real neededHeight: column.implicitHeight + 2 * Theme.margin

    color: Theme.panel
    border.color: Theme.panelBorder
    radius: 6

    // The peer a bundle is being written for while the dialog is open.
    property string exportPeer: ""
    property string exportPeerName: ""

    SaveDialog {
        id: exportDialog
        title: "Write a bundle for " + panel.exportPeerName
        nameFilters: ["Tessera bundles (*.tsb)"]
        onSaved: file => panel.sharing.exportBundle(panel.exportPeer, file)
    }
    FileDialog {
        id: importDialog
        title: "Import a bundle"
        fileMode: FileDialog.OpenFile
        nameFilters: ["Tessera bundles (*.tsb)", "All files (*)"]
        currentFolder: FileChoices.folder
        onAccepted: {
            FileChoices.chosen(selectedFile)
            panel.sharing.importBundle(selectedFile)
        }
    }
    FileDialog {
        id: brokerCaDialog
        title: "The broker's certificate"
        fileMode: FileDialog.OpenFile
        nameFilters: ["Certificates (*.crt *.pem)", "All files (*)"]
        currentFolder: FileChoices.folder
        onAccepted: {
            FileChoices.chosen(selectedFile)
            panel.brokerCa = selectedFile
        }
    }
    // The broker certificate chosen for the next connection.
    property url brokerCa: ""
    // Revoking cannot be taken back (the key is refused from then on): asked first.
    MessageDialog {
        id: revokeConfirm
        objectName: "revokeConfirm"
        property string fingerprintHex: ""
        property string peerName: ""
        title: "Revoke " + peerName + "?"
        text: "Stop trusting " + peerName + "? Nothing more goes to it and nothing from it is applied; its key stays refused."
        buttons: MessageDialog.Yes | MessageDialog.No
        onButtonClicked: (button, role) => {
            if (button === MessageDialog.Yes)
                panel.sharing.revokeContact(fingerprintHex, "revoked from the sharing panel")
        }
    }
    FileDialog {
        id: cardDialog
        title: "A station's card"
        fileMode: FileDialog.OpenFile
        nameFilters: ["Contact cards (*.card *.txt)", "All files (*)"]
        currentFolder: FileChoices.folder
        onAccepted: {
            FileChoices.chosen(selectedFile)
            cardInput.text = decodeURIComponent(selectedFile.toString().replace(/^file:\/\//, ""))
        }
    }
    SaveDialog {
        id: auditDialog
        title: "Export the sharing audit"
        nameFilters: ["CSV (*.csv)"]
        onSaved: file => panel.sharing.exportAudit(file)
    }

    // A bundle dropped while locked waits for the passphrase: ask for it.
    Connections {
        target: panel.sharing
        function onFinished(operation, ok, message) {
            if (operation === "import-waiting")
                passphrase.forceActiveFocus()
        }
    }

    function startExport(fingerprintHex, name) {
        exportPeer = fingerprintHex
        exportPeerName = name
        exportDialog.suggestedName = sharing.suggestedBundleName(name)
        exportDialog.open()
    }

    // Fingerprints are read aloud in groups: eight groups a line.
    function fingerprintLines(text) {
        const groups = text.split(" ")
        return groups.slice(0, 8).join(" ") + (groups.length > 8 ? "\n" + groups.slice(8).join(" ") : "")
    }

    component SectionTitle: Text {
        Layout.fillWidth: true
        Layout.topMargin: 6
        color: Theme.mutedText
        font.family: Theme.fontFamily
        font.pixelSize: Theme.smallFont
        font.bold: true
    }
    component Body: Text {
        Layout.fillWidth: true
        color: Theme.text
        font.family: Theme.fontFamily
        font.pixelSize: Theme.baseFont
        wrapMode: Text.Wrap
    }
    component Small: Text {
        Layout.fillWidth: true
        color: Theme.mutedText
        font.family: Theme.fontFamily
        font.pixelSize: Theme.smallFont
        wrapMode: Text.Wrap
    }
    component Separator: Rectangle {
        Layout.fillWidth: true
        implicitHeight: 1
        color: Theme.panelBorder
    }
    component ActionButton: Button {
        implicitHeight: 30
        font.family: Theme.fontFamily
        font.pixelSize: Theme.smallFont + 1
        palette.button: "#2c4a6e"
        palette.buttonText: "white"
        opacity: enabled ? 1 : 0.4 // what cannot be done yet must look it
        ToolTip.delay: 500
        ToolTip.visible: hovered && ToolTip.text.length > 0
    }

    Flickable {
        id: flick
        anchors.fill: parent
        anchors.margins: Theme.margin
        contentWidth: width
        contentHeight: column.implicitHeight
        clip: true
        boundsBehavior: Flickable.StopAtBounds
        ScrollBar.vertical: ScrollBar { policy: flick.contentHeight > flick.height ? ScrollBar.AlwaysOn : ScrollBar.AlwaysOff }

        ColumnLayout {
            id: column
            width: flick.width - 14
            spacing: 6

            RowLayout {
                Layout.fillWidth: true
                Text {
                    Layout.fillWidth: true
                    text: "SHARING"
                    color: Theme.text
                    font.family: Theme.fontFamily
                    font.pixelSize: Theme.titleFont
                    font.bold: true
                }
                BusyIndicator {
                    implicitWidth: 26
                    implicitHeight: 26
                    running: panel.sharing.busy
                    visible: running
                }
                ToolButton {
                    objectName: "closeSharing"
                    text: "✕"
                    palette.buttonText: Theme.text
                    onClicked: panel.closeRequested()
                    ToolTip.text: "Close the sharing panel"
                    ToolTip.visible: hovered
                    ToolTip.delay: 500
                }
            }

            // What the last action did, or exactly why it was refused.
            Rectangle {
                objectName: "sharingMessage"
                Layout.fillWidth: true
                visible: panel.sharing.message.length > 0
                implicitHeight: messageText.implicitHeight + 16
                radius: 4
                color: panel.sharing.messageIsError ? "#40ff6b5e" : panel.sharing.messageIsWaiting ? "#40ffb020" : "#305fd39a"
                border.color: panel.sharing.messageIsError ? Theme.error : panel.sharing.messageIsWaiting ? Theme.warning : panel.okColour
                Text {
                    id: messageText
                    anchors.fill: parent
                    anchors.margins: 8
                    text: (panel.sharing.messageIsError ? "✖ " : panel.sharing.messageIsWaiting ? "● " : "✔ ") + panel.sharing.message
                    color: Theme.text
                    font.family: Theme.fontFamily
                    font.pixelSize: Theme.baseFont
                    wrapMode: Text.Wrap
                }
            }

            // ---- this station ----
            SectionTitle { text: "THIS STATION" }
            Body {
                visible: panel.sharing.stationName.length > 0
                text: panel.sharing.stationName
                font.bold: true
                font.pixelSize: Theme.titleFont - 2
            }
            Body {
                visible: panel.sharing.stationName.length > 0
                text: panel.sharing.organisation + "  ·  cleared " + panel.sharing.clearance
                      + (panel.sharing.communities.length > 0 ? "  ·  " + panel.sharing.communities : "")
            }
            Text {
                visible: panel.sharing.fingerprint.length > 0
                Layout.fillWidth: true
                text: panel.fingerprintLines(panel.sharing.fingerprint)
                color: Theme.text
                font.family: "DejaVu Sans Mono"
                font.pixelSize: Theme.smallFont + 1
            }
            Small {
                visible: panel.sharing.identityError.length > 0
                         && panel.sharing.identityState !== SharingController.Missing
                text: panel.sharing.identityError
                color: Theme.error
            }
            // No identity yet: made here (tessera-cli identity create does the same).
            ColumnLayout {
                id: createForm
                objectName: "createIdentity"
                Layout.fillWidth: true
                visible: panel.sharing.identityState === SharingController.Missing
                spacing: 4
                readonly property var strength: panel.sharing.passphraseStrength(newPass.text)
                readonly property bool ready: stationName.text.trim().length > 0
                                              && stationOrg.text.trim().length > 0
                                              && strength.ok && newPass.text === newPass2.text
                Body { text: "This station has no identity yet: its keys and its card, which peers trust." }
                TextField {
                    id: stationName
                    objectName: "newStationName"
                    Layout.fillWidth: true
                    placeholderText: "Station name (SECTOR EAST JOC)"
                    font.family: Theme.fontFamily
                    font.pixelSize: Theme.baseFont
                }
                RowLayout {
                    Layout.fillWidth: true
                    TextField {
                        id: stationOrg
                        objectName: "newStationOrg"
                        Layout.preferredWidth: Math.round(110 * Theme.textScale)
                        placeholderText: "Nation (NLD)"
                        font.family: Theme.fontFamily
                        font.pixelSize: Theme.baseFont
                    }
                    TextField {
                        id: stationCommunities
                        objectName: "newStationCommunities"
                        Layout.fillWidth: true
                        placeholderText: "Communities, comma separated (UN, MINUSMA)"
                        font.family: Theme.fontFamily
                        font.pixelSize: Theme.baseFont
                    }
                }
                RowLayout {
                    Layout.fillWidth: true
                    Small { Layout.fillWidth: false; text: "Cleared up to" }
                    ComboBox {
                        id: stationClearance
                        objectName: "newStationClearance"
                        Layout.fillWidth: true
                        font.family: Theme.fontFamily
                        font.pixelSize: Theme.smallFont
                        model: ["UNCLASSIFIED", "RESTRICTED", "CONFIDENTIAL", "SECRET"]
                    }
                }
                TextField {
                    id: newPass
                    objectName: "newPassphrase"
                    Layout.fillWidth: true
                    echoMode: TextInput.Password
                    placeholderText: "Passphrase (12 characters or more, hard to guess)"
                    font.family: Theme.fontFamily
                    font.pixelSize: Theme.baseFont
                }
                TextField {
                    id: newPass2
                    objectName: "newPassphraseAgain"
                    Layout.fillWidth: true
                    echoMode: TextInput.Password
                    placeholderText: "The passphrase again"
                    font.family: Theme.fontFamily
                    font.pixelSize: Theme.baseFont
                    onAccepted: if (createForm.ready) createButton.clicked()
                }
                Small {
                    objectName: "passphraseStrength"
                    visible: newPass.text.length > 0
                    text: (createForm.strength.ok ? "✔ Strong enough: about " : "✖ ")
                          + (createForm.strength.ok ? Math.round(createForm.strength.bits) + " bits"
                                                    : createForm.strength.reason)
                          + (newPass2.text.length > 0 && newPass2.text !== newPass.text ? "  ·  the two differ" : "")
                    color: createForm.strength.ok && (newPass2.text.length === 0 || newPass2.text === newPass.text)
                           ? panel.okColour : Theme.error
                }
                ActionButton {
                    id: createButton
                    objectName: "createIdentityButton"
                    text: panel.sharing.busy ? "Creating…" : "Create identity"
                    enabled: createForm.ready && !panel.sharing.busy
                    onClicked: {
                        panel.sharing.createIdentity(stationName.text, stationOrg.text,
                                                     stationCommunities.text,
                                                     stationClearance.currentText, newPass.text)
                        newPass.clear() // never kept
                        newPass2.clear()
                    }
                }
            }
            // The card to give to peers, with the fingerprint above to read to them.
            ColumnLayout {
                Layout.fillWidth: true
                visible: panel.sharing.cardText.length > 0
                spacing: 4
                RowLayout {
                    Layout.fillWidth: true
                    Small { text: "Your card: give it to peers, then read them the fingerprint above." }
                    ActionButton {
                        objectName: "copyCard"
                        text: "Copy card"
                        onClicked: {
                            cardTextArea.selectAll()
                            cardTextArea.copy()
                            cardTextArea.deselect()
                        }
                    }
                }
                TextArea {
                    id: cardTextArea
                    objectName: "cardText"
                    Layout.fillWidth: true
                    Layout.maximumHeight: Math.round(64 * Theme.textScale)
                    readOnly: true
                    selectByMouse: true
                    wrapMode: TextEdit.WrapAnywhere
                    text: panel.sharing.cardText
                    font.family: "DejaVu Sans Mono"
                    font.pixelSize: Theme.smallFont - 1
                }
            }
            RowLayout {
                Layout.fillWidth: true
                visible: panel.sharing.identityState === SharingController.Locked
                         || panel.sharing.identityState === SharingController.Unlocking
                spacing: 6
                TextField {
                    id: passphrase
                    objectName: "passphrase"
                    Layout.fillWidth: true
                    echoMode: TextInput.Password
                    placeholderText: "Passphrase to unlock the station's keys"
                    font.family: Theme.fontFamily
                    font.pixelSize: Theme.baseFont
                    enabled: panel.sharing.identityState === SharingController.Locked
                    onAccepted: unlockButton.clicked()
                }
                ActionButton {
                    id: unlockButton
                    objectName: "unlockButton"
                    text: panel.sharing.identityState === SharingController.Unlocking ? "Unlocking…" : "Unlock"
                    enabled: passphrase.text.length > 0 && panel.sharing.identityState === SharingController.Locked
                    onClicked: {
                        panel.sharing.unlock(passphrase.text)
                        passphrase.clear() // never kept
                    }
                }
            }
            RowLayout {
                Layout.fillWidth: true
                spacing: 6
                Text {
                    Layout.fillWidth: true
                    text: panel.unlocked ? "● Unlocked: bundles can be exported and imported"
                                         : "○ Locked: unlock to export or import bundles"
                    color: panel.unlocked ? panel.okColour : Theme.mutedText
                    font.family: Theme.fontFamily
                    font.pixelSize: Theme.smallFont + 1
                    visible: panel.sharing.identityState === SharingController.Unlocked
                             || panel.sharing.identityState === SharingController.Locked
                }
                ActionButton {
                    visible: panel.unlocked
                    text: "Lock"
                    onClicked: panel.sharing.lock()
                }
                ActionButton {
                    objectName: "importBundle"
                    text: "Import bundle…"
                    enabled: panel.unlocked
                    ToolTip.text: "Or drop a .tsb file on the map"
                    onClicked: importDialog.open()
                }
            }
            Small {
                visible: panel.sharing.stateError.length > 0
                text: panel.sharing.stateError
                color: Theme.error
            }

            // ---- trusting a card ----
            // Pasted or from a file; read and checked on the worker; trusted only when the
            // fingerprint its owner reads out matches (ContactBook::importCard decides).
            SectionTitle { text: "TRUST A STATION'S CARD"; visible: panel.sharing.cardText.length > 0 }
            ColumnLayout {
                id: trustForm
                objectName: "trustCard"
                Layout.fillWidth: true
                visible: panel.sharing.cardText.length > 0
                spacing: 4
                property var card: ({})
                function normalise(text) { return text.replace(/[\s:-]/g, "").toLowerCase() }
                readonly property bool matches: card.ok === true && typedFingerprint.text.length > 0
                    && normalise(card.fingerprint).startsWith(normalise(typedFingerprint.text))
                    && normalise(typedFingerprint.text).length >= 32
                Connections {
                    target: panel.sharing
                    function onCardRead(card) { trustForm.card = card }
                    function onFinished(operation, ok, message) {
                        if (operation === "trust-card" && ok) {
                            cardInput.clear()
                            typedFingerprint.clear()
                            trustForm.card = ({})
                        }
                    }
                }
                RowLayout {
                    Layout.fillWidth: true
                    TextField {
                        id: cardInput
                        objectName: "cardInput"
                        Layout.fillWidth: true
                        placeholderText: "Paste a card (tessera-card:…)"
                        font.family: Theme.fontFamily
                        font.pixelSize: Theme.smallFont + 1
                        onTextChanged: if (text.trim().length > 0) panel.sharing.readCard(text.trim())
                                       else trustForm.card = ({})
                    }
                    ActionButton {
                        text: "From file…"
                        onClicked: cardDialog.open()
                    }
                }
                Small {
                    objectName: "cardSummary"
                    visible: trustForm.card.ok !== undefined
                    text: trustForm.card.ok ? "✔ " + trustForm.card.name + "  ·  " + trustForm.card.organisation
                                              + "  ·  cleared " + trustForm.card.clearance
                                              + (trustForm.card.communities ? "  ·  " + trustForm.card.communities : "")
                                              + (trustForm.card.known ? "  ·  already trusted" : "")
                                              + ((trustForm.card.changes || []).length > 0
                                                 ? "\nDiffers from the trusted card: " + trustForm.card.changes.join("; ") : "")
                                            : "✖ " + trustForm.card.error
                    color: trustForm.card.ok ? Theme.text : Theme.error
                }
                Text {
                    objectName: "cardFingerprint"
                    visible: trustForm.card.ok === true
                    Layout.fillWidth: true
                    text: trustForm.card.ok ? panel.fingerprintLines(trustForm.card.fingerprint) : ""
                    color: Theme.text
                    font.family: "DejaVu Sans Mono"
                    font.pixelSize: Theme.smallFont + 1
                }
                TextField {
                    id: typedFingerprint
                    objectName: "typedFingerprint"
                    Layout.fillWidth: true
                    visible: trustForm.card.ok === true
                    placeholderText: "The fingerprint as its owner reads it to you (8 groups or more)"
                    font.family: "DejaVu Sans Mono"
                    font.pixelSize: Theme.smallFont + 1
                }
                RowLayout {
                    Layout.fillWidth: true
                    visible: trustForm.card.ok === true
                    Small {
                        objectName: "fingerprintMatch"
                        text: typedFingerprint.text.length === 0 ? "Compare it group by group with what is read to you."
                              : trustForm.matches ? "✔ The fingerprint matches" : "✖ Not the same fingerprint (yet)"
                        color: trustForm.matches ? panel.okColour : Theme.mutedText
                    }
                    ActionButton {
                        objectName: "trustButton"
                        text: "Trust"
                        enabled: trustForm.matches && panel.unlocked
                        ToolTip.text: panel.unlocked ? "Add it to the contact book" : "Unlock the station's identity first"
                        onClicked: panel.sharing.trustCard(cardInput.text.trim(), typedFingerprint.text,
                                                           (trustForm.card.changes || []).length > 0)
                    }
                }
            }

            // ---- broker (docs/deployment.md) ----
            Separator {}
            SectionTitle { text: "MISSION BROKER" }
            RowLayout {
                Layout.fillWidth: true
                visible: !panel.sharing.relayRunning
                spacing: 6
                TextField {
                    id: brokerUrl
                    objectName: "brokerUrl"
                    Layout.fillWidth: true
                    placeholderText: "mqtts://broker.mission:8883"
                    font.family: Theme.fontFamily
                    font.pixelSize: Theme.baseFont
                }
                ActionButton {
                    text: panel.brokerCa.toString().length > 0 ? "Certificate ✓" : "Certificate…"
                    ToolTip.text: panel.brokerCa.toString().length > 0
                                  ? panel.brokerCa.toString().replace("file://", "")
                                  : "The broker's certificate (broker.crt), from its operator"
                    onClicked: brokerCaDialog.open()
                }
                ActionButton {
                    objectName: "connectBroker"
                    text: "Connect"
                    enabled: panel.unlocked && brokerUrl.text.length > 0
                             && panel.brokerCa.toString().length > 0
                    ToolTip.text: panel.unlocked ? "" : "Unlock the station's keys first"
                    onClicked: panel.sharing.startRelay(brokerUrl.text, panel.brokerCa)
                }
            }
            RowLayout {
                Layout.fillWidth: true
                visible: panel.sharing.relayRunning
                spacing: 6
                Text {
                    Layout.fillWidth: true
                    text: (panel.sharing.relayConnected ? "● " : "○ ") + panel.sharing.relayStatus
                    color: panel.sharing.relayConnected ? panel.okColour : Theme.warning
                    font.family: Theme.fontFamily
                    font.pixelSize: Theme.smallFont + 1
                    wrapMode: Text.Wrap
                }
                ActionButton {
                    objectName: "disconnectBroker"
                    text: "Disconnect"
                    onClicked: panel.sharing.stopRelay()
                }
            }
            Small {
                visible: panel.sharing.relayPeers.length > 0
                text: panel.sharing.relayPeers
            }
            Small {
                visible: !panel.sharing.relayRunning && panel.sharing.relayStatus.length > 0
                text: panel.sharing.relayStatus
            }

            // ---- peers ----
            Separator {}
            SectionTitle { text: "PEERS (" + panel.sharing.peers.count + ")" }
            Small {
                visible: panel.sharing.peers.count === 0
                text: "No peers yet. Paste a station's card below and compare its fingerprint with its operator."
            }
            Repeater {
                model: panel.sharing.peers
                delegate: Rectangle {
                    id: peer
                    required property string name
                    required property string organisation
                    required property string communities
                    required property string clearance
                    required property string fingerprint
                    required property string fingerprintHex
                    required property bool revoked
                    required property string revokedReason
                    required property string lastSent
                    required property string lastReceived
                    required property string lastSync
                    required property int pending
                    required property int withheld
                    required property bool knowsReported
                    Layout.fillWidth: true
                    implicitHeight: peerColumn.implicitHeight + 16
                    radius: 4
                    color: "#14ffffff"
                    border.color: revoked ? Theme.error : "transparent"
                    ColumnLayout {
                        id: peerColumn
                        anchors.fill: parent
                        anchors.margins: 8
                        spacing: 3
                        RowLayout {
                            Layout.fillWidth: true
                            Text {
                                Layout.fillWidth: true
                                text: peer.name + (peer.revoked ? "" : "   " + peer.organisation + " · cleared " + peer.clearance)
                                color: peer.revoked ? Theme.error : Theme.text
                                font.family: Theme.fontFamily
                                font.pixelSize: Theme.baseFont
                                font.bold: true
                                elide: Text.ElideRight
                            }
                            Text {
                                text: peer.revoked ? "REVOKED" : "TRUSTED"
                                color: peer.revoked ? Theme.error : panel.okColour
                                font.family: Theme.fontFamily
                                font.pixelSize: Theme.smallFont
                                font.bold: true
                            }
                        }
                        Text {
                            Layout.fillWidth: true
                            text: panel.fingerprintLines(peer.fingerprint)
                            color: Theme.mutedText
                            font.family: "DejaVu Sans Mono"
                            font.pixelSize: Theme.smallFont
                        }
                        Small {
                            visible: peer.revoked
                            text: peer.revokedReason + ". Its bundles are refused and nothing is sent to it."
                            color: Theme.error
                        }
                        // The last sync, both ways: a bundle sent may not have arrived.
                        Body {
                            visible: !peer.revoked
                            text: "Last sync:  sent " + peer.lastSent + "  ·  received " + peer.lastReceived
                            font.pixelSize: Theme.smallFont + 1
                        }
                        RowLayout {
                            Layout.fillWidth: true
                            visible: !peer.revoked
                            Text {
                                Layout.fillWidth: true
                                text: peer.pending < 0 ? "Pending: —"
                                      : "Pending: " + peer.pending + (peer.pending === 1 ? " change" : " changes")
                                        + (peer.withheld > 0 ? "  ·  " + peer.withheld + " withheld (not releasable)" : "")
                                color: peer.pending > 0 ? Theme.warning : Theme.text
                                font.family: Theme.fontFamily
                                font.pixelSize: Theme.smallFont + 1
                                font.bold: peer.pending > 0
                                wrapMode: Text.Wrap
                                ToolTip.text: peer.knowsReported ? "Changed since what " + peer.name + " last said it holds"
                                                                 : peer.name + " has not sent a bundle yet: everything it may have is pending"
                                ToolTip.visible: pendingHover.hovered
                                HoverHandler { id: pendingHover }
                            }
                            ActionButton {
                                objectName: "exportFor_" + peer.name
                                text: "Export bundle…"
                                enabled: panel.unlocked
                                ToolTip.text: panel.unlocked ? "Write what " + peer.name + " may have and lacks to a file"
                                                             : "Unlock the station's identity first"
                                onClicked: panel.startExport(peer.fingerprintHex, peer.name)
                            }
                            ActionButton {
                                objectName: "revoke_" + peer.name
                                text: "Revoke"
                                enabled: panel.unlocked
                                ToolTip.text: panel.unlocked ? "Stop trusting " + peer.name + " (a lost laptop, a key given away)"
                                                             : "Unlock the station's identity first"
                                onClicked: {
                                    revokeConfirm.fingerprintHex = peer.fingerprintHex
                                    revokeConfirm.peerName = peer.name
                                    revokeConfirm.open()
                                }
                            }
                        }
                    }
                }
            }

            // Records of other stations received before records were signed: their authors
            // cannot be proven, so they are kept here but never passed on.
            Small {
                objectName: "unsignedRecords"
                visible: panel.sharing.unsignedRecords > 0
                color: Theme.warning
                text: panel.sharing.unsignedRecords + " records of other stations were received "
                      + "before records were signed: their authors cannot be proven, and they "
                      + "are not passed on to peers."
            }

            // ---- conflicts ----
            Separator {}
            SectionTitle {
                text: "CONFLICTS TO RESOLVE (" + panel.sharing.conflicts.count + ")"
                color: panel.sharing.conflicts.count > 0 ? Theme.warning : Theme.mutedText
            }
            Small {
                visible: panel.sharing.conflicts.count === 0
                text: "None: no record was changed here and at a peer at the same time."
            }
            Repeater {
                model: panel.sharing.conflicts
                delegate: Rectangle {
                    id: conflict
                    required property var conflictId
                    required property string kind
                    required property string title
                    required property string ours
                    required property string theirs
                    required property string shown
                    required property string detectedAt
                    Layout.fillWidth: true
                    implicitHeight: conflictColumn.implicitHeight + 16
                    radius: 4
                    color: "#14ffffff"
                    border.color: Theme.warning
                    ColumnLayout {
                        id: conflictColumn
                        anchors.fill: parent
                        anchors.margins: 8
                        spacing: 3
                        Body {
                            text: conflict.kind + ": " + conflict.title
                            font.bold: true
                        }
                        Small { text: "Edited here and at a peer at the same time; found " + conflict.detectedAt + "." }
                        Body {
                            text: "Ours:  " + conflict.ours + (conflict.shown === "ours" ? "   (shown now)" : "")
                            font.pixelSize: Theme.smallFont + 1
                        }
                        Body {
                            text: "Theirs:  " + conflict.theirs + (conflict.shown === "theirs" ? "   (shown now)" : "")
                            font.pixelSize: Theme.smallFont + 1
                        }
                        RowLayout {
                            Layout.alignment: Qt.AlignRight
                            ActionButton {
                                text: "Keep ours"
                                onClicked: panel.sharing.resolveConflict(conflict.conflictId, false)
                            }
                            ActionButton {
                                text: "Keep theirs"
                                onClicked: panel.sharing.resolveConflict(conflict.conflictId, true)
                            }
                        }
                    }
                }
            }

            // ---- audit ----
            Separator {}
            RowLayout {
                Layout.fillWidth: true
                SectionTitle {
                    text: "SHARING LOG (" + panel.sharing.audit.count + " bundles)"
                }
                ActionButton {
                    objectName: "exportAudit"
                    text: "Export audit…"
                    enabled: panel.sharing.audit.count > 0
                    ToolTip.text: "Every bundle sent and received, with each record and its marking, as CSV"
                    onClicked: auditDialog.open()
                }
            }
            Small {
                visible: panel.sharing.audit.count === 0
                text: "No bundle sent or received with this mission yet."
            }
            Repeater {
                model: panel.sharing.audit
                delegate: ColumnLayout {
                    id: entry
                    required property int index
                    required property string direction
                    required property string peerNames
                    required property string at
                    required property int records
                    required property bool expanded
                    required property var recordLines
                    Layout.fillWidth: true
                    spacing: 1
                    Rectangle {
                        Layout.fillWidth: true
                        implicitHeight: entryRow.implicitHeight + 8
                        radius: 3
                        color: entryMouse.containsMouse ? "#22ffffff" : "transparent"
                        RowLayout {
                            id: entryRow
                            anchors.fill: parent
                            anchors.margins: 4
                            spacing: 8
                            Text {
                                text: entry.expanded ? "▾" : "▸"
                                color: Theme.mutedText
                                font.pixelSize: Theme.baseFont
                            }
                            Text {
                                text: entry.at
                                color: Theme.mutedText
                                font.family: Theme.fontFamily
                                font.pixelSize: Theme.smallFont + 1
                            }
                            Text {
                                text: entry.direction === "sent" ? "SENT →" : "RECEIVED ←"
                                color: entry.direction === "sent" ? "#56b4e9" : "#e69f00"
                                font.family: Theme.fontFamily
                                font.pixelSize: Theme.smallFont + 1
                                font.bold: true
                            }
                            Text {
                                Layout.fillWidth: true
                                text: entry.peerNames
                                color: Theme.text
                                font.family: Theme.fontFamily
                                font.pixelSize: Theme.smallFont + 1
                                elide: Text.ElideRight
                            }
                            Text {
                                text: entry.records + (entry.records === 1 ? " record" : " records")
                                color: Theme.text
                                font.family: Theme.fontFamily
                                font.pixelSize: Theme.smallFont + 1
                            }
                        }
                        MouseArea {
                            id: entryMouse
                            anchors.fill: parent
                            hoverEnabled: true
                            onClicked: panel.sharing.toggleRecords(entry.index)
                        }
                    }
                    Repeater {
                        model: entry.expanded ? entry.recordLines : []
                        delegate: Text {
                            required property string modelData
                            Layout.fillWidth: true
                            Layout.leftMargin: 26
                            text: modelData
                            color: Theme.mutedText
                            font.family: "DejaVu Sans Mono"
                            font.pixelSize: Theme.smallFont - 1
                            elide: Text.ElideMiddle
                        }
                    }
                    Small {
                        visible: entry.expanded && entry.records === 0
                        Layout.leftMargin: 26
                        text: "This bundle carried no records."
                    }
                }
            }
        }
    }
}
