import QtQuick
import QtTest
import Tessera
import Tessera.Map

// The legend folds to its title with a click, and opens again.
TestCase {
    id: testCase
    name: "LegendPanel"
    when: windowShown
    visible: true
    width: 300
    height: 500

    MissionController {
        id: testMission
    }

    Component {
        id: legendComponent
        LegendPanel {
            mission: testMission
        }
    }

    function test_foldsToItsTitle() {
        const legend = createTemporaryObject(legendComponent, testCase)
        verify(legend !== null)
        // Without a mission: the rows with zero counts, and the note.
        const open = legend.implicitHeight
        verify(open > 200, open)
        const title = findChild(legend, "legendTitle")
        mouseClick(title)
        verify(legend.folded)
        // The layout settles at its next polish.
        tryVerify(() => legend.implicitHeight < 60, 2000, "folded: " + legend.implicitHeight)
        mouseClick(title)
        verify(!legend.folded)
        tryCompare(legend, "implicitHeight", open)
    }
}
