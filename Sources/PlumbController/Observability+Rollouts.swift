// The rollout families of the controller's `/metrics`:
//
// | family | type | labels | meaning |
// |---|---|---|---|
// | `plumb_rollout_phase` | gauge | `namespace`, `name` (the RolloutStrategy), `phase` (`Progressing`, `Paused`, `Healthy`, `Degraded`) | 1 for the rollout's current phase, 0 for the others |
// | `plumb_rollout_weight` | gauge | `namespace`, `name` | the canary's share of the traffic, 0 to 100 |
// | `plumb_analysis_runs_total` | counter | `result` (`Successful`, `Failed`, `Inconclusive`) | analysis steps run to a verdict |

import PlumbCore
import PlumbRollout
import Prometheus

/// The rollout metrics, on the controller's registry; the reconciler's runners report to it.
public final class RolloutMetrics: RolloutObserver {
    private let registry: PrometheusCollectorRegistry
    private let runs: [AnalysisPhase: Prometheus.Counter]

    static let phaseFamily = ControllerMetrics.Family(
        name: "plumb_rollout_phase", help: "Phase of each rollout (RolloutStrategy): 1 for the current phase, 0 for the others.")
    static let weightFamily = ControllerMetrics.Family(
        name: "plumb_rollout_weight", help: "The canary's share of the traffic of each rollout, 0 to 100.")
    static let runsFamily = ControllerMetrics.Family(
        name: "plumb_analysis_runs_total", help: "Analysis steps run to a verdict, by result (Successful, Failed, Inconclusive).")

    public init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
        var runs: [AnalysisPhase: Prometheus.Counter] = [:]
        for phase in [AnalysisPhase.successful, .failed, .inconclusive] {
            runs[phase] = registry.makeCounter(descriptor: Self.runsFamily.descriptor, labels: [("result", phase.rawValue)])
        }
        self.runs = runs
    }

    public func rolloutChanged(_ ref: ObjectRef, state: RolloutState) {
        let labels = [("namespace", ref.namespace), ("name", ref.name)]
        for phase in RolloutState.Phase.allCases {
            registry.makeGauge(descriptor: Self.phaseFamily.descriptor, labels: labels + [("phase", phase.rawValue)])
                .set(phase == state.phase ? 1.0 : 0.0)
        }
        registry.makeGauge(descriptor: Self.weightFamily.descriptor, labels: labels).set(Int64(state.weight))
    }

    public func analysisFinished(_ ref: ObjectRef, result: AnalysisPhase) {
        runs[result]?.increment()
    }
}
