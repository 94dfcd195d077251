import PlumbCore
import XCTest

@testable import PlumbRollout

final class AnalysisExpressionTests: XCTestCase {
    func holds(_ source: String, _ result: [Value]) throws -> Bool {
        try AnalysisExpression(source).holds(for: result)
    }

    func testComparisonsOverResult() throws {
        XCTAssertTrue(try holds("result[0] >= 0.95", ["0.97"]))
        XCTAssertFalse(try holds("result[0] >= 0.95", [.double(0.82)]))
        XCTAssertTrue(try holds("result >= 0.95", [.double(0.95)]))
        XCTAssertTrue(try holds("result[0] < 500 && result[1] < 500", [.int(120), "480"]))
        XCTAssertTrue(try holds("len(result) == 0 || result[0] > 1", [.int(2)]))
        XCTAssertTrue(try holds("len(result) >= 2", [.int(1), .int(2)]))
        XCTAssertTrue(try holds("!(result[0] < 0.9)", [.double(0.95)]))
        XCTAssertTrue(try holds("result[0] * 100 >= 95 - 1", [.double(0.95)]))
        XCTAssertTrue(try holds("result[0] == \"ok\"", ["ok"]))
        XCTAssertTrue(try holds("result[0] == true", [.bool(true)]))
        XCTAssertTrue(try holds("isNaN(result[0])", ["NaN"]))
        XCTAssertTrue(try holds("-result[0] < 0", [.int(3)]))
        // `||` binds looser than `&&`.
        XCTAssertTrue(try holds("true || false && false", []))
        XCTAssertTrue(try holds("1e3 == 1000", []))
    }

    func testEvaluationErrorsAreNotAnswers() throws {
        let e = try AnalysisExpression("result[2] > 1")
        XCTAssertThrowsError(try e.holds(for: [.int(1)])) {
            XCTAssertEqual("\($0)", "result[2] does not exist (result holds 1 values)")
        }
        XCTAssertThrowsError(try AnalysisExpression("result > 1").holds(for: [.int(1), .int(2)]))
        XCTAssertThrowsError(try AnalysisExpression("result[0] + 1").holds(for: [.int(1)]))
        XCTAssertThrowsError(try AnalysisExpression("result[0] < 1").holds(for: ["abc"]))
    }

    func testParseErrorsNameTheColumn() {
        func error(_ s: String) -> String {
            do {
                _ = try AnalysisExpression(s)
                return "parsed"
            } catch {
                return error.description
            }
        }
        XCTAssertEqual(error("result[0] >= "), "column 14: expression ends too early")
        XCTAssertEqual(
            error("foo > 1"), "column 1: unknown name \"foo\" (only result, len(result), isNaN(x), true, false)")
        XCTAssertEqual(error("(result[0] > 1"), "column 15: missing )")
        XCTAssertEqual(error("result[0] > 1 1"), "column 15: unexpected \"1\"")
        XCTAssertEqual(error(""), "column 1: empty expression")
        XCTAssertEqual(error("len(x)"), "column 5: len takes result: len(result)")
    }

    func testArgsAreSubstitutedInEveryString() throws {
        let block: Value = [
            "address": "http://prom:9090",
            "query": "sum(rate(x{job=\"{{ args.name }}\",ns=\"{{args.namespace}}\"}[1m])) by ({{ target }})",
            "list": ["{{ args.canary-name }}"],
        ]
        let target = RouteTarget(namespace: "shop", stableName: "web", canaryName: "web-canary", totalReplicas: 3)
        let out = try AnalysisArgs.substitute(block, AnalysisArgs.standard(for: target))
        XCTAssertEqual(out["query"]?.stringValue, "sum(rate(x{job=\"web-canary\",ns=\"shop\"}[1m])) by (web)")
        XCTAssertEqual(out["list"]?.arrayValue?.first?.stringValue, "web-canary")
        XCTAssertThrowsError(try AnalysisArgs.substitute("{{ args.nope }}", [:])) {
            XCTAssertEqual("\($0)", "{{ args.nope }}: no such argument")
        }
    }
}
