import Foundation
import PlumbCore
import PlumbTesting
import Synchronization
import XCTest

@testable import PlumbRollout

/// The Prometheus provider and `AnalysisRun` against a real Prometheus (Debian's `prometheus`,
/// 1 s scrapes) scraping a test exporter whose request rate and success rate the tests set.
final class AnalysisPrometheusTests: XCTestCase {
    nonisolated(unsafe) static var exporter: MetricsExporter?
    nonisolated(unsafe) static var prometheus: PrometheusServer?

    override class func setUp() {
        super.setUp()
        do {
            let e = try MetricsExporter()
            // Traffic of every app the tests use, before the first scrape.
            try e.setTraffic(app: "pass-canary", rps: 50, success: 0.99)
            try e.setTraffic(app: "fail-canary", rps: 50, success: 0.80)
            try e.setTraffic(app: "flaky-canary", rps: 50, success: 0.90)
            try e.setTraffic(app: "quiet-canary", rps: 0.5, success: 1)
            exporter = e
            prometheus = try PrometheusServer(targets: [e.target])
        } catch {
            print("cannot start prometheus: \(error)")
        }
    }

    override class func tearDown() {
        prometheus = nil
        exporter = nil
        super.tearDown()
    }

    var prom: PrometheusServer { get throws { try XCTUnwrap(Self.prometheus, "prometheus did not start") } }

    static let successRate =
        #"sum(rate(http_requests_total{app="{{ args.name }}",code!~"5.."}[10s])) / sum(rate(http_requests_total{app="{{ args.name }}"}[10s]))"#

    func metric(_ fields: [(String, Value)] = [], provider extra: [(String, Value)] = []) throws -> AnalysisMetric {
        var block: Value = ["address": .string(try prom.address), "query": .string(Self.successRate)]
        for (k, v) in extra { block[k] = v }
        var o: Value = [
            "name": "success-rate", "interval": "1s", "count": 2, "thresholdRange": ["min": 0.95],
            "provider": ["prometheus": block],
        ]
        for (k, v) in fields { o[k] = v.isNull ? Value?.none : v }
        return try AnalysisMetric.parse(o, field: "metrics[0]")
    }

    func args(_ name: String) -> [String: String] {
        AnalysisArgs.standard(
            for: RouteTarget(namespace: "shop", stableName: "web", canaryName: name, totalReplicas: 2))
    }

    /// Waits until Prometheus has two scrapes of the app's traffic (a rate to compute).
    func waitForTraffic(_ app: String) async throws {
        _ = try await prom.waitForValue(
            try AnalysisArgs.substitute(Self.successRate, ["args.name": app, "name": app]), timeout: 30)
    }

    func run(_ metrics: [AnalysisMetric], _ app: String) async -> (AnalysisVerdict, [PlumbRollout.Measurement]) {
        let seen = Mutex<[PlumbRollout.Measurement]>([])
        let verdict = await AnalysisRun.standard(client: nil, namespace: "shop").run(metrics: metrics, args: args(app))
        { m in
            seen.withLock { $0.append(m) }
        }
        return (verdict, seen.withLock { $0 })
    }

    func testPassingCanaryIsSuccessful() async throws {
        try await waitForTraffic("pass-canary")
        let (verdict, seen) = await run([try metric()], "pass-canary")
        XCTAssertEqual(verdict.phase, .successful, verdict.message)
        XCTAssertEqual(seen.count, 2)
        for m in seen {
            XCTAssertEqual(m.phase, .successful)
            let value = try XCTUnwrap(m.value.flatMap(Double.init), "\(m)")
            XCTAssertEqual(value, 0.99, accuracy: 0.005)
            XCTAssertEqual(m.threshold, "min 0.95")
        }
    }

    func testFailingCanaryFailsWithValueAndThreshold() async throws {
        try await waitForTraffic("fail-canary")
        let start = ContinuousClock.now
        let (verdict, _) = await run([try metric([("count", 5)])], "fail-canary")
        XCTAssertEqual(verdict.phase, .failed)
        XCTAssertEqual(verdict.metric, "success-rate")
        XCTAssertEqual(verdict.threshold, "min 0.95")
        let value = try XCTUnwrap(verdict.measurement?.value.flatMap(Double.init))
        XCTAssertEqual(value, 0.8, accuracy: 0.005)
        XCTAssertTrue(verdict.message.hasPrefix("success-rate: success-rate 0.8"), verdict.message)
        XCTAssertTrue(
            verdict.message.contains("is below the minimum 0.95 (1 failed measurement, failureLimit 0)"),
            verdict.message)
        // Decided at the first measurement, not after all five.
        XCTAssertLessThan(ContinuousClock.now - start, .seconds(1))
    }

    func testNoTrafficIsInconclusiveNotFailed() async throws {
        try await waitForTraffic("pass-canary")  // Prometheus is scraping; this app has no series.
        let (verdict, seen) = await run([try metric()], "silent-canary")
        XCTAssertEqual(verdict.phase, .inconclusive)
        XCTAssertEqual(seen.first?.phase, .inconclusive)
        XCTAssertNil(seen.first?.value)
        XCTAssertEqual(
            verdict.message,
            "success-rate: no values (the query returned an empty vector) (1 inconclusive measurement, inconclusiveLimit 0)"
        )
    }

    func testTooFewRequestsIsInconclusive() async throws {
        try await waitForTraffic("quiet-canary")
        let minRequests: Value = [
            "query": #"sum(increase(http_requests_total{app="{{ args.name }}"}[10s]))"#, "count": 100,
        ]
        let (verdict, _) = await run([try metric(provider: [("minRequests", minRequests)])], "quiet-canary")
        XCTAssertEqual(verdict.phase, .inconclusive)
        XCTAssertTrue(verdict.message.contains("requests, fewer than the 100 required (minRequests)"), verdict.message)
        // Enough requests: judged by the threshold.
        try await waitForTraffic("pass-canary")
        let (ok, _) = await run([try metric(provider: [("minRequests", minRequests)])], "pass-canary")
        XCTAssertEqual(ok.phase, .successful, ok.message)
    }

    func testFailureLimitAndInconclusiveLimitWithRealMeasurements() async throws {
        try await waitForTraffic("flaky-canary")
        // 0.90 fails min 0.95 every time: failureLimit 1 fails at the second measurement.
        let start = ContinuousClock.now
        let (failed, seen) = await run([try metric([("count", 4), ("failureLimit", 1)])], "flaky-canary")
        XCTAssertEqual(failed.phase, .failed)
        XCTAssertEqual(seen.count, 2)
        XCTAssertTrue(failed.message.hasSuffix("(2 failed measurements, failureLimit 1)"), failed.message)
        XCTAssertGreaterThanOrEqual(ContinuousClock.now - start, .seconds(1))
        // The same values pass a lower threshold expressed as a successCondition.
        let (passed, _) = await run(
            [try metric([("thresholdRange", .null), ("successCondition", "result[0] >= 0.85 && len(result) == 1")])],
            "flaky-canary")
        XCTAssertEqual(passed.phase, .successful, passed.message)
        // No traffic tolerated twice, then Inconclusive at the third.
        let (inconclusive, taken) = await run([try metric([("count", 5), ("inconclusiveLimit", 2)])], "silent-canary")
        XCTAssertEqual(inconclusive.phase, .inconclusive)
        XCTAssertEqual(taken.count, 3)
    }

    func testBasicAuthFromAFileAndErrorsWithoutTheSecret() async throws {
        let exporter = try XCTUnwrap(Self.exporter)
        let hash = try PrometheusServer.bcrypt("s3cret-pass")
        let guarded = try PrometheusServer(
            targets: [exporter.target], webConfig: "basic_auth_users:\n  plumb: '\(hash)'\n")
        let dir = try TempDir("plumb-prom-auth")
        try write(dir.sub("password"), "s3cret-pass\n")
        let auth = "Basic " + Data("plumb:s3cret-pass".utf8).base64EncodedString()
        _ = try await guarded.waitForValue(#"sum(http_requests_total{app="pass-canary"}) > 0"#, authorization: auth)
        func metric(_ password: String) throws -> AnalysisMetric {
            try AnalysisMetric.parse(
                [
                    "name": "requests", "successCondition": "result[0] > 0", "interval": "100ms", "count": 5,
                    "provider": [
                        "prometheus": [
                            "address": .string(guarded.address),
                            "query": #"sum(http_requests_total{app="{{ args.name }}"})"#,
                            "authentication": [
                                "basic": ["username": "plumb", "password": ["file": .string(password)]]
                            ],
                        ]
                    ],
                ], field: "metrics[0]")
        }
        let (ok, _) = await run([try metric(dir.sub("password"))], "pass-canary")
        XCTAssertEqual(ok.phase, .successful, ok.message)

        try write(dir.sub("wrong"), "not-it")
        let (denied, seen) = await run([try metric(dir.sub("wrong"))], "pass-canary")
        XCTAssertEqual(denied.phase, .failed)
        XCTAssertEqual(seen.count, 5)  // consecutiveErrorLimit 4: the fifth error in a row decides
        XCTAssertTrue(seen.allSatisfy { $0.phase == .error }, "\(seen)")
        XCTAssertTrue(denied.message.contains("HTTP 401"), denied.message)
        XCTAssertFalse(denied.message.contains("not-it"), denied.message)
    }

    func testBearerTokenThroughAProxyIsSentAndNeverShown() async throws {
        let exporter = try XCTUnwrap(Self.exporter)
        try exporter.proxy(to: try prom.address, token: "t0ken-abc")
        try await waitForTraffic("pass-canary")
        let dir = try TempDir("plumb-prom-token")
        try write(dir.sub("token"), "t0ken-abc\n")
        func metric(_ file: String) throws -> AnalysisMetric {
            try AnalysisMetric.parse(
                [
                    "name": "success-rate", "thresholdRange": ["min": 0.95], "consecutiveErrorLimit": 0,
                    "provider": [
                        "prometheus": [
                            "address": .string(exporter.address), "query": .string(Self.successRate),
                            "authentication": ["bearer": ["file": .string(file)]],
                        ]
                    ],
                ], field: "metrics[0]")
        }
        let (ok, _) = await run([try metric(dir.sub("token"))], "pass-canary")
        XCTAssertEqual(ok.phase, .successful, ok.message)
        XCTAssertTrue(exporter.requests.contains("Bearer t0ken-abc"))
        let (missing, _) = await run([try metric(dir.sub("absent"))], "pass-canary")
        XCTAssertEqual(missing.phase, .failed)
        XCTAssertTrue(missing.message.contains("credential file \(dir.sub("absent")) cannot be read"), missing.message)
        try write(dir.sub("stale"), "old-token")
        let (stale, _) = await run([try metric(dir.sub("stale"))], "pass-canary")
        XCTAssertEqual(stale.phase, .failed)
        XCTAssertTrue(stale.message.contains("unauthorized: bad token"), stale.message)
        XCTAssertFalse(stale.message.contains("old-token"), stale.message)
    }

    func testPrometheusErrorsAreMeasurementErrors() async throws {
        let bad = try metric([("consecutiveErrorLimit", 0)])
        var broken = bad
        broken.providerSpec["query"] = "sum(rate(http_requests_total[1m]"
        let (verdict, _) = await run([broken], "pass-canary")
        XCTAssertEqual(verdict.phase, .failed)
        XCTAssertTrue(verdict.message.contains("bad_data"), verdict.message)
        var down = bad
        down.providerSpec["address"] = .string("http://127.0.0.1:\(try freePort())")
        let (unreachable, _) = await run([down], "pass-canary")
        XCTAssertEqual(unreachable.phase, .failed)
        XCTAssertTrue(unreachable.message.contains("unreachable"), unreachable.message)
    }
}
