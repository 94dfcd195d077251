import PlumbCore
import XCTest

final class NormalizeTests: XCTestCase {
    func testTable() {
        let cases: [(String, String, Bool, String)] = [
            (#"{"resources":{"limits":{"cpu":"1000m"}}}"#, #"{"resources":{"limits":{"cpu":"1"}}}"#, true, "quantity by value"),
            (#"{"resources":{"requests":{"memory":"1024Mi"}}}"#, #"{"resources":{"requests":{"memory":"1Gi"}}}"#, true, "binary quantity"),
            (#"{"resources":{"limits":{"cpu":2}}}"#, #"{"resources":{"limits":{"cpu":"2"}}}"#, true, "number quantity"),
            (#"{"resources":{"limits":{"cpu":"1001m"}}}"#, #"{"resources":{"limits":{"cpu":"1"}}}"#, false, "different quantity"),
            (#"{"annotations":{"a":"1000m"}}"#, #"{"annotations":{"a":"1"}}"#, false, "not a quantity map"),
            (#"{"targetPort":80}"#, #"{"targetPort":"80"}"#, false, "int-or-string differs"),
            (#"{"labels":{}}"#, #"{}"#, true, "empty map is absent"),
            (#"{"env":[]}"#, #"{}"#, true, "empty list is absent"),
            (#"{"a":null}"#, #"{}"#, true, "null is absent"),
            (#"{"a":{"b":{}}}"#, #"{"a":{}}"#, true, "nested empties"),
            (#"{"a":""}"#, #"{}"#, false, "empty string is a value"),
            (#"{"a":[1,2]}"#, #"{"a":[2,1]}"#, false, "list order matters"),
            (#"{"a":1,"b":2}"#, #"{"b":2,"a":1}"#, true, "key order does not"),
        ]
        for (a, b, expected, why) in cases {
            XCTAssertEqual(Normalize.equal(json(a), json(b)), expected, why)
            XCTAssertEqual(Normalize.equal(json(b), json(a)), expected, why + " (swapped)")
        }
        XCTAssertTrue(Normalize.equal(nil, json("{}")))
        XCTAssertFalse(Normalize.equal(nil, json(#"{"a":1}"#)))
    }

    func testCanonicalQuantitiesLeavesOtherStringsAlone() {
        let v = json(#"{"resources":{"limits":{"cpu":"1000m","weird":"x"}},"note":"1000m"}"#)
        XCTAssertEqual(
            Normalize.canonicalQuantities(v),
            json(#"{"resources":{"limits":{"cpu":"1","weird":"x"}},"note":"1000m"}"#))
    }
}
