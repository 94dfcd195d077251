import PlumbCore

/// Where one rollout stands when a sync ends: the `rollouts` entries of `plumb sync -o json`
/// and the summary line of `plumb sync`.
public struct RolloutSummary: Sendable, Equatable {
    /// The failed step of a rolled-back rollout, with the measurement that decided it.
    public struct Failure: Sendable, Equatable {
        /// 1-based, as `step k of n` prints it.
        public var step: Int?
        public var metric: String?
        public var value: String?
        public var threshold: String?
        public var message: String
    }

    /// The RolloutStrategy.
    public var strategy: ObjectRef
    /// The Deployment rolled out, and its canary's name.
    public var target: ObjectRef
    public var canary: String
    /// `none`, `gatewayAPI`, `nginx`, `istio`; `blueGreen` for a blue/green strategy.
    public var router: String
    /// What the sync did with it: `start`, `resume`, `restart`, `blocked`, `cancel`.
    public var action: String
    public var phase: RolloutState.Phase
    /// 1-based step (the last once all have run) and the number of steps.
    public var step: Int
    public var steps: Int
    public var weight: Int
    public var revision: String
    public var message: String
    public var failure: Failure?

    /// The summary of `declaration` whose state is `state` after the sync.
    public init(_ declaration: RolloutDeclaration, state: RolloutState, action: PendingRollout.Action) {
        strategy = declaration.ref
        target = declaration.target
        canary = declaration.canaryName
        if case .blueGreen = declaration.strategy { router = "blueGreen" } else { router = declaration.routing.kind }
        self.action = action.rawValue
        phase = state.phase
        steps = state.steps
        step = min(state.step + 1, max(state.steps, 1))
        if state.phase == .healthy { step = state.steps }
        weight = state.weight
        revision = state.revision
        message = state.message
        if state.phase == .degraded {
            let decided = state.measurements.last { $0.phase == .failed } ?? state.measurements.last { $0.phase == .error }
            failure = Failure(
                step: state.failedStep.map { $0 + 1 }, metric: decided?.metric, value: decided?.value, threshold: decided?.threshold,
                message: state.message)
        }
    }

    /// `rollout shop/web: Degraded at step 2 of 3, weight 0, canary web-canary: success-rate 0.5 (threshold min 0.95)`.
    public var line: String {
        var text = "rollout \(strategy.qualifiedName): \(phase.rawValue)"
        if let failure {
            text += " at step \(failure.step ?? step) of \(steps), weight \(weight), canary \(canary)"
            if let metric = failure.metric {
                text += ": \(metric) \(failure.value ?? "no value")" + (failure.threshold.map { " (threshold \($0))" } ?? "")
            } else {
                text += ": \(failure.message)"
            }
        } else {
            text += ", step \(step) of \(steps), weight \(weight), canary \(canary), revision \(String(revision.prefix(7)))"
        }
        return text
    }

    /// The JSON form: `{"strategy", "target", "canary", "router", "action", "phase", "step",
    /// "steps", "weight", "revision", "message", "failure"?: {"step", "metric", "value", "threshold", "message"}}`.
    public var jsonValue: Value {
        var o = ValueObject()
        o.appendUnchecked(key: "strategy", value: Self.json(strategy))
        o.appendUnchecked(key: "target", value: Self.json(target))
        o.appendUnchecked(key: "canary", value: .string(canary))
        o.appendUnchecked(key: "router", value: .string(router))
        o.appendUnchecked(key: "action", value: .string(action))
        o.appendUnchecked(key: "phase", value: .string(phase.rawValue))
        o.appendUnchecked(key: "step", value: .int(Int64(step)))
        o.appendUnchecked(key: "steps", value: .int(Int64(steps)))
        o.appendUnchecked(key: "weight", value: .int(Int64(weight)))
        o.appendUnchecked(key: "revision", value: .string(revision))
        o.appendUnchecked(key: "message", value: .string(message))
        if let failure {
            var f = ValueObject()
            if let step = failure.step { f.appendUnchecked(key: "step", value: .int(Int64(step))) }
            if let metric = failure.metric { f.appendUnchecked(key: "metric", value: .string(metric)) }
            if let value = failure.value { f.appendUnchecked(key: "value", value: .string(value)) }
            if let threshold = failure.threshold { f.appendUnchecked(key: "threshold", value: .string(threshold)) }
            f.appendUnchecked(key: "message", value: .string(failure.message))
            o.appendUnchecked(key: "failure", value: .object(f))
        }
        return .object(o)
    }

    static func json(_ ref: ObjectRef) -> Value {
        ["apiVersion": .string(ref.apiVersion), "kind": .string(ref.kind), "namespace": .string(ref.namespace), "name": .string(ref.name)]
    }
}
