import Foundation
import PlumbCore
import PlumbKube
import Synchronization

/// How an analysis ended.
public enum AnalysisPhase: String, Sendable, Codable, Equatable {
    case successful = "Successful"
    /// A metric failed more than its `failureLimit` (or erred more than its
    /// `consecutiveErrorLimit`): the rollout aborts.
    case failed = "Failed"
    /// A metric had no answer more than its `inconclusiveLimit` (no traffic), or fewer
    /// conclusive measurements than `minSamples`: the rollout pauses with the message.
    case inconclusive = "Inconclusive"
}

/// The outcome of one analysis run: its phase and, when it did not succeed, the metric and the
/// measurement that decided it.
public struct AnalysisVerdict: Sendable, Equatable {
    public var phase: AnalysisPhase
    /// The deciding metric (nil when every metric succeeded).
    public var metric: String?
    /// The deciding measurement, with its value (nil when there was none) and threshold.
    public var measurement: Measurement?
    /// The deciding metric's threshold as declared: `min 0.95`, `success when result[0] >= 0.95`.
    public var threshold: String?
    /// One line for the sync's error and the audit record:
    /// `success-rate: 0.82 is below the minimum 0.95 (1 failed measurement, failureLimit 0)`.
    public var message: String
    /// Every measurement of every metric, in the order they were taken.
    public var measurements: [Measurement]
}

/// Runs the metrics of one analysis and decides it. This is the one call the rollout runner
/// makes:
///
/// ```swift
/// let run = AnalysisRun.standard(client: client)
/// let verdict = await run.run(metrics: metrics, args: AnalysisArgs.standard(for: target)) { m in
///     audit(m)  // each measurement as it is taken
/// }
/// switch verdict.phase { case .failed: abort(verdict.message) ... }
/// ```
///
/// Metrics run concurrently. Each takes a measurement every `interval` until it has `count`
/// of them; a metric with an interval and no count measures until the calling task is
/// cancelled (a background analysis over the whole rollout) and then counts as successful.
/// The first metric to fail ends the run at once (the others are cancelled), so traffic can
/// go back to stable within one interval. The run fails when any metric failed, is
/// inconclusive when any was (and none failed), and succeeds otherwise. Semantics per metric
/// are Argo Rollouts': a measurement fails, the metric fails once failures exceed
/// `failureLimit`; the same for `inconclusiveLimit`; after `count` measurements with fewer than
/// `minSamples` conclusive ones the metric is inconclusive.
public struct AnalysisRun: Sendable {
    /// Providers by kind (`prometheus`, `web`, `job`).
    public var providers: [String: any AnalysisProvider]

    public init(providers: [any AnalysisProvider]) {
        var byKind: [String: any AnalysisProvider] = [:]
        for p in providers { byKind[p.kind] = p }
        self.providers = byKind
    }

    /// The three real providers; `client` reads Secrets (Prometheus credentials) and runs
    /// Jobs, in `namespace` (the rollout's).
    public static func standard(client: KubeClient?, namespace: String = "default") -> AnalysisRun {
        var list: [any AnalysisProvider] = [PrometheusProvider(client: client, namespace: namespace), WebProvider()]
        if let client { list.append(JobProvider(client: client, namespace: namespace)) }
        return AnalysisRun(providers: list)
    }

    /// Runs `metrics` with `args` substituted into their provider blocks; calls
    /// `onMeasurement` with each judged measurement as it is taken.
    public func run(
        metrics: [AnalysisMetric], args: [String: String], clock: any KubeClock = SystemClock(),
        onMeasurement: @escaping @Sendable (Measurement) -> Void = { _ in }
    ) async -> AnalysisVerdict {
        let taken = Mutex<[Measurement]>([])
        let record: @Sendable (Measurement) -> Void = { m in
            taken.withLock { $0.append(m) }
            onMeasurement(m)
        }
        var outcomes: [MetricOutcome] = []
        await withTaskGroup(of: MetricOutcome.self) { group in
            for metric in metrics {
                group.addTask { await self.evaluate(metric, args: args, clock: clock, record: record) }
            }
            for await outcome in group {
                outcomes.append(outcome)
                if outcome.phase == .failed { group.cancelAll() }
            }
        }
        let all = taken.withLock { $0 }
        let deciding =
            outcomes.first { $0.phase == .failed } ?? outcomes.first { $0.phase == .inconclusive }
        guard let deciding else {
            let names = metrics.map(\.name).joined(separator: ", ")
            return AnalysisVerdict(
                phase: .successful, metric: nil, measurement: nil, threshold: nil,
                message: metrics.isEmpty ? "no metrics" : "\(names): successful (\(all.count) measurements)",
                measurements: all)
        }
        return AnalysisVerdict(
            phase: deciding.phase, metric: deciding.metric.name, measurement: deciding.measurement,
            threshold: deciding.metric.thresholdText, message: deciding.message, measurements: all)
    }

    struct MetricOutcome: Sendable {
        var metric: AnalysisMetric
        var phase: AnalysisPhase
        var measurement: Measurement?
        var message: String
    }

    /// Measures one metric until it is decided.
    func evaluate(
        _ metric: AnalysisMetric, args: [String: String], clock: any KubeClock,
        record: @Sendable (Measurement) -> Void
    ) async -> MetricOutcome {
        func outcome(_ phase: AnalysisPhase, _ m: Measurement?, _ message: String) -> MetricOutcome {
            MetricOutcome(metric: metric, phase: phase, measurement: m, message: "\(metric.name): \(message)")
        }
        guard let provider = providers[metric.provider] else {
            return outcome(.failed, nil, "no \(metric.provider) provider is configured")
        }
        let spec: Value
        do {
            spec = try AnalysisArgs.substitute(metric.providerSpec, args)
        } catch {
            return outcome(.failed, nil, error.description)
        }
        var failed = 0
        var inconclusive = 0
        var errorsInARow = 0
        var conclusive = 0
        var taken = 0
        var last: Measurement?
        do {
            if metric.initialDelay > .zero { try await clock.sleep(for: metric.initialDelay) }
            while true {
                try Task.checkCancellation()
                let raw: Measurement
                do {
                    raw = try await provider.measure(metric: metric.name, spec: spec, args: args)
                } catch is CancellationError {
                    throw CancellationError()
                } catch {
                    // A block the provider cannot use at all: measuring again cannot help.
                    let m = Measurement(
                        metric: metric.name, phase: .error, value: nil, message: "\(error)", at: Date(),
                        threshold: metric.thresholdText)
                    record(m)
                    return outcome(.failed, m, "\(error)")
                }
                let m = Self.judge(raw, by: metric)
                record(m)
                last = m
                taken += 1
                switch m.phase {
                case .successful:
                    conclusive += 1
                    errorsInARow = 0
                case .failed:
                    conclusive += 1
                    failed += 1
                    errorsInARow = 0
                case .inconclusive:
                    inconclusive += 1
                    errorsInARow = 0
                case .error:
                    errorsInARow += 1
                }
                if failed > metric.failureLimit {
                    return outcome(
                        .failed, m,
                        "\(m.message) (\(plural(failed, "failed measurement")), failureLimit \(metric.failureLimit))")
                }
                if inconclusive > metric.inconclusiveLimit {
                    return outcome(
                        .inconclusive, m,
                        "\(m.message) (\(plural(inconclusive, "inconclusive measurement")), inconclusiveLimit \(metric.inconclusiveLimit))"
                    )
                }
                if errorsInARow > metric.consecutiveErrorLimit {
                    return outcome(
                        .failed, m,
                        "\(m.message) (\(plural(errorsInARow, "error")) in a row, consecutiveErrorLimit \(metric.consecutiveErrorLimit))"
                    )
                }
                if let planned = metric.plannedCount, taken >= planned {
                    if conclusive == 0, errorsInARow > 0 {
                        // Nothing but errors to the end: no verdict can be given (Argo's Error).
                        return outcome(
                            .failed, m, "\(m.message) (no conclusive measurement in \(plural(taken, "measurement")))")
                    }
                    if conclusive < metric.minSamples {
                        return outcome(
                            .inconclusive, m,
                            "only \(conclusive) of the \(metric.minSamples) conclusive measurements required (minSamples) in \(plural(taken, "measurement"))"
                        )
                    }
                    return outcome(.successful, m, "successful (\(plural(taken, "measurement")))")
                }
                try await clock.sleep(for: metric.interval ?? .zero)
            }
        } catch {
            // Cancelled: another metric failed, or the caller ended a background analysis.
            if conclusive < metric.minSamples, taken > 0, metric.plannedCount == nil {
                return outcome(
                    .inconclusive, last,
                    "only \(conclusive) of the \(metric.minSamples) conclusive measurements required (minSamples)")
            }
            return outcome(.successful, last, "stopped after \(plural(taken, "measurement"))")
        }
    }

    private func plural(_ n: Int, _ noun: String) -> String { n == 1 ? "1 \(noun)" : "\(n) \(noun)s" }

    /// Judges a provider's values by the metric's threshold or conditions. Measurements the
    /// provider already judged (no `result`, or not `.successful`) keep their phase.
    public static func judge(_ raw: Measurement, by metric: AnalysisMetric) -> Measurement {
        var m = raw
        m.threshold = metric.thresholdText
        guard raw.phase == .successful, let result = raw.result else { return m }
        m.value = valueText(result)
        if result.isEmpty {
            m.phase = .inconclusive
            m.value = nil
            m.message = "no values (no traffic to measure?)"
            return m
        }
        if let range = metric.thresholdRange {
            for v in result {
                guard let d = number(v) else {
                    m.phase = .inconclusive
                    m.message = "\(valueText([v])) is not a number"
                    return m
                }
                if d.isNaN {
                    m.phase = .inconclusive
                    m.message = "the value is NaN (no requests in the window?)"
                    return m
                }
                if let lo = range.min, d < lo {
                    m.phase = .failed
                    m.message =
                        "\(metric.name) \(AnalysisFormat.number(d)) is below the minimum \(AnalysisFormat.number(lo))"
                    return m
                }
                if let hi = range.max, d > hi {
                    m.phase = .failed
                    m.message =
                        "\(metric.name) \(AnalysisFormat.number(d)) is above the maximum \(AnalysisFormat.number(hi))"
                    return m
                }
            }
            m.phase = .successful
            m.message = "\(metric.name) \(m.value ?? "") is within \(range.text)"
            return m
        }
        do {
            // Argo Rollouts' rules: failureCondition wins; with only one condition its
            // negation decides the other way; with both and neither true, Inconclusive.
            if let failure = metric.failureCondition, try failure.holds(for: result) {
                m.phase = .failed
                m.message = "\(metric.name) \(m.value ?? "") meets the failureCondition \(failure.source)"
                return m
            }
            if let success = metric.successCondition {
                if try success.holds(for: result) {
                    m.phase = .successful
                    m.message = "\(metric.name) \(m.value ?? "") meets the successCondition \(success.source)"
                } else if metric.failureCondition == nil {
                    m.phase = .failed
                    m.message = "\(metric.name) \(m.value ?? "") does not meet the successCondition \(success.source)"
                } else {
                    m.phase = .inconclusive
                    m.message = "\(metric.name) \(m.value ?? "") meets neither condition"
                }
                return m
            }
            if let failure = metric.failureCondition {
                m.phase = .successful
                m.message = "\(metric.name) \(m.value ?? "") does not meet the failureCondition \(failure.source)"
            }
        } catch {
            m.phase = .inconclusive
            m.message = "\(metric.name): \(error.message)"
        }
        return m
    }

    static func number(_ v: Value) -> Double? {
        switch v {
        case .int(let i): return Double(i)
        case .double(let d): return d
        case .string(let s): return Double(s)
        default: return nil
        }
    }

    /// `0.93`, or `[0.93, 0.91]` for several values.
    static func valueText(_ result: [Value]) -> String {
        let parts = result.map { v -> String in
            if let d = number(v) { return AnalysisFormat.number(d) }
            if let s = v.stringValue { return "\"\(s)\"" }
            if let b = v.boolValue { return String(b) }
            return v.typeName
        }
        return parts.count == 1 ? parts[0] : "[" + parts.joined(separator: ", ") + "]"
    }
}
