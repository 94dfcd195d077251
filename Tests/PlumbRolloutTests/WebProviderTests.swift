import PlumbCore
import PlumbTesting
import XCTest

@testable import PlumbRollout

/// The web provider against a real HTTP server on 127.0.0.1 (the test exporter's `/json`).
final class WebProviderTests: XCTestCase {
    func metric(_ exporter: MetricsExporter, _ fields: [(String, Value)], jsonPath: String = "{$.data.successRate}")
        throws
        -> AnalysisMetric
    {
        var o: Value = [
            "name": "checks",
            "provider": [
                "web": [
                    "url": .string(exporter.address + "/json/{{ args.name }}?ns={{ args.namespace }}"),
                    "jsonPath": .string(jsonPath), "headers": [["key": "X-Team", "value": "web"]], "timeout": "5s",
                ]
            ],
        ]
        for (k, v) in fields { o[k] = v }
        return try AnalysisMetric.parse(o, field: "metrics[0]")
    }

    let args = ["name": "web-canary", "namespace": "shop"]

    func testJSONFieldComparedByThresholdAndCondition() async throws {
        let exporter = try MetricsExporter()
        try exporter.setJSON(#"{"data": {"successRate": 0.97, "status": "ok", "latencies": [120, 480]}}"#)
        let run = AnalysisRun(providers: [WebProvider()])
        let pass = await run.run(metrics: [try metric(exporter, [("thresholdRange", ["min": 0.95])])], args: args)
        XCTAssertEqual(pass.phase, .successful, pass.message)
        XCTAssertEqual(pass.measurements.first?.value, "0.97")
        XCTAssertTrue(exporter.requests.contains("/json/web-canary?ns=shop"), exporter.requests)

        let status = await run.run(
            metrics: [try metric(exporter, [("successCondition", #"result == "ok""#)], jsonPath: "data.status")],
            args: args)
        XCTAssertEqual(status.phase, .successful, status.message)
        let latencies = await run.run(
            metrics: [try metric(exporter, [("failureCondition", "result[1] > 400")], jsonPath: "$.data.latencies")],
            args: args)
        XCTAssertEqual(latencies.phase, .failed)
        XCTAssertEqual(latencies.measurement?.value, "[120, 480]")

        try exporter.setJSON(#"{"data": {"successRate": 0.5}}"#)
        let fail = await run.run(metrics: [try metric(exporter, [("thresholdRange", ["min": 0.95])])], args: args)
        XCTAssertEqual(fail.phase, .failed)
        XCTAssertEqual(
            fail.message, "checks: checks 0.5 is below the minimum 0.95 (1 failed measurement, failureLimit 0)")
    }

    func testBadAnswersAreErrorsAndNullIsInconclusive() async throws {
        let exporter = try MetricsExporter()
        let run = AnalysisRun(providers: [WebProvider()])
        let m = try metric(exporter, [("thresholdRange", ["min": 0.95]), ("consecutiveErrorLimit", 0)])
        try exporter.setJSON(#"{"data": {}}"#)
        let missing = await run.run(metrics: [m], args: args)
        XCTAssertEqual(missing.phase, .failed)
        XCTAssertTrue(missing.message.contains("the answer has no {$.data.successRate}"), missing.message)
        try exporter.setJSON(#"{"error": "down"}"#, status: 503)
        let down = await run.run(metrics: [m], args: args)
        XCTAssertTrue(down.message.contains("HTTP 503"), down.message)
        // The query string (which may carry a key) is not repeated in messages.
        XCTAssertFalse(down.message.contains("ns=shop"), down.message)
        try exporter.setJSON(#"{"data": {"successRate": null}}"#)
        let null = await run.run(metrics: [m], args: args)
        XCTAssertEqual(null.phase, .inconclusive)
        XCTAssertThrowsError(try WebProvider.path("$.items[?(@.ok)]"))
    }
}
