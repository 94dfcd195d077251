import PlumbCore

/// A `plumb.dev/v1alpha1 RolloutAnalysis`: the metrics an analysis step measures. Argo
/// Rollouts calls its kind `AnalysisTemplate`; Plumb's own name keeps both installable.
public struct RolloutAnalysisTemplate: Sendable, Equatable {
    public static let kind = "RolloutAnalysis"

    public var ref: ObjectRef
    /// The args the template takes, with their defaults (nil: the step must give it).
    public var args: [String: String?]
    /// The metrics, as `AnalysisRun` measures them.
    public var metrics: [AnalysisMetric]
}

extension RolloutAnalysisTemplate {
    /// Reads a RolloutAnalysis object; every problem is thrown with its field.
    public init(_ resource: Resource) throws(DeclarationProblem) {
        let ref = resource.ref
        func problem(_ field: String, _ message: String) -> DeclarationProblem {
            DeclarationProblem(ref: ref, source: resource.source, field: field, message: message)
        }
        guard let spec = resource.body["spec"], spec.objectValue != nil else { throw problem("spec", "required") }
        var args: [String: String?] = [:]
        for (i, a) in (spec["args"]?.arrayValue ?? []).enumerated() {
            guard let name = a["name"]?.stringValue, !name.isEmpty else { throw problem("spec.args[\(i)].name", "required") }
            args[name] = a["value"]?.stringValue
        }
        guard let list = spec["metrics"], list.arrayValue?.isEmpty == false else {
            throw problem("spec.metrics", "at least one metric is required")
        }
        let metrics: [AnalysisMetric]
        do {
            metrics = try AnalysisMetric.parseList(list, field: "spec.metrics")
        } catch {
            throw problem(error.field, error.message)
        }
        self.init(ref: ref, args: args, metrics: metrics)
    }
}
