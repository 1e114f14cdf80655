import QtQuick
import QtTest
import Tessera
import Tessera.Map

// The route editor's panel: what is typed goes to the draft, and a refused save puts each
// reason under its field.
TestCase {
    id: testCase
    name: "RoutePanel"
    when: windowShown
    visible: true
    width: 500
    height: 600

    RouteDraft {
        id: testDraft
    }

    Component {
        id: panelComponent
        RoutePanel {
            width: 460
            draft: testDraft
        }
    }

    function test_refusedSaveShowsTheReasonsBesideTheFields() {
        testDraft.start()
        const panel = createTemporaryObject(panelComponent, testCase)
        verify(panel !== null)
        verify(testDraft.active)
        // A new route departs at the next quarter hour.
        verify(/^\d{4}-\d\d-\d\d \d\d:(00|15|30|45)$/.test(findChild(panel, "route_departure").text),
               findChild(panel, "route_departure").text)

        const name = findChild(panel, "route_name")
        name.forceActiveFocus()
        keyClick(Qt.Key_A)
        keyClick(Qt.Key_B)
        compare(testDraft.name, "ab")

        const speed = findChild(panel, "route_speed")
        speed.forceActiveFocus()
        speed.selectAll()
        keyClick(Qt.Key_9)
        keyClick(Qt.Key_0)
        keyClick(Qt.Key_0)
        compare(testDraft.speedKmh, 900)

        mouseClick(findChild(panel, "routeSave"))
        compare(findChild(panel, "route_nameProblem").visible, false)
        verify(findChild(panel, "route_unitProblem").visible)
        verify(findChild(panel, "route_speedProblem").text.indexOf("km/h") >= 0)
        verify(findChild(panel, "route_waypointsProblem").text.indexOf("two waypoints") >= 0,
               findChild(panel, "route_waypointsProblem").text)
        testDraft.cancel()
        verify(!testDraft.active)
    }
}
