import Foundation
import PlumbAudit
import PlumbController
import PlumbCore
import PlumbRollout
import XCTest

/// A canary judged by a real `web` analysis provider against a real HTTP server on 127.0.0.1:
/// a bad value rolls it back, the revision is not tried again until `retry`.
final class RolloutRollbackTests: RolloutTestCase {
    func analysisTemplate(url: String) -> String {
        """
        apiVersion: plumb.dev/v1alpha1
        kind: RolloutAnalysis
        metadata:
          name: success-rate
          namespace: shop
        spec:
          metrics:
            - name: success-rate
              interval: 1s
              count: 2
              thresholdRange:
                min: 0.95
              provider:
                web:
                  url: \(url)
                  jsonPath: "{$.successRate}"

        """
    }

    func testFailingAnalysisRollsBackAndIsNotRetriedUntilAsked() async throws {
        let metrics = try MetricsServer(successRate: 0.99)
        let steps = ["setWeight: 40", "analysis: {templates: [{templateName: success-rate}]}", "setWeight: 100"]
        try commit(
            ["app/web.yaml": deployment(image: "nginx:1.25"), "app/rollout.yaml": strategy(steps), "app/analysis.yaml": analysisTemplate(url: metrics.url)],
            message: "web 1.25")
        let created = try await sync(runner())
        XCTAssertTrue(created.result.succeeded, "\(created.result.failures)")
        try metrics.set(successRate: 0.5)
        let v2 = try commit(["app/web.yaml": deployment(image: "nginx:1.26")], message: "web 1.26")
        let lines = Lines()
        let outcome = try await sync(runner(lines: lines))
        XCTAssertFalse(outcome.result.succeeded, lines.text)
        let error = try XCTUnwrap(outcome.result.failures.first?.error)
        XCTAssertTrue(error.hasPrefix("apps/v1 Deployment shop/web: rolled back: step 2 of 3: analysis success-rate failed: "), error)
        XCTAssertTrue(error.contains("0.5"), "the metric's value: \(error)")
        XCTAssertTrue(error.contains("0.95"), "the threshold: \(error)")
        // Traffic back on stable: all 5 replicas on the old template, no canary.
        let stable = (try await replicas("web"), try await image("web"), try await replicas("web-canary"))
        XCTAssertEqual(stable.0, 5)
        XCTAssertEqual(stable.1, "nginx:1.25")
        XCTAssertNil(stable.2)
        let state = try await rolloutState()
        XCTAssertEqual(state?.phase, .degraded)
        XCTAssertEqual(state?.failedStep, 1)
        XCTAssertEqual(state?.revision, v2)
        // The audit record is failed and names the step that failed.
        let record = try XCTUnwrap(try audit.record(outcome.auditID))
        XCTAssertEqual(record.result, .failed)
        XCTAssertEqual(record.error, error)
        let failedStep = try XCTUnwrap(record.objects.first { $0.ref.kind == "RolloutStrategy" && $0.action == .failed })
        XCTAssertEqual(failedStep.changedPaths, ["spec.strategy.canary.steps[1].analysis"])
        XCTAssertTrue(failedStep.error?.contains("success-rate") == true, "\(failedStep)")
        XCTAssertTrue(record.objects.contains { $0.changedPaths == ["spec.strategy.canary.steps[0].setWeight"] && $0.action == .configured })

        // `plumb diff` says the revision is Degraded, rolled back (and Git still differs).
        let view = try await diffView()
        XCTAssertTrue(view.plan.hasChanges)
        XCTAssertEqual(view.notes.count, 1)
        XCTAssertTrue(view.notes[0].hasPrefix("apps/v1 Deployment shop/web  Degraded, rolled back: \(v2.prefix(7)) failed at step 2 of 3: "), "\(view.notes)")
        // The same revision again: no canary, the sync says why.
        try metrics.set(successRate: 0.99)
        let again = try await sync(runner())
        XCTAssertFalse(again.result.succeeded)
        let blocked = try XCTUnwrap(again.result.failures.first?.error)
        XCTAssertTrue(blocked.contains("Degraded, rolled back"), blocked)
        XCTAssertTrue(blocked.contains("plumb rollout retry web"), blocked)
        let noCanary = try await replicas("web-canary")
        XCTAssertNil(noCanary)
        let stillOld = try await image("web")
        XCTAssertEqual(stillOld, "nginx:1.25")

        // `retry` (as `plumb rollout retry` writes it): the rollout runs again and, with good values, is promoted.
        try await RolloutControl(client: client).send(.retry, to: RolloutControl.ref("web", namespace: namespace))
        let retried = try await sync(runner())
        XCTAssertTrue(retried.result.succeeded, "\(retried.result.failures)")
        let promoted = try await image("web")
        XCTAssertEqual(promoted, "nginx:1.26")
        let healthy = try await rolloutState()
        XCTAssertEqual(healthy?.phase, .healthy)
        XCTAssertEqual(healthy?.measurements.map(\.phase), [.successful, .successful])
    }

    func testNewerCommitAfterRollbackIsRolledOut() async throws {
        let metrics = try MetricsServer(successRate: 0.5)
        let steps = ["setWeight: 20", "analysis: {templates: [{templateName: success-rate}]}"]
        try commit(
            ["app/web.yaml": deployment(image: "nginx:1.25"), "app/rollout.yaml": strategy(steps), "app/analysis.yaml": analysisTemplate(url: metrics.url)],
            message: "web 1.25")
        _ = try await sync(runner())
        try commit(["app/web.yaml": deployment(image: "nginx:1.26")], message: "web 1.26")
        let failed = try await sync(runner())
        XCTAssertFalse(failed.result.succeeded)
        try metrics.set(successRate: 1.0)
        try commit(["app/web.yaml": deployment(image: "nginx:1.27")], message: "web 1.27")
        let newer = try await sync(runner())
        XCTAssertTrue(newer.result.succeeded, "\(newer.result.failures)")
        let image = try await image("web")
        XCTAssertEqual(image, "nginx:1.27")
    }
}
