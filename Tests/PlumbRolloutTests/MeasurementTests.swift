import XCTest

@testable import PlumbRollout

final class MeasurementTests: XCTestCase {
    func testPhasesUseTheVocabularyOfArgoRolloutsAndFlagger() throws {
        let m = Measurement(metric: "success-rate", phase: .inconclusive, value: nil, message: "no values", at: Date(timeIntervalSince1970: 0))
        let json = String(decoding: try JSONEncoder().encode(m), as: UTF8.self)
        XCTAssertTrue(json.contains(#""phase":"Inconclusive""#), json)
        XCTAssertEqual(try JSONDecoder().decode(Measurement.self, from: Data(json.utf8)), m)
    }
}
