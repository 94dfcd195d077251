import Foundation
import PlumbAudit
import PlumbController
import PlumbCore
import PlumbGit
import PlumbKube
import PlumbRollout
import PlumbTesting
import XCTest

/// Progressive rollouts through the controller's reconcile loop: a commit that changes a
/// Deployment's pod template rolls out behind a Gateway API HTTPRoute, the periodic reconcile
/// leaves a paused rollout (its weights, its canary) alone, `plumb rollout promote`'s annotation
/// lets it finish; and a `plumb controller` killed mid-rollout is picked up where it was.
final class ControllerRolloutTests: ControllerTestCase {
    override func setUp() async throws {
        try await super.setUp()
        try installRolloutCRDs()
    }

    /// The Deployment `web` (4 replicas of `image`), its stable and canary Services, the
    /// HTTPRoute that splits traffic between them, and the RolloutStrategy with `steps`.
    static func files(image: String, steps: [String]) -> [String: String?] {
        let deployment = """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: web
            spec:
              replicas: 4
              selector:
                matchLabels: {app: web}
              template:
                metadata:
                  labels: {app: web}
                spec:
                  containers:
                  - name: web
                    image: \(image)

            """
        let routing = """
            apiVersion: v1
            kind: Service
            metadata:
              name: web-stable
            spec:
              selector: {app: web}
              ports:
              - port: 80
            ---
            apiVersion: v1
            kind: Service
            metadata:
              name: web-canary
            spec:
              selector: {app: web, plumb.dev/rollout-role: canary}
              ports:
              - port: 80
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata:
              name: web
            spec:
              parentRefs:
              - name: public
              rules:
              - backendRefs:
                - {name: web-stable, port: 80, weight: 100}
                - {name: web-canary, port: 80, weight: 0}

            """
        let strategy = """
            apiVersion: plumb.dev/v1alpha1
            kind: RolloutStrategy
            metadata:
              name: web
            spec:
              targetRef:
                apiVersion: apps/v1
                kind: Deployment
                name: web
              strategy:
                canary:
                  stableService: web-stable
                  canaryService: web-canary
                  trafficRouting:
                    gatewayAPI:
                      httpRoute: web
                  steps:

            """ + steps.map { "          - \($0)\n" }.joined()
        return [
            "apps/web/deploy.yaml": deployment, "apps/web/routing.yaml": routing, "apps/web/rollout.yaml": strategy,
        ]
    }

    // MARK: Cluster

    func object(_ kind: String, _ name: String) async throws -> Value? {
        let apiVersion =
            [
                "Deployment": "apps/v1", "HTTPRoute": "gateway.networking.k8s.io/v1",
                "RolloutStrategy": "plumb.dev/v1alpha1",
            ][kind] ?? "v1"
        do {
            return try await client.get(ObjectRef(apiVersion: apiVersion, kind: kind, namespace: namespace, name: name))
        } catch let error as StatusError where error.reason == .notFound {
            return nil
        }
    }

    func rolloutState() async throws -> RolloutState? {
        RolloutState(try await object("RolloutStrategy", "web")?[path: ["status", "rollout"]])
    }

    /// name → weight of the HTTPRoute's backendRefs.
    func weights() async throws -> [String: Int64] {
        var out: [String: Int64] = [:]
        let route = try await object("HTTPRoute", "web")
        for b in route?[path: ["spec", "rules"]]?.arrayValue?.first?["backendRefs"]?.arrayValue ?? [] {
            out[b["name"]?.stringValue ?? ""] = b["weight"]?.intValue ?? -1
        }
        return out
    }

    func image(_ deployment: String) async throws -> String? {
        try await object("Deployment", deployment)?[path: ["spec", "template", "spec", "containers"]]?.arrayValue?
            .first?["image"]?.stringValue
    }

    /// The step entries (`spec.strategy.canary.steps[k].…`, `status.rollout.promotion`) of the
    /// records of `revision`, oldest record first.
    func stepEntries(_ store: SQLiteAuditStore, revision: String) throws -> [String] {
        try store.history(app: "\(namespace)/web", limit: 100).reversed().filter { $0.revision == revision }.flatMap {
            record in
            record.objects.filter { $0.ref.kind == "RolloutStrategy" }.flatMap(\.changedPaths)
                .filter { $0.hasPrefix("spec.strategy") || $0.hasPrefix("status.rollout") }
        }
    }

    // MARK: Tests

    func testPausedRolloutIsLeftAloneByTheReconcileLoopAndFinishesWhenPromoted() async throws {
        let v1 = try commit(
            Self.files(image: "nginx:1.25", steps: ["setWeight: 20", "pause: {}", "setWeight: 60"]), message: "web 1.25"
        )
        startController()
        try applyApplication("web", interval: "1s")
        try await eventually("v1 synced") {
            let s = try await application("web").status
            return s.lastSyncedRevision == v1 && s.syncStatus == .synced
        }
        let v2 = try commit(
            Self.files(image: "nginx:1.26", steps: ["setWeight: 20", "pause: {}", "setWeight: 60"]), message: "web 1.26"
        )
        try await eventually("v2 paused at its pause step") {
            let state = try await rolloutState()
            return state?.revision == v2 && state?.phase == .paused && state?.step == 1
        }
        let routeAtPause = try await object("HTTPRoute", "web")
        let canaryAtPause = try await object("Deployment", "web-canary")
        let weightsAtPause = try await weights()
        XCTAssertEqual(weightsAtPause, ["web-stable": 80, "web-canary": 20])
        XCTAssertEqual(
            canaryAtPause?[path: ["spec", "template", "spec", "containers"]]?.arrayValue?.first?["image"]?.stringValue,
            "nginx:1.26")
        let recordsAtPause = try audit.history(app: "\(namespace)/web", limit: 100).count

        // Several periodic reconciles (interval 1s) while paused: nothing is written.
        try await eventually("the Application shows the rollout") {
            let s = try await application("web").status
            return s.health == .progressing && s.healthMessage.contains("rolling out to \(v2.prefix(7)), step 2 of 3")
        }
        requests.reset()
        try await Task.sleep(for: .seconds(4))
        let seen = requests.all
        let looks = seen.filter { $0.hasPrefix("GET ") && $0.contains("/rolloutstrategies/web") }
        XCTAssertGreaterThanOrEqual(looks.count, 2, "the controller compared meanwhile: \(seen)")
        // Server dry-runs (the compare's confirmation of a difference) are reads, not writes.
        let writes = seen.filter {
            !$0.hasPrefix("GET ") && !$0.contains("dryRun=All")
                && ["/deployments", "/httproutes", "/rolloutstrategies"].contains(where: $0.contains)
        }
        XCTAssertEqual(writes, [], "nothing of the rollout is written while it is paused")
        let paused = try await application("web").status
        XCTAssertEqual(paused.syncStatus, .synced, "a rollout under way is not drift")
        XCTAssertEqual(paused.health, .progressing)
        let weightsLater = try await weights()
        XCTAssertEqual(weightsLater, ["web-stable": 80, "web-canary": 20])
        let routeLater = try await object("HTTPRoute", "web")
        XCTAssertEqual(
            routeLater?[path: ["metadata", "resourceVersion"]], routeAtPause?[path: ["metadata", "resourceVersion"]],
            "the route was not written")
        let canaryLater = try await object("Deployment", "web-canary")
        XCTAssertEqual(
            canaryLater?[path: ["metadata", "generation"]], canaryAtPause?[path: ["metadata", "generation"]],
            "the canary's spec was not written")
        let stableImage = try await image("web")
        XCTAssertEqual(stableImage, "nginx:1.25", "stable keeps its template while paused")
        let recordsLater = try audit.history(app: "\(namespace)/web", limit: 100).count
        XCTAssertEqual(recordsLater, recordsAtPause, "no sync ran while paused")
        // The dashboard's diff of the Application says the same as `plumb diff`.
        let cache = tmp.sub("diffcache")
        let diff = ApplicationDiff(
            git: GitSources(cacheDirectory: cache),
            options: GitSourceOptions(cacheDirectory: cache, lockTimeout: .seconds(20), environment: [:]),
            scratchDirectory: tmp.sub("scratch"))
        let shown = try await diff.plan(try await application("web"), client: client)
        XCTAssertFalse(shown.plan.hasChanges, "\(shown.plan.changeSet.objects.filter { $0.action != .unchanged })")
        XCTAssertEqual(
            shown.rolloutNotes.first,
            "apps/v1 Deployment \(namespace)/web  rolling out to \(v2.prefix(7)), step 2 of 3 (Paused: paused until `plumb rollout promote web`)")
        XCTAssertTrue(
            shown.rolloutNotes.contains("gateway.networking.k8s.io/v1 HTTPRoute \(namespace)/web  weights held by the rollout (canary 20%)"),
            "\(shown.rolloutNotes)")

        // `plumb rollout promote web` writes this annotation; the next reconcile finishes the rollout.
        try kubectlOK(["annotate", "-n", namespace, "rolloutstrategy/web", "\(RolloutCommand.annotation)=promote"])
        try await eventually("promoted", timeout: 30) {
            try await rolloutState()?.phase == .healthy
        }
        try await eventually("the Application is Synced and Healthy at v2") {
            let s = try await application("web").status
            return s.lastSyncedRevision == v2 && s.syncStatus == .synced && s.health == .healthy
        }
        let promotedImage = try await image("web")
        XCTAssertEqual(promotedImage, "nginx:1.26")
        let canaryGone = try await object("Deployment", "web-canary")
        XCTAssertNil(canaryGone, "the canary is removed")
        let weightsAfter = try await weights()
        XCTAssertEqual(weightsAfter, ["web-stable": 100, "web-canary": 0])
        XCTAssertEqual(
            try stepEntries(audit, revision: v2),
            [
                "spec.strategy.canary.steps[0].setWeight", "spec.strategy.canary.steps[1].pause",
                "spec.strategy.canary.steps[2].setWeight", "status.rollout.promotion",
            ])
        let records = try audit.history(app: "\(namespace)/web", limit: 100).filter { $0.revision == v2 }
        XCTAssertEqual(records.map(\.result), [.synced, .synced], "the start and the promotion, nothing between")
    }

    func testACommitThatRestoresTheStableTemplateEndsTheRollout() async throws {
        // Paused before any weight, with the Services outside the app: after the revert the plan
        // changes nothing at all, yet the rollout (its canary, its state) must end.
        let steps = ["pause: {}", "setWeight: 50"]
        let services = try XCTUnwrap(Self.files(image: "", steps: [])["apps/web/routing.yaml"] ?? nil).components(separatedBy: "---\n")
        try kubectlOK(["apply", "-n", namespace, "--server-side", "--field-manager=platform", "-f", "-"], stdin: services.dropLast().joined(separator: "---\n"))
        func files(_ image: String) -> [String: String?] {
            var files = Self.files(image: image, steps: steps)
            files["apps/web/routing.yaml"] = services.last
            return files
        }
        let v1 = try commit(files("nginx:1.25"), message: "web 1.25")
        startController()
        try applyApplication("web", interval: "1s")
        try await eventually("v1 synced") { try await application("web").status.lastSyncedRevision == v1 }
        try commit(files("nginx:1.26"), message: "web 1.26")
        try await eventually("paused at its pause step") { try await rolloutState()?.phase == .paused }
        let canary = try await object("Deployment", "web-canary")
        XCTAssertNotNil(canary)
        // Reverted in Git: the plan has nothing to change, yet the rollout must end.
        let v3 = try commit(files("nginx:1.25"), message: "Revert web 1.26")
        try await eventually("the rollout ended") { try await rolloutState()?.phase == .healthy }
        let gone = try await object("Deployment", "web-canary")
        XCTAssertNil(gone, "the canary is removed")
        let weightsAfter = try await weights()
        XCTAssertEqual(weightsAfter, ["web-stable": 100, "web-canary": 0])
        let stableImage = try await image("web")
        XCTAssertEqual(stableImage, "nginx:1.25")
        try await eventually("the Application is Synced and Healthy at the revert") {
            let s = try await application("web").status
            return s.syncRevision == v3 && s.syncStatus == .synced && s.health == .healthy
        }
    }
}

/// `plumb controller` (the built binary) killed with SIGKILL in the middle of a rollout, then
/// started again on the same cluster and audit database.
final class ControllerRolloutProcessTests: ControllerTestCase {
    override func setUp() async throws {
        try await super.setUp()
        try installRolloutCRDs()
    }

    func startBinary(log: String) throws -> Server {
        var environment = ProcessInfo.processInfo.environment
        environment["HOME"] = tmp.path
        environment["PLUMB_CACHE_DIR"] = tmp.sub("plumbcache")
        let args = [
            "controller", "--kubeconfig", kubeconfig, "--audit-db", tmp.sub("audit.db"), "--metrics-address", "off",
            "--log-format", "text",
        ]
        return try Server(ControllerProcessTests.plumbPath, args, log: tmp.sub(log), env: environment)
    }

    func get(_ apiVersion: String, _ kind: String, _ name: String) async throws -> Value? {
        do {
            return try await client.get(ObjectRef(apiVersion: apiVersion, kind: kind, namespace: namespace, name: name))
        } catch let error as StatusError where error.reason == .notFound {
            return nil
        }
    }

    func rolloutState() async throws -> RolloutState? {
        RolloutState(try await get("plumb.dev/v1alpha1", "RolloutStrategy", "web")?[path: ["status", "rollout"]])
    }

    func testKilledMidRolloutTheNextControllerResumesAtItsStep() async throws {
        let steps = ["setWeight: 20", "pause: {duration: 1h}", "setWeight: 60"]
        let v1 = try commit(ControllerRolloutTests.files(image: "nginx:1.25", steps: steps), message: "web 1.25")
        try applyApplication("web", interval: "1s")
        let first = try startBinary(log: "controller1.log")
        try await eventually("v1 synced", timeout: 30) {
            try await application("web").status.lastSyncedRevision == v1
        }
        let v2 = try commit(ControllerRolloutTests.files(image: "nginx:1.26", steps: steps), message: "web 1.26")
        // The sync holds the timed pause: the rollout is at step 2 of 3 inside a running sync.
        try await eventually("v2 in its timed pause", timeout: 30) {
            let state = try await rolloutState()
            return state?.revision == v2 && state?.step == 1
        }
        let reader = try SQLiteAuditStore(path: tmp.sub("audit.db"))
        let running = try XCTUnwrap(try reader.history(app: "\(namespace)/web", limit: 1).first)
        XCTAssertEqual(running.result, .started, "killed inside the sync that runs the rollout")
        kill(first.pid, SIGKILL)
        first.stop()
        let atKill = try await rolloutState()
        let canaryAtKill = try await get("apps/v1", "Deployment", "web-canary")
        let canaryUID = try XCTUnwrap(canaryAtKill?[path: ["metadata", "uid"]]?.stringValue)

        let second = try startBinary(log: "controller2.log")
        defer { second.stop() }
        // The new controller picks the rollout up in its pause (a sync under way again) ...
        try await eventually("the next controller resumes the rollout", timeout: 30) {
            let latest = try SQLiteAuditStore(path: tmp.sub("audit.db")).history(app: "\(namespace)/web", limit: 1)
                .first
            return latest.map { $0.id > running.id && $0.result == .started } ?? false
        }
        let resumed = try await rolloutState()
        XCTAssertEqual(resumed?.step, 1, "not restarted from the first step")
        XCTAssertEqual(resumed?.stepStartedAt, atKill?.stepStartedAt, "the pause counts from when it began")
        XCTAssertEqual(resumed?.revision, v2)
        let canaries = try await client.list(apiVersion: "apps/v1", kind: "Deployment", namespace: namespace)
        let names = canaries.items.compactMap { $0[path: ["metadata", "name"]]?.stringValue }.sorted()
        XCTAssertEqual(names, ["web", "web-canary"], "no second canary")
        let canaryNow = try await get("apps/v1", "Deployment", "web-canary")
        XCTAssertEqual(canaryNow?[path: ["metadata", "uid"]]?.stringValue, canaryUID, "the same canary")

        // ... and finishes it once promoted.
        try kubectlOK(["annotate", "-n", namespace, "rolloutstrategy/web", "\(RolloutCommand.annotation)=promote"])
        try await eventually("promoted", timeout: 30) { try await rolloutState()?.phase == .healthy }
        try await eventually("the Application is Synced and Healthy at v2", timeout: 30) {
            let s = try await application("web").status
            return s.lastSyncedRevision == v2 && s.syncStatus == .synced && s.health == .healthy
        }
        let image = try await get("apps/v1", "Deployment", "web")?[path: ["spec", "template", "spec", "containers"]]?
            .arrayValue?.first?["image"]?
            .stringValue
        XCTAssertEqual(image, "nginx:1.26")
        let gone = try await get("apps/v1", "Deployment", "web-canary")
        XCTAssertNil(gone)

        // The audit trail: the killed sync is interrupted (its step 1 never recorded, as the
        // process died before completing the record); the resumed one ran steps 2 and 3 only.
        let trail = try SQLiteAuditStore(path: tmp.sub("audit.db"))
        let killed = try XCTUnwrap(try trail.record(running.id))
        XCTAssertEqual(killed.result, .interrupted, second.output)
        let after = try trail.history(app: "\(namespace)/web", limit: 100).filter {
            $0.id > running.id && $0.revision == v2
        }
        XCTAssertEqual(after.map(\.result), [.synced], second.output)
        let stepPaths = after.flatMap { $0.objects.filter { $0.ref.kind == "RolloutStrategy" }.flatMap(\.changedPaths) }
            .filter { $0.hasPrefix("spec.strategy") || $0.hasPrefix("status.rollout") }
        XCTAssertEqual(
            stepPaths,
            [
                "spec.strategy.canary.steps[1].pause", "spec.strategy.canary.steps[2].setWeight",
                "status.rollout.promotion",
            ])
    }
}

extension ControllerTestCase {
    /// Plumb's rollout CRDs (from the chart) and Gateway API's HTTPRoute CRD, established.
    func installRolloutCRDs() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        for name in ["rolloutstrategies.plumb.dev", "rolloutanalyses.plumb.dev"] {
            try kubectlOK([
                "apply", "--server-side", "-f", root.appendingPathComponent("charts/plumb/crds/\(name).yaml").path,
            ])
        }
        try kubectlOK([
            "apply", "--server-side", "-f",
            root.appendingPathComponent("fixtures/crds/gateway-api/httproutes.yaml").path,
        ])
        for crd in ["rolloutstrategies.plumb.dev", "rolloutanalyses.plumb.dev", "httproutes.gateway.networking.k8s.io"]
        {
            try kubectlOK(["wait", "--for=condition=Established", "--timeout=10s", "crd/\(crd)"])
        }
    }
}
