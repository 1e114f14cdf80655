import QtQuick
import QtQuick.Dialogs
import Tessera.Map

// Saving a file: opens in the documents folder the first time, then where the last file went;
// says Save; the name gets the extension of the type chosen (FileChoices.withExtension); an
// existing file is replaced only after the user says so. `saved(file)` gives the final name.
Item {
    id: saving
    property string title: "Save"
    property var nameFilters: []
    // A name to start from ("to-NLD-2026-12-08.tsb"), in the folder the dialog opens in.
    property string suggestedName: ""
    signal saved(url file)
    function open() {
        dialog.currentFolder = FileChoices.folder
        if (suggestedName.length > 0)
            dialog.selectedFile = FileChoices.folder + "/" + suggestedName
        dialog.open()
    }
    property url pending: ""

    // Every extension the filters offer, and those of one filter ("PNG image (*.png)").
    function extensionsOf(filter) {
        const found = []
        const globs = filter.match(/\*\.[A-Za-z0-9]+/g) || []
        for (const g of globs)
            found.push(g.substring(2).toLowerCase())
        return found
    }
    function allExtensions() {
        let all = []
        for (const f of nameFilters)
            all = all.concat(extensionsOf(f))
        return all
    }

    FileDialog {
        id: dialog
        title: saving.title
        fileMode: FileDialog.SaveFile
        acceptLabel: "Save"
        nameFilters: saving.nameFilters
        currentFolder: FileChoices.folder
        // Asked below, once, whichever dialog the platform gives.
        options: FileDialog.DontConfirmOverwrite
        onAccepted: {
            const file = FileChoices.withExtension(selectedFile,
                saving.extensionsOf(saving.nameFilters[selectedNameFilter.index] || ""),
                saving.allExtensions())
            FileChoices.chosen(file)
            if (FileChoices.exists(file)) {
                saving.pending = file
                replace.open()
            } else {
                saving.saved(file)
            }
        }
    }
    MessageDialog {
        id: replace
        objectName: "replaceDialog"
        title: "Replace the file?"
        text: decodeURIComponent(saving.pending.toString().replace(/^file:\/\//, "")) + " already exists."
        informativeText: "Replace it with the new one?"
        buttons: MessageDialog.Yes | MessageDialog.No
        onButtonClicked: (button, role) => {
            if (button === MessageDialog.Yes)
                saving.saved(saving.pending)
        }
    }
}
