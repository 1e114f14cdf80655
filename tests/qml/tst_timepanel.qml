import QtQuick
import QtTest
import Tessera
import Tessera.Map

// The time panel's buttons set the picture's time window, and its label says which.
TestCase {
    id: testCase
    name: "TimePanel"
    when: windowShown
    visible: true
    width: 700
    height: 200

    MissionController {
        id: testMission
    }

    Component {
        id: panelComponent
        TimePanel {
            width: 680
            mission: testMission
        }
    }

    function test_presetsSetTheWindow() {
        const panel = createTemporaryObject(panelComponent, testCase)
        verify(panel !== null)
        const label = findChild(panel, "timeLabel")
        compare(label.text, "All time")
        verify(isNaN(testMission.windowFrom.getTime()))

        mouseClick(findChild(panel, "timeLast24"))
        compare(label.text, "Last 24 hours")
        const from = testMission.windowFrom.getTime()
        verify(Math.abs(Date.now() - 24 * 3600 * 1000 - from) < 60 * 1000)

        mouseClick(findChild(panel, "timeLast7d"))
        compare(label.text, "Last 7 days")

        // Playing: the button turns into Stop, the label gives the window's times.
        const play = findChild(panel, "timePlay24")
        mouseClick(play)
        compare(play.text, "■ Stop")
        verify(label.text.indexOf("UTC") > 0, label.text)
        mouseClick(play)
        compare(play.text, "▶ 24 h")

        mouseClick(findChild(panel, "timeAll"))
        compare(label.text, "All time")
        verify(isNaN(testMission.windowFrom.getTime()))
    }
}
