import Foundation
import PlumbCore

/// A declaration the analysis cannot use: the field (a path from the metric list, as
/// `metrics[0].successCondition`) and why. The rollout's renderer prefixes the file.
public struct AnalysisDeclarationError: Error, Sendable, Equatable, CustomStringConvertible {
    public var field: String
    public var message: String

    public init(field: String, message: String) {
        self.field = field
        self.message = message
    }

    public var description: String { "\(field): \(message)" }
}

/// Flagger's `thresholdRange`: every value must lie within `min...max` (either may be absent).
public struct ThresholdRange: Sendable, Equatable {
    public var min: Double?
    public var max: Double?

    public init(min: Double? = nil, max: Double? = nil) {
        self.min = min
        self.max = max
    }

    /// `min 0.95`, `max 500`, `min 0.9, max 1`.
    public var text: String {
        [min.map { "min \(AnalysisFormat.number($0))" }, max.map { "max \(AnalysisFormat.number($0))" }]
            .compactMap { $0 }.joined(separator: ", ")
    }
}

/// One metric of an analysis, as declared (Argo Rollouts' AnalysisTemplate metric, with
/// Flagger's `thresholdRange` accepted as well):
///
/// ```yaml
/// - name: success-rate
///   interval: 30s          # between measurements (default: one measurement when count is unset)
///   count: 5               # measurements in all (default 1 without interval; unbounded with it)
///   initialDelay: 10s
///   thresholdRange: {min: 0.95}          # or successCondition / failureCondition
///   failureLimit: 1        # Failed once more than this many measurements failed (default 0)
///   inconclusiveLimit: 2   # Inconclusive once more than this many were (default 0)
///   consecutiveErrorLimit: 4             # provider errors in a row tolerated (default 4)
///   minSamples: 3          # conclusive measurements required before Successful (default 1)
///   provider:
///     prometheus: {address: http://prometheus:9090, query: "..."}
/// ```
public struct AnalysisMetric: Sendable, Equatable {
    public var name: String
    public var interval: Duration?
    public var count: Int?
    public var initialDelay: Duration
    public var thresholdRange: ThresholdRange?
    public var successCondition: AnalysisExpression?
    public var failureCondition: AnalysisExpression?
    public var failureLimit: Int
    public var inconclusiveLimit: Int
    public var consecutiveErrorLimit: Int
    public var minSamples: Int
    /// `prometheus`, `web` or `job`: the key of the provider block.
    public var provider: String
    /// The provider block (`{address, query}`, `{url, jsonPath}`, `{spec}`), `{{ args }}` unexpanded.
    public var providerSpec: Value

    public init(
        name: String, provider: String, providerSpec: Value, interval: Duration? = nil, count: Int? = nil,
        initialDelay: Duration = .zero, thresholdRange: ThresholdRange? = nil,
        successCondition: AnalysisExpression? = nil, failureCondition: AnalysisExpression? = nil,
        failureLimit: Int = 0, inconclusiveLimit: Int = 0, consecutiveErrorLimit: Int = 4, minSamples: Int = 1
    ) {
        self.name = name
        self.provider = provider
        self.providerSpec = providerSpec
        self.interval = interval
        self.count = count
        self.initialDelay = initialDelay
        self.thresholdRange = thresholdRange
        self.successCondition = successCondition
        self.failureCondition = failureCondition
        self.failureLimit = failureLimit
        self.inconclusiveLimit = inconclusiveLimit
        self.consecutiveErrorLimit = consecutiveErrorLimit
        self.minSamples = minSamples
    }

    /// The measurements to take: `count`, else 1 without an interval, else unbounded (nil).
    public var plannedCount: Int? { count ?? (interval == nil ? 1 : nil) }

    /// The threshold in words, for messages: `min 0.95`, `result[0] >= 0.95`.
    public var thresholdText: String? {
        if let thresholdRange { return thresholdRange.text }
        let parts = [
            successCondition.map { "success when \($0.source)" }, failureCondition.map { "failure when \($0.source)" },
        ].compactMap { $0 }
        return parts.isEmpty ? nil : parts.joined(separator: ", ")
    }

    static let providers = ["prometheus", "web", "job"]

    /// Reads one declared metric; `field` is where it sits (`spec.metrics[0]`) for errors.
    public static func parse(_ value: Value, field: String) throws(AnalysisDeclarationError) -> AnalysisMetric {
        guard let o = value.objectValue else {
            throw AnalysisDeclarationError(field: field, message: "must be an object")
        }
        func fail(_ key: String, _ message: String) -> AnalysisDeclarationError {
            AnalysisDeclarationError(field: "\(field).\(key)", message: message)
        }
        let known: Set<String> = [
            "name", "interval", "count", "initialDelay", "thresholdRange", "successCondition", "failureCondition",
            "failureLimit", "inconclusiveLimit", "consecutiveErrorLimit", "minSamples", "provider",
        ]
        for key in o.keys where !known.contains(key) { throw fail(key, "unknown field") }
        guard let name = o["name"]?.stringValue, !name.isEmpty else { throw fail("name", "required") }

        func duration(_ key: String) throws(AnalysisDeclarationError) -> Duration? {
            guard let v = o[key] else { return nil }
            if let text = v.stringValue, let d = AnalysisFormat.duration(text) { return d }
            if let n = v.intValue, n >= 0 { return .seconds(n) }
            throw fail(key, "not a duration (such as 30s, 1m, 500ms)")
        }
        func count(_ key: String, minimum: Int) throws(AnalysisDeclarationError) -> Int? {
            guard let v = o[key] else { return nil }
            let n = v.intValue ?? v.stringValue.flatMap { Int64($0) }
            guard let n, n >= minimum else { throw fail(key, "must be a whole number of at least \(minimum)") }
            return Int(n)
        }
        func expression(_ key: String) throws(AnalysisDeclarationError) -> AnalysisExpression? {
            guard let v = o[key] else { return nil }
            guard let text = v.stringValue else { throw fail(key, "must be a string") }
            do {
                return try AnalysisExpression(text)
            } catch {
                throw fail(key, "\(error.description): \(text)")
            }
        }

        var range: ThresholdRange?
        if let r = o["thresholdRange"] {
            guard let ro = r.objectValue else { throw fail("thresholdRange", "must be an object with min and/or max") }
            for key in ro.keys where key != "min" && key != "max" {
                throw fail("thresholdRange.\(key)", "unknown field")
            }
            var t = ThresholdRange()
            for key in ["min", "max"] {
                guard let v = ro[key] else { continue }
                guard let d = v.doubleValue ?? v.stringValue.flatMap({ Double($0) }) else {
                    throw fail("thresholdRange.\(key)", "must be a number")
                }
                if key == "min" { t.min = d } else { t.max = d }
            }
            guard t.min != nil || t.max != nil else { throw fail("thresholdRange", "needs min or max") }
            if let lo = t.min, let hi = t.max, lo > hi { throw fail("thresholdRange", "min \(lo) is above max \(hi)") }
            range = t
        }
        let success = try expression("successCondition")
        let failure = try expression("failureCondition")
        if range != nil, success != nil || failure != nil {
            throw fail("thresholdRange", "give either thresholdRange or successCondition/failureCondition, not both")
        }

        guard let providerBlock = o["provider"]?.objectValue, providerBlock.count == 1,
            let entry = providerBlock.entries.first
        else {
            throw fail("provider", "needs exactly one of \(providers.joined(separator: ", "))")
        }
        guard providers.contains(entry.key) else {
            throw fail("provider.\(entry.key)", "unknown provider (known: \(providers.joined(separator: ", ")))")
        }
        try checkProvider(entry.key, entry.value, field: "\(field).provider.\(entry.key)")
        if entry.key != "job", range == nil, success == nil, failure == nil {
            throw fail(
                "thresholdRange", "a \(entry.key) metric needs thresholdRange, successCondition or failureCondition")
        }

        return AnalysisMetric(
            name: name, provider: entry.key, providerSpec: entry.value, interval: try duration("interval"),
            count: try count("count", minimum: 1), initialDelay: try duration("initialDelay") ?? .zero,
            thresholdRange: range, successCondition: success, failureCondition: failure,
            failureLimit: try count("failureLimit", minimum: 0) ?? 0,
            inconclusiveLimit: try count("inconclusiveLimit", minimum: 0) ?? 0,
            consecutiveErrorLimit: try count("consecutiveErrorLimit", minimum: 0) ?? 4,
            minSamples: try count("minSamples", minimum: 1) ?? 1)
    }

    /// Reads a list of metrics (`spec.metrics`); names must be unique.
    public static func parseList(_ value: Value, field: String) throws(AnalysisDeclarationError) -> [AnalysisMetric] {
        guard let items = value.arrayValue else {
            throw AnalysisDeclarationError(field: field, message: "must be a list")
        }
        var metrics: [AnalysisMetric] = []
        for (i, item) in items.enumerated() {
            let m = try parse(item, field: "\(field)[\(i)]")
            if metrics.contains(where: { $0.name == m.name }) {
                throw AnalysisDeclarationError(
                    field: "\(field)[\(i)].name", message: "metric \"\(m.name)\" is declared twice")
            }
            metrics.append(m)
        }
        return metrics
    }

    /// The required fields of each provider block.
    static func checkProvider(_ kind: String, _ spec: Value, field: String) throws(AnalysisDeclarationError) {
        guard let o = spec.objectValue else {
            throw AnalysisDeclarationError(field: field, message: "must be an object")
        }
        let required: [String] =
            switch kind {
            case "prometheus": ["address", "query"]
            case "web": ["url"]
            default: ["spec"]
            }
        for key in required where o[key] == nil {
            throw AnalysisDeclarationError(field: "\(field).\(key)", message: "required")
        }
        if kind == "prometheus", let auth = o["authentication"] {
            try PrometheusAuthentication.check(auth, field: "\(field).authentication")
        }
    }
}

/// Number and duration text shared by the analysis messages.
enum AnalysisFormat {
    /// `0.95`, `100`, `NaN`: the shortest text that reads back as the same number.
    /// Six significant digits: Prometheus' `0.7999999991899192` reads `0.8`.
    static func number(_ d: Double) -> String {
        if d.isNaN { return "NaN" }
        if d.isInfinite { return d > 0 ? "+Inf" : "-Inf" }
        if d == d.rounded(), abs(d) < 1e15 { return String(Int64(d)) }
        let short = String(format: "%.6g", d)
        return Double(short).map { $0 == $0.rounded() && abs($0) < 1e15 ? String(Int64($0)) : short } ?? short
    }

    /// `1s`, `1m30s`, `500ms`: a duration as it would be declared.
    static func text(_ d: Duration) -> String {
        let ms = Int64(d.components.seconds) * 1000 + d.components.attoseconds / 1_000_000_000_000_000
        if ms % 1000 != 0 { return "\(ms)ms" }
        let s = ms / 1000
        if s < 60 { return "\(s)s" }
        let m = s / 60
        return s % 60 == 0 ? "\(m)m" : "\(m)m\(s % 60)s"
    }

    /// Durations as declared: `30s`, `1m30s`, `500ms`, a plain number of seconds.
    static func duration(_ text: String) -> Duration? {
        if text.hasSuffix("ms"), let ms = Int(text.dropLast(2)), ms >= 0 { return .milliseconds(ms) }
        return DurationText.parse(text)
    }
}
