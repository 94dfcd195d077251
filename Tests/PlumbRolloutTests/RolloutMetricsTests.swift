import PlumbController
import PlumbCore
import PlumbRollout
import XCTest

/// The rollout families on the controller's `/metrics`.
final class RolloutMetricsTests: XCTestCase {
    func testPhaseWeightAndAnalysisRunsAreExposed() {
        let metrics = ControllerMetrics()
        let rollouts = RolloutMetrics(registry: metrics.registry)
        let ref = RolloutControl.ref("web", namespace: "shop")
        var state = RolloutState(revision: "3f9c2ab", templateHash: "x", steps: 3)
        state.phase = .paused
        state.weight = 20
        rollouts.rolloutChanged(ref, state: state)
        rollouts.analysisFinished(ref, result: .failed)
        rollouts.analysisFinished(ref, result: .successful)
        rollouts.analysisFinished(ref, result: .successful)
        let text = metrics.exposition()
        XCTAssertTrue(text.contains(#"plumb_rollout_phase{namespace="shop",name="web",phase="Paused"} 1"#), text)
        XCTAssertTrue(text.contains(#"plumb_rollout_phase{namespace="shop",name="web",phase="Progressing"} 0"#), text)
        XCTAssertTrue(text.contains(#"plumb_rollout_weight{namespace="shop",name="web"} 20"#), text)
        XCTAssertTrue(text.contains(#"plumb_analysis_runs_total{result="Successful"} 2"#), text)
        XCTAssertTrue(text.contains(#"plumb_analysis_runs_total{result="Failed"} 1"#), text)
        XCTAssertTrue(text.contains("# HELP plumb_rollout_weight"), text)
        // A promoted rollout: Healthy, weight 0.
        state.phase = .healthy
        state.weight = 0
        rollouts.rolloutChanged(ref, state: state)
        let after = metrics.exposition()
        XCTAssertTrue(after.contains(#"plumb_rollout_phase{namespace="shop",name="web",phase="Healthy"} 1"#), after)
        XCTAssertTrue(after.contains(#"plumb_rollout_phase{namespace="shop",name="web",phase="Paused"} 0"#), after)
        XCTAssertTrue(after.contains(#"plumb_rollout_weight{namespace="shop",name="web"} 0"#), after)
    }
}
