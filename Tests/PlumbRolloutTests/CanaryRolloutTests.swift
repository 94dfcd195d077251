import Foundation
import PlumbAudit
import PlumbController
import PlumbCore
import PlumbRollout
import Synchronization
import XCTest

/// Canary rollouts with the replica-ratio (`none`) router on the local cluster, through the
/// audited sync that `plumb sync` and the controller share.
final class CanaryRolloutTests: RolloutTestCase {
    /// Git's v1 deployed without a rollout (the Deployment is new), then v2 rolled out.
    func deployV1(_ steps: [String], extra: [String: String] = [:]) async throws {
        var files: [String: String?] = ["app/web.yaml": deployment(image: "nginx:1.25"), "app/rollout.yaml": strategy(steps)]
        for (k, v) in extra { files[k] = v }
        try commit(files, message: "web 1.25")
        let first = try await sync(runner())
        XCTAssertTrue(first.result.succeeded, "\(first.result.failures)")
        let canary = try await replicas("web-canary")
        XCTAssertNil(canary, "a new Deployment is created as Git has it, without a canary")
    }

    func testCanaryPassesStepByStepAndIsPromoted() async throws {
        try await deployV1(["setWeight: 20", "pause: {duration: 1s}", "setWeight: 60", "pause: {duration: 1s}"])
        let v2 = try commit(["app/web.yaml": deployment(image: "nginx:1.26")], message: "web 1.26")
        let lines = Lines()
        let done = Mutex(false)
        let sampler = sampleReplicas { done.withLock { $0 } }
        let outcome = try await sync(runner(lines: lines))
        done.withLock { $0 = true }
        let seen = await sampler.value
        XCTAssertTrue(outcome.result.succeeded, "\(outcome.result.failures) \(lines.text)")
        // Total 5: weight 20 gives the canary ceil(1.0) = 1 and stable 4; weight 60 gives 3 and 2.
        XCTAssertTrue(seen.contains("4/1"), "\(seen)")
        XCTAssertTrue(seen.contains("2/3"), "\(seen)")
        XCTAssertLessThan(seen.firstIndex(of: "4/1") ?? .max, seen.firstIndex(of: "2/3") ?? -1, "\(seen)")
        // The router scales the canary up before the stable down: never fewer than 5 replicas in all.
        let totals = seen.map { $0.split(separator: "/").map { Int($0) ?? 0 }.reduce(0, +) }
        XCTAssertTrue(totals.allSatisfy { $0 >= 5 }, "\(seen)")
        XCTAssertEqual(seen.last, "5/-", "promotion ends with all replicas on stable and no canary: \(seen)")
        let image = try await image("web")
        XCTAssertEqual(image, "nginx:1.26")
        let state = try await rolloutState()
        XCTAssertEqual(state?.phase, .healthy)
        XCTAssertEqual(state?.revision, v2)
        XCTAssertEqual(state?.weight, 0)
        XCTAssertTrue(lines.text.contains("step 1 of 4: setWeight 20 (web-canary 1, web 4 replicas)"), lines.text)
        XCTAssertTrue(lines.text.contains("step 3 of 4: setWeight 60 (web-canary 3, web 2 replicas)"), lines.text)
        // Every step has its audit entry, and the Deployment's entry is the promoted template.
        let record = try XCTUnwrap(try audit.record(outcome.auditID))
        XCTAssertEqual(record.result, .synced)
        let steps = record.objects.filter { $0.ref.kind == "RolloutStrategy" && $0.changedPaths.first?.hasPrefix("spec.strategy") == true }
        XCTAssertEqual(
            steps.flatMap(\.changedPaths),
            [
                "spec.strategy.canary.steps[0].setWeight", "spec.strategy.canary.steps[1].pause",
                "spec.strategy.canary.steps[2].setWeight", "spec.strategy.canary.steps[3].pause",
            ])
        XCTAssertTrue(record.objects.contains { $0.changedPaths == ["status.rollout.promotion"] && $0.action == .configured })
        let web = try XCTUnwrap(record.objects.first { $0.ref.kind == "Deployment" && $0.ref.name == "web" })
        XCTAssertEqual(web.action, .configured)
        XCTAssertTrue(web.changedPaths.contains { $0.hasPrefix("spec.template") }, "\(web.changedPaths)")
        // The next sync of the same commit has nothing to do.
        let again = try await sync(runner())
        XCTAssertTrue(again.result.succeeded)
        XCTAssertEqual(again.result.count(.configured), 0, "\(again.result.objects)")
    }

    func testNonTemplateChangeIsAppliedDirectly() async throws {
        try await deployV1(["setWeight: 50", "pause: {}"])
        try commit(["app/web.yaml": deployment(image: "nginx:1.25", replicas: 7, labels: ["tier": "front"])], message: "scale")
        let lines = Lines()
        let outcome = try await sync(runner(holdPauses: false, lines: lines))
        XCTAssertTrue(outcome.result.succeeded, "\(outcome.result.failures)")
        let web = try await deploymentObject("web")
        XCTAssertEqual(web?[path: ["spec", "replicas"]]?.intValue, 7)
        XCTAssertEqual(web?[path: ["metadata", "labels", "tier"]]?.stringValue, "front")
        let canary = try await replicas("web-canary")
        XCTAssertNil(canary)
        XCTAssertEqual(lines.all, [], "no rollout for a change outside the pod template")
        XCTAssertTrue(outcome.rolloutsWaiting.isEmpty)
    }

    func testManualPauseWaitsForPromote() async throws {
        try await deployV1(["setWeight: 40", "pause: {}", "setWeight: 80"])
        try commit(["app/web.yaml": deployment(image: "nginx:1.26")], message: "web 1.26")
        let lines = Lines()
        let (syncer, held) = (self.syncer, self.runner(lines: lines))
        let running = Task { try await syncer.run(held) }
        // Held at the pause: 2 canary replicas of 5, the sync still running.
        var paused = false
        for _ in 0..<200 where !paused {
            paused = try await rolloutState()?.phase == .paused
            if !paused { try await Task.sleep(for: .milliseconds(50)) }
        }
        XCTAssertTrue(paused, lines.text)
        let counts = (try await replicas("web"), try await replicas("web-canary"))
        XCTAssertEqual(counts.0, 3)
        XCTAssertEqual(counts.1, 2)
        try kubectlOK(["annotate", "-n", namespace, "rolloutstrategy/web", "plumb.dev/rollout-command=promote"])
        let outcome = try await running.value
        XCTAssertTrue(outcome.result.succeeded, "\(outcome.result.failures)")
        XCTAssertTrue(lines.text.contains("promoted by `plumb rollout promote` at step 2 of 3"), lines.text)
        let image = try await image("web")
        XCTAssertEqual(image, "nginx:1.26")
        let annotations = try kubectlOK(["get", "-n", namespace, "rolloutstrategy/web", "-o", "jsonpath={.metadata.annotations}"])
        XCTAssertFalse(annotations.contains("rollout-command"), "the command is cleared once acted on: \(annotations)")
    }

    func testNewCommitMidRolloutReplacesTheCanaryAndRestartsTheSteps() async throws {
        try await deployV1(["setWeight: 20", "pause: {}", "setWeight: 100", "pause: {}"])
        let v2 = try commit(["app/web.yaml": deployment(image: "nginx:1.26")], message: "web 1.26")
        let first = try await sync(runner(holdPauses: false))
        XCTAssertTrue(first.result.succeeded, "\(first.result.failures)")
        XCTAssertEqual(first.rolloutsWaiting.count, 1)
        XCTAssertTrue(first.rolloutsWaiting[0].contains("paused until `plumb rollout promote web`"), "\(first.rolloutsWaiting)")
        var state = try await rolloutState()
        XCTAssertEqual(state?.revision, v2)
        XCTAssertEqual(state?.step, 1)
        let canaryImage = try await image("web-canary")
        XCTAssertEqual(canaryImage, "nginx:1.26")
        // `plumb diff` meanwhile: no drift, the Deployment is rolling out.
        let view = try await diffView()
        XCTAssertFalse(view.plan.hasChanges, "\(view.plan.changeSet.objects.filter { $0.action != .unchanged })")
        XCTAssertEqual(
            view.notes,
            ["apps/v1 Deployment shop/web  rolling out to \(v2.prefix(7)), step 2 of 4 (Paused: paused until `plumb rollout promote web`)"])
        // Promote past the first pause: the next sync goes on to 100 and pauses again.
        try kubectlOK(["annotate", "-n", namespace, "rolloutstrategy/web", "plumb.dev/rollout-command=promote"])
        _ = try await sync(runner(holdPauses: false))
        state = try await rolloutState()
        XCTAssertEqual(state?.step, 3)
        let full = (try await replicas("web"), try await replicas("web-canary"))
        XCTAssertEqual(full.0, 0)
        XCTAssertEqual(full.1, 5)
        // A newer commit: the canary gets its template, the steps start again from the first.
        let v3 = try commit(["app/web.yaml": deployment(image: "nginx:1.27")], message: "web 1.27")
        let lines = Lines()
        let third = try await sync(runner(holdPauses: false, lines: lines))
        XCTAssertTrue(third.result.succeeded, "\(third.result.failures)")
        XCTAssertTrue(lines.text.contains("newer revision \(v3.prefix(7)): canary template replaced, steps restart"), lines.text)
        state = try await rolloutState()
        XCTAssertEqual(state?.revision, v3)
        XCTAssertEqual(state?.step, 1)
        XCTAssertEqual(state?.weight, 20)
        let images = (try await image("web"), try await image("web-canary"))
        XCTAssertEqual(images.0, "nginx:1.25", "stable keeps its template until promotion")
        XCTAssertEqual(images.1, "nginx:1.27")
        let restarted = (try await replicas("web"), try await replicas("web-canary"))
        XCTAssertEqual(restarted.0, 4)
        XCTAssertEqual(restarted.1, 1)
    }

    func testStoppedRunnerResumesWhereItWas() async throws {
        try await deployV1(["setWeight: 20", "pause: {duration: 1h}", "setWeight: 60"])
        try commit(["app/web.yaml": deployment(image: "nginx:1.26")], message: "web 1.26")
        let (syncer, first) = (self.syncer, self.runner())
        let running = Task { try await syncer.run(first) }
        var atPause = false
        for _ in 0..<200 where !atPause {
            atPause = try await rolloutState()?.step == 1
            if !atPause { try await Task.sleep(for: .milliseconds(50)) }
        }
        XCTAssertTrue(atPause)
        running.cancel()  // a controller stopped mid-rollout
        let stopped = try await running.value
        XCTAssertFalse(stopped.rolloutsWaiting.isEmpty)
        let kept = (try await replicas("web"), try await replicas("web-canary"))
        XCTAssertEqual(kept.0, 4, "the canary stays where it was")
        XCTAssertEqual(kept.1, 1)
        // A new runner (a restarted controller, a second `plumb sync --wait`) resumes at the pause.
        try kubectlOK(["annotate", "-n", namespace, "rolloutstrategy/web", "plumb.dev/rollout-command=promote"])
        let lines = Lines()
        let resumed = try await sync(runner(lines: lines))
        XCTAssertTrue(resumed.result.succeeded, "\(resumed.result.failures)")
        XCTAssertTrue(lines.text.contains("resuming"), lines.text)
        XCTAssertFalse(lines.text.contains("setWeight 20"), "step 1 is not run again: \(lines.text)")
        XCTAssertTrue(lines.text.contains("step 3 of 3: setWeight 60"), lines.text)
        let image = try await image("web")
        XCTAssertEqual(image, "nginx:1.26")
    }

    func testInvalidDeclarationIsAnErrorNamingFileAndField() async throws {
        try await deployV1(["setWeight: 20"])
        try commit(["app/web.yaml": deployment(image: "nginx:1.26"), "app/rollout.yaml": strategy(["setWeight: 120"])], message: "bad")
        let outcome = try await sync(runner())
        XCTAssertFalse(outcome.result.succeeded)
        let errors = outcome.result.failures.compactMap(\.error)
        XCTAssertEqual(
            errors, ["app/rollout.yaml:1:1: plumb.dev/v1alpha1 RolloutStrategy shop/web: spec.strategy.canary.steps[0].setWeight: expected an integer from 0 to 100"])
        XCTAssertTrue(outcome.result.nothingApplied)
        let image = try await image("web")
        XCTAssertEqual(image, "nginx:1.25")
    }
}
