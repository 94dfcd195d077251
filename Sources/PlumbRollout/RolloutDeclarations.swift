import PlumbCore
import PlumbManifests

/// Every RolloutStrategy and RolloutAnalysis of a desired set, checked together: each
/// strategy's Deployment and analysis templates must be among the objects.
public struct RolloutDeclarations: Sendable {
    public var strategies: [RolloutDeclaration]
    /// Templates by `namespace/name`.
    public var templates: [String: RolloutAnalysisTemplate]

    /// Whether `ref` is one of the rollout kinds.
    public static func isDeclaration(_ ref: ObjectRef) -> Bool {
        ref.group == RolloutDeclaration.group && (ref.kind == RolloutDeclaration.kind || ref.kind == RolloutAnalysisTemplate.kind)
    }

    /// Reads and checks the declarations among `resources`; every problem names the file and field.
    public init(_ resources: [Resource]) throws(ManifestErrors) {
        var problems: [DeclarationProblem] = []
        var strategies: [RolloutDeclaration] = []
        var templates: [String: RolloutAnalysisTemplate] = [:]
        var deployments: Set<String> = []
        for r in resources {
            if r.ref.group == "apps" && r.kind == "Deployment" { deployments.insert(r.ref.qualifiedName) }
            guard r.ref.group == RolloutDeclaration.group else { continue }
            do {
                if r.kind == RolloutDeclaration.kind {
                    strategies.append(try RolloutDeclaration(r))
                } else if r.kind == RolloutAnalysisTemplate.kind {
                    let t = try RolloutAnalysisTemplate(r)
                    templates[t.ref.qualifiedName] = t
                }
            } catch {
                problems.append(error)
            }
        }
        var targeted: [String: ObjectRef] = [:]
        for s in strategies {
            func problem(_ field: String, _ message: String) {
                problems.append(DeclarationProblem(ref: s.ref, source: s.source, field: field, message: message))
            }
            if !deployments.contains(s.target.qualifiedName) {
                problem("spec.targetRef.name", "Deployment \(s.target.qualifiedName) is not among the app's objects")
            }
            if let other = targeted[s.target.qualifiedName] {
                problem("spec.targetRef.name", "Deployment \(s.target.qualifiedName) is already rolled out by \(other)")
            }
            targeted[s.target.qualifiedName] = s.ref
            for (i, step) in s.steps.enumerated() {
                guard case .analysis(let a) = step else { continue }
                let field: String
                if case .blueGreen = s.strategy {
                    field = "spec.strategy.blueGreen.prePromotionAnalysis"
                } else {
                    field = "spec.strategy.canary.steps[\(i)].analysis"
                }
                for (j, name) in a.templates.enumerated() {
                    let key = s.ref.namespace.isEmpty ? name : "\(s.ref.namespace)/\(name)"
                    guard let t = templates[key] else {
                        problem("\(field).templates[\(j)].templateName", "RolloutAnalysis \(key) is not among the app's objects")
                        continue
                    }
                    for (arg, value) in t.args.sorted(by: { $0.key < $1.key }) where value == nil && a.args[arg] == nil
                        && !RolloutDeclarations.builtInArgs.contains(arg)
                    {
                        problem("\(field).args", "RolloutAnalysis \(key) needs the arg \"\(arg)\"")
                    }
                }
            }
        }
        if !problems.isEmpty { throw ManifestErrors(problems.map(\.manifestError)) }
        self.strategies = strategies
        self.templates = templates
    }

    /// The args every analysis gets without declaring them (`AnalysisArgs.standard`, and `revision`).
    public static let builtInArgs: Set<String> = [
        "name", "canary-name", "stable-name", "target", "namespace", "canary-namespace", "stable-service", "canary-service", "revision",
    ]

    /// The templates an analysis step names, in its namespace.
    public func templates(for step: RolloutDeclaration.AnalysisStep, namespace: String) -> [RolloutAnalysisTemplate] {
        step.templates.compactMap { templates[namespace.isEmpty ? $0 : "\(namespace)/\($0)"] }
    }
}
