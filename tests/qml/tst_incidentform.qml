import QtQuick
import QtTest
import Tessera
import Tessera.Map

// The incident form shows why a save was refused beside the field that caused it, and only then.
TestCase {
    id: testCase
    name: "IncidentForm"
    when: windowShown
    // A TestCase is not shown by itself; the form's labels are visible only in a visible tree.
    visible: true
    width: 480
    height: 900

    MapItem {
        id: testMap
        width: 10
        height: 10
    }

    IncidentEditor {
        id: testEditor
    }

    Component {
        id: formComponent
        IncidentForm {
            width: 460
            height: 880
            editor: testEditor
            map: testMap
        }
    }

    function problemText(form, field) {
        const label = findChild(form, field + "Problem")
        verify(label !== null, "no problem label for " + field)
        return label
    }

    function test_refusedFieldsSayWhy() {
        const form = createTemporaryObject(formComponent, testCase)
        verify(form !== null)
        testEditor.startNew(0.05, 16.27)
        // Nothing is wrong before a save is tried.
        compare(problemText(form, "title").visible, false)

        // Typed into the fields as a user would.
        const title = findChild(form, "titleField")
        title.forceActiveFocus()
        title.selectAll()
        keyClick(Qt.Key_Space)
        const lat = findChild(form, "latField")
        lat.forceActiveFocus()
        lat.selectAll()
        keyClick(Qt.Key_9)
        keyClick(Qt.Key_5)
        compare(testEditor.lat, "95")

        verify(!testEditor.save())
        const titleProblem = problemText(form, "title")
        tryVerify(() => titleProblem.visible)
        compare(titleProblem.text, "the title is empty")
        const latProblem = problemText(form, "lat")
        verify(latProblem.visible)
        verify(latProblem.text.indexOf("outside -90") >= 0, latProblem.text)
        // The refused fields have a red edge; an accepted one does not.
        compare(title.background.border.width, 2)
        compare(lat.background.border.width, 2)
        compare(findChild(form, "lonField").background.border.width, 1)
        // Fields that are fine say nothing.
        compare(problemText(form, "lon").visible, false)
        compare(problemText(form, "observedAt").visible, false)

        // Corrected: the reasons go with the next check.
        title.forceActiveFocus()
        keyClick(Qt.Key_A)
        lat.forceActiveFocus()
        lat.selectAll()
        keyClick(Qt.Key_1)
        keyClick(Qt.Key_6)
        testEditor.classification = "UNCLASSIFIED"
        // No mission to save to: refused for that, with no field to blame.
        verify(!testEditor.save())
        compare(problemText(form, "title").visible, false)
        compare(problemText(form, "lat").visible, false)
        verify(testEditor.error.length > 0)
    }

    function test_categoryListShowsLabels() {
        const form = createTemporaryObject(formComponent, testCase)
        testEditor.startNew(0, 0)
        const category = findChild(form, "categoryField")
        verify(category.count >= 10)
        compare(category.currentValue, testEditor.category)
        // Labels for people, keys for the mission.
        compare(testEditor.category, "armed_clash")
        compare(category.currentText, "Armed clash")
    }
}
