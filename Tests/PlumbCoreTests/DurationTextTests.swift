import PlumbCore
import XCTest

final class DurationTextTests: XCTestCase {
    func testFlagsAndSettingsDurations() {
        XCTAssertEqual(DurationText.parse("90"), .seconds(90))
        XCTAssertEqual(DurationText.parse("90s"), .seconds(90))
        XCTAssertEqual(DurationText.parse("1m30s"), .seconds(90))
        XCTAssertEqual(DurationText.parse("2h"), .seconds(7200))
        XCTAssertEqual(DurationText.parse("1d12h"), .seconds(129_600))
        for bad in ["", "soon", "5x", "m", "1h30", "-5"] {
            XCTAssertNil(DurationText.parse(bad), bad)
        }
    }
}
