import Foundation
import PlumbAudit
import PlumbController
import PlumbCore
import PlumbRollout
import Synchronization
import XCTest

/// Blue/green: the new template at full size behind the preview Service, judged by the
/// pre-promotion analysis, then promoted; the old pods go after the scale-down delay.
final class BlueGreenRolloutTests: RolloutTestCase {
    func blueGreen(url: String) -> String {
        """
        apiVersion: v1
        kind: Service
        metadata:
          name: web-preview
          namespace: shop
        spec:
          selector:
            app: web
          ports:
            - port: 80
        ---
        apiVersion: plumb.dev/v1alpha1
        kind: RolloutAnalysis
        metadata:
          name: smoke
          namespace: shop
        spec:
          metrics:
            - name: success-rate
              interval: 1s
              count: 2
              thresholdRange: {min: 0.95}
              provider:
                web:
                  url: \(url)
                  jsonPath: "{$.successRate}"
        ---
        apiVersion: plumb.dev/v1alpha1
        kind: RolloutStrategy
        metadata:
          name: web
          namespace: shop
        spec:
          targetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
          strategy:
            blueGreen:
              activeService: web
              previewService: web-preview
              scaleDownDelaySeconds: 1
              prePromotionAnalysis:
                templates: [{templateName: smoke}]

        """
    }

    func previewSelector() async throws -> String? {
        try await client.get(ObjectRef(apiVersion: "v1", kind: "Service", namespace: namespace, name: "web-preview"))[
            path: ["spec", "selector", RolloutRunner.roleLabel]]?.stringValue
    }

    func testPreviewAnalysisThenPromotionAfterTheScaleDownDelay() async throws {
        let metrics = try MetricsServer(successRate: 1.0)
        try commit(["app/web.yaml": deployment(image: "nginx:1.25"), "app/rollout.yaml": blueGreen(url: metrics.url)], message: "web 1.25")
        let created = try await sync(runner())
        XCTAssertTrue(created.result.succeeded, "\(created.result.failures)")
        try commit(["app/web.yaml": deployment(image: "nginx:1.26")], message: "web 1.26")
        let done = Mutex(false)
        let sampler = sampleReplicas { done.withLock { $0 } }
        let client = self.client!
        let ns = namespace
        let previewSeen = Task {
            var seen: Set<String> = []
            while !done.withLock({ $0 }) {
                let svc = try? await client.get(ObjectRef(apiVersion: "v1", kind: "Service", namespace: ns, name: "web-preview"))
                seen.insert(svc?[path: ["spec", "selector", RolloutRunner.roleLabel]]?.stringValue ?? "none")
                try? await Task.sleep(for: .milliseconds(20))
            }
            return seen
        }
        let lines = Lines()
        let started = ContinuousClock.now
        let outcome = try await sync(runner(lines: lines))
        let took = ContinuousClock.now - started
        done.withLock { $0 = true }
        let pairs = await sampler.value
        let selectors = await previewSeen.value
        XCTAssertTrue(outcome.result.succeeded, "\(outcome.result.failures) \(lines.text)")
        XCTAssertTrue(pairs.contains("5/5"), "the new template at full size beside the old: \(pairs)")
        XCTAssertTrue(selectors.contains("canary"), "the preview Service selected the new pods: \(selectors)")
        XCTAssertEqual(pairs.last, "5/-")
        XCTAssertGreaterThanOrEqual(took, .seconds(2), "one analysis interval and the scale-down delay")
        let image = try await image("web")
        XCTAssertEqual(image, "nginx:1.26")
        let selector = try await previewSelector()
        XCTAssertNil(selector, "the preview Service selects the promoted pods again")
        let record = try XCTUnwrap(try audit.record(outcome.auditID))
        XCTAssertTrue(record.objects.contains { $0.changedPaths == ["spec.strategy.blueGreen.prePromotionAnalysis"] && $0.action == .configured })
    }
}
