import XCTest

@testable import PlumbUI

/// The inline chart of a measurement against its threshold: what it draws, and when it draws nothing.
final class MeasurementChartTests: XCTestCase {
    func testAValueAboveAMinimumSitsInsideTheBand() throws {
        let chart = try XCTUnwrap(MeasurementChart(value: "0.98", threshold: "min 0.95"))
        let band = try XCTUnwrap(chart.band)
        XCTAssertEqual(chart.bounds.count, 1)
        XCTAssertEqual(band.x, chart.bounds[0])
        XCTAssertEqual(band.x + band.width, MeasurementChart.width, "no maximum: the band runs to the end")
        XCTAssertGreaterThan(chart.marks[0], band.x)
    }

    func testEveryValueOfAVectorAgainstARangeWithAFailingOne() throws {
        let chart = try XCTUnwrap(MeasurementChart(value: "[120, 480, 900]", threshold: "min 100, max 500"))
        XCTAssertEqual(chart.marks.count, 3)
        XCTAssertEqual(chart.bounds.count, 2)
        let band = try XCTUnwrap(chart.band)
        XCTAssertTrue(chart.marks[0] > band.x && chart.marks[0] < band.x + band.width)
        XCTAssertTrue(chart.marks[1] > band.x && chart.marks[1] < band.x + band.width)
        XCTAssertGreaterThan(chart.marks[2], band.x + band.width, "900 is beyond the maximum 500")
        XCTAssertLessThanOrEqual(chart.marks[2], MeasurementChart.width, "and still on the drawing")
    }

    func testNothingToDrawWithoutANumberOrANumericThreshold() {
        XCTAssertNil(MeasurementChart(value: nil, threshold: "min 0.95"))
        XCTAssertNil(MeasurementChart(value: "ok", threshold: "min 0.95"))
        XCTAssertNil(MeasurementChart(value: "0.9", threshold: nil))
        XCTAssertNil(MeasurementChart(value: "0.9", threshold: "success when result[0] >= 0.95"))
    }
}
