import Foundation
import PlumbCore
import PlumbEngine
import XCTest

final class ExecutorTests: XCTestCase {
    let clock = TestClock()
    let observer = RecordingObserver()

    func sync(
        _ desired: [Value], target: FakeTarget, options: SyncOptions = SyncOptions(), app: String = "shop"
    ) async throws -> ChangeSet {
        let set = resources(desired)
        let plan = try Planner(app: app).plan(
            desired: set, observation: try await target.observe(set, app: app), target: target)
        return await Executor(target: target, clock: clock, observer: observer).run(plan, options: options)
    }

    func testStepsApplyInOrderAndLabelsAreAdded() async throws {
        let target = FakeTarget()
        let result = try await sync([
            object("acme/v1", "Widget", "w1", annotations: [SyncLabels.syncWave: "1"]),
            object("apps/v1", "Deployment", "web"),
            object("v1", "ConfigMap", "settings"),
            object("v1", "Namespace", "web-ns", namespace: nil),
            object("batch/v1", "Job", "migrate", annotations: [SyncLabels.syncWave: "-1"]),
        ], target: target)
        XCTAssertEqual(target.applied, ["migrate", "web-ns", "settings", "web", "w1"])
        XCTAssertEqual(result.summary, "5 created")
        for r in target.appliedResources {
            XCTAssertEqual(r.labels["app.kubernetes.io/managed-by"], "plumb", r.name)
            XCTAssertEqual(r.labels["plumb.dev/app"], "shop", r.name)
        }
        let steps = observer.events.compactMap { e -> Int? in
            if case .stepStarted(let wave, _, _) = e { return wave }
            return nil
        }
        XCTAssertEqual(steps, [-1, 0, 0, 0, 1])
        let done = observer.events.compactMap { e -> String? in
            if case .objectDone(let change, let wave, _) = e { return "\(wave) \(change.ref.name) \(change.action)" }
            return nil
        }
        XCTAssertEqual(done, ["-1 migrate created", "0 web-ns created", "0 settings created", "0 web created", "1 w1 created"])
    }

    func testConcurrencyInsideAStepIsBounded() async throws {
        let target = FakeTarget()
        let maps = (0..<24).map { object("v1", "ConfigMap", "cm\($0)") }
        var options = SyncOptions()
        options.concurrency = 3
        let result = try await sync(maps, target: target, options: options)
        XCTAssertEqual(result.count(.created), 24)
        XCTAssertLessThanOrEqual(target.maxInFlight, 3)
        XCTAssertGreaterThan(target.maxInFlight, 1, "calls never overlapped")
    }

    func testNothingIsAppliedWhenAnyDryRunFails() async throws {
        let target = FakeTarget()
        target.failDryRun("web", "spec.replicas: Invalid value: -1: must be greater than or equal to 0")
        target.failDryRun("settings", "data: must be a map")
        let result = try await sync([
            object("apps/v1", "Deployment", "web"), object("v1", "ConfigMap", "settings"), object("v1", "Service", "web-svc"),
        ], target: target)
        XCTAssertEqual(target.applied, [])
        XCTAssertEqual(Set(target.log.filter { $0.hasPrefix("dry-run") }).count, 3, "every object is validated")
        XCTAssertEqual(result.failures.compactMap(\.error), [
            "v1 ConfigMap web/settings: dry-run failed: data: must be a map",
            "apps/v1 Deployment web/web: dry-run failed: spec.replicas: Invalid value: -1: must be greater than or equal to 0",
        ])
        XCTAssertEqual(result.objects.filter { $0.action == .skipped }.map(\.error), [
            "v1 Service web/web-svc: not applied: 2 of 3 objects failed validation",
        ])
        XCTAssertTrue(result.nothingApplied)
    }

    func testPruneDeletesOnlyUnprotectedObjectsOfThisApp() async throws {
        let mine = [SyncLabels.app: "shop"]
        let target = FakeTarget(appObjects: [
            object("v1", "ConfigMap", "legacy", labels: mine),
            object("v1", "ConfigMap", "kept", annotations: [SyncLabels.prune: "disabled"], labels: mine),
            object("v1", "ConfigMap", "theirs", labels: [SyncLabels.app: "billing"]),
        ])
        var options = SyncOptions()
        options.prune = true
        let result = try await sync([object("v1", "ConfigMap", "settings")], target: target, options: options)
        XCTAssertEqual(target.deleted, ["legacy"])
        XCTAssertEqual(result.objects.map { "\($0.ref.name) \($0.action)" }, ["settings created", "legacy pruned", "kept skipped"])
        XCTAssertEqual(result.objects.last?.error, "v1 ConfigMap web/kept: not pruned: plumb.dev/prune: disabled")
        XCTAssertTrue(result.succeeded)
    }

    func testPruneIsOptIn() async throws {
        let target = FakeTarget(appObjects: [object("v1", "ConfigMap", "legacy", labels: [SyncLabels.app: "shop"])])
        let result = try await sync([object("v1", "ConfigMap", "settings")], target: target)
        XCTAssertEqual(target.deleted, [])
        XCTAssertEqual(result.objects.last?.action, .skipped)
        XCTAssertEqual(result.objects.last?.error, "v1 ConfigMap web/legacy: not pruned: pruning is off")
    }

    func testPruneRunsInReverseOrderAfterApplies() async throws {
        let mine = [SyncLabels.app: "shop"]
        let target = FakeTarget(appObjects: [
            object("v1", "Namespace", "old-ns", namespace: nil, labels: mine),
            object("v1", "ConfigMap", "old-config", labels: mine),
            object("apps/v1", "Deployment", "old-web", labels: mine),
            object("v1", "ConfigMap", "late", annotations: [SyncLabels.syncWave: "2"], labels: mine),
        ])
        var options = SyncOptions()
        options.prune = true
        _ = try await sync([object("v1", "ConfigMap", "settings")], target: target, options: options)
        XCTAssertEqual(target.log.filter { !$0.hasPrefix("dry-run") }, [
            "apply settings", "delete late", "delete old-web", "delete old-config", "delete old-ns",
        ])
    }

    func testTransientErrorsAreRetriedWithBackoff() async throws {
        let target = FakeTarget()
        target.failApplyTransiently("web", times: 3)
        let result = try await sync([object("apps/v1", "Deployment", "web")], target: target)
        XCTAssertEqual(result.count(.created), 1)
        XCTAssertEqual(target.applied, ["web", "web", "web", "web"])
        XCTAssertEqual(clock.sleeps, [.milliseconds(200), .milliseconds(400), .milliseconds(800)])
    }

    func testRetriesRunOut() async throws {
        let target = FakeTarget()
        target.failApplyTransiently("web", times: 10)
        var options = SyncOptions()
        options.retry = RetryPolicy(maxAttempts: 3, initialDelay: .seconds(1), maxDelay: .seconds(1))
        let result = try await sync([object("apps/v1", "Deployment", "web")], target: target, options: options)
        XCTAssertEqual(target.applied.count, 3)
        XCTAssertEqual(clock.sleeps, [.seconds(1), .seconds(1)])
        XCTAssertEqual(result.failures.map(\.error), ["apps/v1 Deployment web/web: apply failed: etcdserver: request timed out"])
        XCTAssertEqual(result.failures.map(\.isTransient), [true])
    }

    func testConflictFailsWithoutForceAndIsTakenWithForce() async throws {
        let conflict = ApplyConflict(conflicts: [
            .init(manager: ManagerIdentity(manager: "kubectl-scale", operation: .update, apiVersion: "apps/v1"),
                  path: FieldPath(fields: "spec", "replicas")),
        ])
        let target = FakeTarget(live: [object("apps/v1", "Deployment", "web", spec: ["replicas": 5])])
        target.conflict("web", conflict)
        let desired = [object("apps/v1", "Deployment", "web", spec: ["replicas": 2]), object("apps/v1", "Deployment", "next",
            annotations: [SyncLabels.syncWave: "1"])]
        let failed = try await sync(desired, target: target)
        XCTAssertEqual(failed.failures.map(\.error), [
            #"apps/v1 Deployment web/web: apply failed: conflict with "kubectl-scale" using apps/v1: .spec.replicas"#
                + " (force the sync to take these fields)",
        ])
        XCTAssertEqual(failed.objects.last?.action, .skipped, "later steps are not applied")
        XCTAssertFalse(target.applied.contains("next"))

        var options = SyncOptions()
        options.force = true
        let forced = try await sync(desired, target: target, options: options)
        XCTAssertTrue(forced.succeeded)
        XCTAssertEqual(forced.objects.map(\.action), [.configured, .created])
    }

    func testUnchangedObjectsAreNotWritten() async throws {
        let target = FakeTarget(live: [object("v1", "ConfigMap", "same")])
        let result = try await sync([object("v1", "ConfigMap", "same")], target: target)
        XCTAssertEqual(target.applied, [])
        XCTAssertEqual(target.log, [], "an unchanged object is not dry-run either")
        XCTAssertEqual(result.objects.map(\.action), [.unchanged])
        XCTAssertTrue(observer.events.contains { if case .validated(count: 0, failed: 0) = $0 { return true }; return false })
    }

    /// Only what the sync writes is dry-run.
    func testOnlyObjectsToWriteAreDryRun() async throws {
        let target = FakeTarget(live: [object("v1", "ConfigMap", "same"), object("v1", "ConfigMap", "old", spec: ["x": 0])])
        let result = try await sync([object("v1", "ConfigMap", "same"), object("v1", "ConfigMap", "old"), object("v1", "ConfigMap", "new")], target: target)
        XCTAssertEqual(result.summary, "1 created, 1 configured, 1 unchanged")
        XCTAssertEqual(target.log.filter { $0.hasPrefix("dry-run") }.sorted(), ["dry-run new", "dry-run old"])
        XCTAssertTrue(observer.events.contains { if case .validated(count: 2, failed: 0) = $0 { return true }; return false })
    }

    func testDryRunModeWritesNothing() async throws {
        let target = FakeTarget(
            live: [object("v1", "ConfigMap", "old", spec: ["x": 0])],
            appObjects: [object("v1", "ConfigMap", "legacy", labels: [SyncLabels.app: "shop"])])
        let options = SyncOptions(dryRun: true, prune: true, wait: true)
        let result = try await sync([object("v1", "ConfigMap", "old"), object("v1", "ConfigMap", "new")], target: target, options: options)
        XCTAssertEqual(target.log.filter { !$0.hasPrefix("dry-run") }, [])
        XCTAssertEqual(result.summary, "1 created, 1 configured, 1 pruned")
    }

    func testWaitsUntilHealthy() async throws {
        let target = FakeTarget()
        target.health("web", [HealthStatus(.progressing, "1 of 2 updated replicas are available"), HealthStatus(.progressing), .healthy])
        let result = try await sync([object("apps/v1", "Deployment", "web")], target: target, options: SyncOptions(wait: true))
        XCTAssertTrue(result.succeeded)
        XCTAssertEqual(result.objects[0].health, .healthy)
        XCTAssertEqual(clock.sleeps, [.seconds(1), .seconds(1)])
        XCTAssertTrue(observer.events.contains { if case .healthReached(let ref, .healthy, .seconds(2)) = $0 { return ref.name == "web" }; return false })
    }

    func testDegradedFailsWithTheReason() async throws {
        let target = FakeTarget()
        target.health("web", [HealthStatus(.progressing), HealthStatus(.degraded, #"Deployment "web" exceeded its progress deadline"#)])
        let result = try await sync([object("apps/v1", "Deployment", "web")], target: target, options: SyncOptions(wait: true))
        XCTAssertFalse(result.succeeded)
        XCTAssertEqual(result.objects[0].action, .created)
        XCTAssertEqual(result.failures.map(\.error), [
            #"apps/v1 Deployment web/web: degraded: Deployment "web" exceeded its progress deadline"#,
        ])
        XCTAssertEqual(result.failures.map(\.isTransient), [false])
    }

    func testWaitTimesOut() async throws {
        let target = FakeTarget()
        target.health("web", [HealthStatus(.progressing, "0 of 2 available")])
        let result = try await sync(
            [object("apps/v1", "Deployment", "web")], target: target, options: SyncOptions(wait: true, timeout: .seconds(10)))
        XCTAssertEqual(result.failures.map(\.error), [
            "apps/v1 Deployment web/web: not healthy after 10.0s: Progressing: 0 of 2 available",
        ])
        XCTAssertEqual(result.failures.map(\.isTransient), [true])
        XCTAssertEqual(clock.now(), .seconds(10))
    }

    func testCRDIsEstablishedBeforeTheNextStep() async throws {
        let target = FakeTarget()
        target.health("widgets.acme", [HealthStatus(.progressing, "not established"), .healthy])
        let result = try await sync([
            object("apiextensions.k8s.io/v1", "CustomResourceDefinition", "widgets.acme", namespace: nil),
            object("acme/v1", "Widget", "w1"),
        ], target: target)
        XCTAssertEqual(target.log.filter { !$0.hasPrefix("dry-run") }, [
            "apply widgets.acme", "health widgets.acme", "health widgets.acme", "apply w1",
        ])
        XCTAssertEqual(result.objects[0].health, .healthy)
    }

    func testDurationText() {
        XCTAssertEqual(DurationText.format(.milliseconds(400)), "0.4s")
        XCTAssertEqual(DurationText.format(.milliseconds(6150)), "6.1s")
        XCTAssertEqual(DurationText.format(.seconds(300)), "5m0s")
        XCTAssertEqual(DurationText.format(.seconds(3725)), "1h2m5s")
    }
}

extension ExecutorTests {
    func testObjectsOfANewCRDAreNotDryRunButApplied() async throws {
        let target = FakeTarget()
        target.failDryRun("w1", #"no matches for kind "Widget" in version "acme/v1""#)
        let crd = object(
            "apiextensions.k8s.io/v1", "CustomResourceDefinition", "widgets.acme", namespace: nil,
            spec: ["group": "acme", "names": ["kind": "Widget", "plural": "widgets"]])
        let result = try await sync([crd, object("acme/v1", "Widget", "w1", annotations: [SyncLabels.syncWave: "1"])], target: target)
        XCTAssertTrue(result.succeeded, "\(result.failures)")
        XCTAssertFalse(target.log.contains("dry-run w1"))
        XCTAssertEqual(target.applied, ["widgets.acme", "w1"])

        // Without the CRD in the sync the same failure stops everything.
        let other = FakeTarget()
        other.failDryRun("w1", #"no matches for kind "Widget" in version "acme/v1""#)
        let failed = try await sync([object("acme/v1", "Widget", "w1")], target: other)
        XCTAssertEqual(failed.failures.count, 1)
        XCTAssertEqual(other.applied, [])
    }
}

extension ExecutorTests {
    func testTargetErrorsNamingTheObjectAreNotNamedTwice() async throws {
        let target = FakeTarget()
        target.failDryRun("web", "apps/v1 Deployment web/web: spec.replicas: Invalid value: -1")
        let result = try await sync([object("apps/v1", "Deployment", "web")], target: target)
        XCTAssertEqual(result.failures.map(\.error), ["apps/v1 Deployment web/web: dry-run failed: spec.replicas: Invalid value: -1"])
    }
}

/// Holds the task a test cancels from inside the target.
final class TaskBox: @unchecked Sendable {
    private let lock = NSLock()
    private var task: Task<ChangeSet, Never>?
    func set(_ t: Task<ChangeSet, Never>) { lock.withLock { task = t } }
    func cancel() { lock.withLock { task }?.cancel() }
}

extension ExecutorTests {
    func testInterruptionFinishesTheStepAndSkipsTheRest() async throws {
        let target = FakeTarget(appObjects: [object("v1", "ConfigMap", "legacy", labels: [SyncLabels.app: "shop"])])
        let box = TaskBox()
        target.onApply = { name in if name == "settings" { box.cancel() } }
        let set = resources([
            object("v1", "ConfigMap", "settings"), object("v1", "ConfigMap", "other"),
            object("apps/v1", "Deployment", "web"),
        ])
        let plan = try await Planner(app: "shop").plan(desired: set, target: target)
        let executor = Executor(target: target, clock: clock)
        let (gate, open) = AsyncStream<Void>.makeStream()
        let task = Task {
            for await _ in gate { break }
            return await executor.run(plan, options: SyncOptions(prune: true))
        }
        box.set(task)
        open.yield()
        let result = await task.value
        XCTAssertEqual(Set(target.applied), ["settings", "other"], "the step under way finishes")
        XCTAssertEqual(result.objects.map { "\($0.ref.name) \($0.action)" }, [
            "other created", "settings created", "web skipped", "legacy skipped",
        ])
        XCTAssertEqual(result.objects[2].error, "apps/v1 Deployment web/web: not applied: the sync was interrupted")
        XCTAssertEqual(result.objects[3].error, "v1 ConfigMap web/legacy: not pruned: the sync was interrupted")
        XCTAssertEqual(target.deleted, [])
    }
}
