import PlumbCore
import Synchronization
import XCTest

@testable import PlumbRollout

/// A provider that answers from a script: each call takes the next answer (the last repeats).
final class ScriptedProvider: AnalysisProvider {
    enum Answer {
        case values([Value])
        case empty
        case error(String)
        case verdict(MeasurementPhase)
    }
    let kind: String
    private let script: Mutex<[Answer]>
    private let calls = Atomic<Int>(0)

    init(kind: String = "prometheus", _ script: [Answer]) {
        self.kind = kind
        self.script = Mutex(script)
    }

    var count: Int { calls.load(ordering: .relaxed) }

    func measure(metric: String, spec: Value, args: [String: String]) async throws -> PlumbRollout.Measurement {
        calls.add(1, ordering: .relaxed)
        let answer = script.withLock { s -> Answer in s.count > 1 ? s.removeFirst() : s[0] }
        switch answer {
        case .values(let v):
            return PlumbRollout.Measurement(
                metric: metric, phase: .successful, value: nil, message: "", at: Date(), result: v)
        case .empty:
            return PlumbRollout.Measurement(
                metric: metric, phase: .inconclusive, value: nil, message: "no values", at: Date(), result: [])
        case .error(let m):
            return PlumbRollout.Measurement(metric: metric, phase: .error, value: nil, message: m, at: Date())
        case .verdict(let p):
            return PlumbRollout.Measurement(
                metric: metric, phase: p, value: nil, message: "job \(p.rawValue)", at: Date())
        }
    }
}

final class AnalysisRunTests: XCTestCase {
    func metric(_ yaml: Value) throws -> AnalysisMetric { try AnalysisMetric.parse(yaml, field: "metrics[0]") }

    func successRate(_ extra: [(String, Value)] = []) throws -> AnalysisMetric {
        var o: Value = [
            "name": "success-rate", "interval": "10ms", "count": 3, "thresholdRange": ["min": 0.95],
            "provider": ["prometheus": ["address": "http://127.0.0.1:1", "query": "q"]],
        ]
        for (k, v) in extra { o[k] = v }
        return try metric(o)
    }

    func testPassingMetricIsSuccessfulAfterCountMeasurements() async throws {
        let provider = ScriptedProvider([.values(["0.99"])])
        let seen = Mutex<[PlumbRollout.Measurement]>([])
        let verdict = await AnalysisRun(providers: [provider]).run(metrics: [try successRate()], args: [:]) { m in
            seen.withLock { $0.append(m) }
        }
        XCTAssertEqual(verdict.phase, .successful, verdict.message)
        XCTAssertEqual(provider.count, 3)
        XCTAssertEqual(seen.withLock { $0.count }, 3)
        XCTAssertEqual(verdict.measurements.first?.message, "success-rate 0.99 is within min 0.95")
        XCTAssertEqual(verdict.measurements.first?.value, "0.99")
    }

    func testFailingValueNamesValueAndThreshold() async throws {
        let provider = ScriptedProvider([.values(["0.99"]), .values([.double(0.82)])])
        let verdict = await AnalysisRun(providers: [provider]).run(metrics: [try successRate()], args: [:])
        XCTAssertEqual(verdict.phase, .failed)
        XCTAssertEqual(verdict.metric, "success-rate")
        XCTAssertEqual(verdict.measurement?.value, "0.82")
        XCTAssertEqual(verdict.threshold, "min 0.95")
        XCTAssertEqual(
            verdict.message,
            "success-rate: success-rate 0.82 is below the minimum 0.95 (1 failed measurement, failureLimit 0)")
        // Decided at the failing measurement: no third one.
        XCTAssertEqual(provider.count, 2)
    }

    func testFailureLimitToleratesFailures() async throws {
        let provider = ScriptedProvider([.values(["0.5"]), .values(["0.99"]), .values(["0.5"]), .values(["0.99"])])
        let lenient = try successRate([("failureLimit", 2), ("count", 4)])
        let verdict = await AnalysisRun(providers: [provider]).run(metrics: [lenient], args: [:])
        XCTAssertEqual(verdict.phase, .successful, verdict.message)
        let strict = try successRate([("failureLimit", 1), ("count", 4)])
        let again = ScriptedProvider([.values(["0.5"]), .values(["0.99"]), .values(["0.5"]), .values(["0.99"])])
        let failed = await AnalysisRun(providers: [again]).run(metrics: [strict], args: [:])
        XCTAssertEqual(failed.phase, .failed)
        XCTAssertTrue(failed.message.hasSuffix("(2 failed measurements, failureLimit 1)"), failed.message)
        XCTAssertEqual(again.count, 3)
    }

    func testNoValuesIsInconclusiveNotFailed() async throws {
        let provider = ScriptedProvider([.values([])])
        let verdict = await AnalysisRun(providers: [provider]).run(metrics: [try successRate()], args: [:])
        XCTAssertEqual(verdict.phase, .inconclusive)
        XCTAssertEqual(verdict.measurement?.value, nil)
        XCTAssertEqual(
            verdict.message,
            "success-rate: no values (no traffic to measure?) (1 inconclusive measurement, inconclusiveLimit 0)")
        // inconclusiveLimit 2 tolerates two; the third decides.
        let tolerant = ScriptedProvider([.empty, .empty, .values(["0.99"])])
        let ok = await AnalysisRun(providers: [tolerant]).run(
            metrics: [try successRate([("inconclusiveLimit", 2)])], args: [:])
        XCTAssertEqual(ok.phase, .successful, ok.message)
    }

    func testMinSamplesRequiresConclusiveMeasurements() async throws {
        let provider = ScriptedProvider([.empty, .values(["0.99"]), .empty])
        let m = try successRate([("inconclusiveLimit", 5), ("minSamples", 2)])
        let verdict = await AnalysisRun(providers: [provider]).run(metrics: [m], args: [:])
        XCTAssertEqual(verdict.phase, .inconclusive)
        XCTAssertEqual(
            verdict.message,
            "success-rate: only 1 of the 2 conclusive measurements required (minSamples) in 3 measurements")
    }

    func testErrorsInARowFailAfterTheLimit() async throws {
        let provider = ScriptedProvider([.error("prometheus unreachable")])
        let m = try successRate([("consecutiveErrorLimit", 1), ("count", 5)])
        let verdict = await AnalysisRun(providers: [provider]).run(metrics: [m], args: [:])
        XCTAssertEqual(verdict.phase, .failed)
        XCTAssertEqual(
            verdict.message, "success-rate: prometheus unreachable (2 errors in a row, consecutiveErrorLimit 1)")
        // An error between successes resets the count.
        let flaky = ScriptedProvider([.values(["1"]), .error("x"), .values(["1"]), .error("x"), .values(["1"])])
        let ok = await AnalysisRun(providers: [flaky]).run(metrics: [m], args: [:])
        XCTAssertEqual(ok.phase, .successful, ok.message)
    }

    func testConditionsFollowArgoRollouts() throws {
        func judge(_ fields: [(String, Value)], _ result: [Value]) throws -> MeasurementPhase {
            var o: Value = ["name": "m", "provider": ["web": ["url": "http://x"]]]
            for (k, v) in fields { o[k] = v }
            let raw = PlumbRollout.Measurement(
                metric: "m", phase: .successful, value: nil, message: "", at: Date(), result: result)
            return AnalysisRun.judge(raw, by: try metric(o)).phase
        }
        XCTAssertEqual(try judge([("successCondition", "result[0] >= 0.95")], ["0.96"]), .successful)
        XCTAssertEqual(try judge([("successCondition", "result[0] >= 0.95")], ["0.9"]), .failed)
        XCTAssertEqual(try judge([("failureCondition", "result[0] < 0.5")], ["0.4"]), .failed)
        XCTAssertEqual(try judge([("failureCondition", "result[0] < 0.5")], ["0.6"]), .successful)
        let both: [(String, Value)] = [
            ("successCondition", "result[0] > 0.9"), ("failureCondition", "result[0] < 0.5"),
        ]
        XCTAssertEqual(try judge(both, ["0.7"]), .inconclusive)
        XCTAssertEqual(try judge(both, ["0.4"]), .failed)
        XCTAssertEqual(try judge(both, ["0.95"]), .successful)
        XCTAssertEqual(try judge([("successCondition", "result[3] > 1")], ["1"]), .inconclusive)
        XCTAssertEqual(try judge([("thresholdRange", ["max": 500])], ["501"]), .failed)
        XCTAssertEqual(try judge([("thresholdRange", ["min": 0.9])], ["NaN"]), .inconclusive)
        XCTAssertEqual(try judge([("thresholdRange", ["min": 0.9, "max": 1])], ["0.95", "0.99"]), .successful)
        XCTAssertEqual(try judge([("thresholdRange", ["min": 0.9])], ["0.95", "0.5"]), .failed)
    }

    func testDeclarationErrorsNameTheField() {
        func error(_ o: Value) -> String {
            do {
                _ = try AnalysisMetric.parse(o, field: "spec.metrics[1]")
                return "parsed"
            } catch {
                return error.description
            }
        }
        let prom: Value = ["prometheus": ["address": "http://p", "query": "q"]]
        XCTAssertEqual(
            error(["name": "m", "successCondition": "result[0] >=", "provider": prom]),
            "spec.metrics[1].successCondition: column 13: expression ends too early: result[0] >=")
        XCTAssertEqual(
            error(["name": "m", "provider": prom]),
            "spec.metrics[1].thresholdRange: a prometheus metric needs thresholdRange, successCondition or failureCondition"
        )
        XCTAssertEqual(
            error(["name": "m", "thresholdRange": ["min": "x"], "provider": prom]),
            "spec.metrics[1].thresholdRange.min: must be a number")
        XCTAssertEqual(
            error(["name": "m", "interval": "soon", "thresholdRange": ["min": 1], "provider": prom]),
            "spec.metrics[1].interval: not a duration (such as 30s, 1m, 500ms)")
        XCTAssertEqual(
            error(["name": "m", "thresholdRange": ["min": 1], "provider": ["datadog": [:]]]),
            "spec.metrics[1].provider.datadog: unknown provider (known: prometheus, web, job)")
        XCTAssertEqual(
            error(["name": "m", "thresholdRange": ["min": 1], "provider": ["prometheus": ["query": "q"]]]),
            "spec.metrics[1].provider.prometheus.address: required")
        XCTAssertEqual(
            error([
                "name": "m", "thresholdRange": ["min": 1],
                "provider": [
                    "prometheus": ["address": "http://p", "query": "q", "authentication": ["bearer": ["token": "abc"]]]
                ],
            ]),
            "spec.metrics[1].provider.prometheus.authentication.bearer: needs secretRef: {name, key} or file: a path (credentials are never written inline)"
        )
        XCTAssertEqual(
            error(["name": "m", "failureLimit": -1, "thresholdRange": ["min": 1], "provider": prom]),
            "spec.metrics[1].failureLimit: must be a whole number of at least 0")
    }

    func testFirstFailureEndsTheRunAndCancelsTheOthers() async throws {
        let slow = ScriptedProvider(kind: "web", [.values(["1"])])
        let failing = ScriptedProvider([.values(["0.1"])])
        let forever = try metric([
            "name": "latency", "interval": "20ms", "thresholdRange": ["max": 5],
            "provider": ["web": ["url": "http://127.0.0.1:1"]],
        ])
        let start = ContinuousClock.now
        let verdict = await AnalysisRun(providers: [slow, failing]).run(
            metrics: [forever, try successRate()], args: [:])
        XCTAssertEqual(verdict.phase, .failed)
        XCTAssertEqual(verdict.metric, "success-rate")
        XCTAssertLessThan(ContinuousClock.now - start, .seconds(2))
    }
}
