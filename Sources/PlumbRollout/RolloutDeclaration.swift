import PlumbCore
import PlumbEngine

/// A `plumb.dev/v1alpha1 RolloutStrategy`: how a new pod template of one Deployment reaches
/// production. The kind is not Argo Rollouts' `Rollout` nor Flagger's `Canary`, so all three
/// can be installed side by side; the workload stays the user's own Deployment.
public struct RolloutDeclaration: Sendable, Equatable {
    public static let group = "plumb.dev"
    public static let apiVersion = "plumb.dev/v1alpha1"
    public static let kind = "RolloutStrategy"

    /// The RolloutStrategy object itself.
    public var ref: ObjectRef
    /// The Deployment it rolls out (same namespace).
    public var target: ObjectRef
    public var strategy: Strategy
    /// Where it was declared, for errors.
    public var source: SourceLocation?

    /// Canary steps or a blue/green switch.
    public enum Strategy: Sendable, Equatable {
        case canary(Canary)
        case blueGreen(BlueGreen)
    }

    /// `strategy.canary`.
    public struct Canary: Sendable, Equatable {
        public var steps: [Step]
        public var routing: Routing
        public var stableService: String?
        public var canaryService: String?
    }

    /// `strategy.blueGreen`: the new template runs beside the old one behind `previewService`,
    /// `prePromotionAnalysis` judges it, promotion switches every replica to it and the old
    /// pods go `scaleDownDelaySeconds` later.
    public struct BlueGreen: Sendable, Equatable {
        public var activeService: String
        public var previewService: String?
        public var prePromotionAnalysis: AnalysisStep?
        public var scaleDownDelaySeconds: Int
    }

    /// One canary step, Argo Rollouts' vocabulary.
    public enum Step: Sendable, Equatable, CustomStringConvertible {
        /// `setWeight: 20`: the canary's share of the traffic, 0...100.
        case setWeight(Int)
        /// `pause: {duration: 1m}`; `pause: {}` waits for `plumb rollout promote`.
        case pause(Duration?)
        /// `analysis: {templates: [{templateName: x}], args: [{name, value}]}`.
        case analysis(AnalysisStep)

        public var description: String {
            switch self {
            case .setWeight(let w): return "setWeight \(w)"
            case .pause(nil): return "pause until promoted"
            case .pause(let d?): return "pause \(DurationText.format(d))"
            case .analysis(let a): return "analysis \(a.templates.joined(separator: ", "))"
            }
        }
    }

    /// The templates (RolloutAnalysis objects, same namespace) and the args given to them.
    public struct AnalysisStep: Sendable, Equatable {
        public var templates: [String]
        public var args: [String: String]
    }

    /// `strategy.canary.trafficRouting`: which router splits the traffic.
    public enum Routing: Sendable, Equatable {
        /// No router: the replica ratio of stable and canary pods behind one Service.
        case none
        case gatewayAPI(httpRoute: String)
        case nginx(stableIngress: String)
        case istio(virtualService: String, destinationRule: String?)

        /// The router's name in declarations, status and `TrafficRouter.kind`.
        public var kind: String {
            switch self {
            case .none: return "none"
            case .gatewayAPI: return "gatewayAPI"
            case .nginx: return "nginx"
            case .istio: return "istio"
            }
        }
    }

    /// The canary steps, or blue/green's one pre-promotion analysis (none: promoted at once).
    public var steps: [Step] {
        switch strategy {
        case .canary(let c): return c.steps
        case .blueGreen(let b): return b.prePromotionAnalysis.map { [.analysis($0)] } ?? []
        }
    }

    /// The canary Deployment's name: `<target>-canary`.
    public var canaryName: String { target.name + "-canary" }

    /// The canary's share after step `index` has run (the last `setWeight` up to it; 0 before any).
    public func weight(afterStep index: Int) -> Int {
        guard case .canary(let c) = strategy else { return 0 }
        var weight = 0
        for step in c.steps.prefix(index + 1) {
            if case .setWeight(let w) = step { weight = w }
        }
        return weight
    }

    /// The router kind (`none` for blue/green, whose switch is a Service selector).
    public var routing: Routing {
        if case .canary(let c) = strategy { return c.routing }
        return .none
    }
}
