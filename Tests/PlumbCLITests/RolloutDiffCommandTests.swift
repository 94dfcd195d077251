import Foundation
import PlumbLocalCluster
import XCTest

/// `plumb diff` (the built binary) while a rollout behind a Gateway API HTTPRoute is paused:
/// no differences (exit 0), the Deployment rolling out and the route's weights held; a weight
/// changed by hand after the rollout is a difference again (exit 1).
final class RolloutDiffCommandTests: SandboxTestCase {
    var cluster: LocalCluster?

    override func tearDown() async throws {
        await cluster?.stop()
        cluster = nil
    }

    func start() async throws {
        let c = LocalCluster(options: .init(workloadDelay: .milliseconds(50)))
        try await c.start()
        cluster = c
        kubeconfig = directory + "/kubeconfig"
        try await c.writeKubeconfig(to: kubeconfig)
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let files = [
            "charts/plumb/crds/rolloutstrategies.plumb.dev.yaml", "charts/plumb/crds/rolloutanalyses.plumb.dev.yaml",
            "fixtures/crds/gateway-api/httproutes.yaml",
        ]
        for file in files {
            let applied = try kubectl("apply", "--server-side", "-f", root.appendingPathComponent(file).path)
            XCTAssertEqual(applied.status, 0, applied.stderr)
        }
        for crd in ["rolloutstrategies.plumb.dev", "rolloutanalyses.plumb.dev", "httproutes.gateway.networking.k8s.io"] {
            XCTAssertEqual(try kubectl("wait", "--for=condition=Established", "--timeout=10s", "crd/\(crd)").status, 0)
        }
    }

    func writeRouting() throws {
        try repo.write(
            "apps/web/routing.yaml",
            """
            apiVersion: v1
            kind: Service
            metadata: {name: web-stable, namespace: web}
            spec:
              selector: {app: web}
              ports: [{port: 80}]
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: web-canary, namespace: web}
            spec:
              selector: {app: web, plumb.dev/rollout-role: canary}
              ports: [{port: 80}]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: web, namespace: web}
            spec:
              parentRefs: [{name: public}]
              rules:
                - backendRefs:
                    - {name: web-stable, port: 80, weight: 100}
                    - {name: web-canary, port: 80, weight: 0}
            ---
            apiVersion: plumb.dev/v1alpha1
            kind: RolloutStrategy
            metadata: {name: web, namespace: web}
            spec:
              targetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
              strategy:
                canary:
                  stableService: web-stable
                  canaryService: web-canary
                  trafficRouting:
                    gatewayAPI: {httpRoute: web}
                  steps:
                    - setWeight: 30
                    - pause: {}

            """)
    }

    func weights() throws -> String {
        let r = try kubectl("get", "-n", "web", "httproute/web", "-o", "jsonpath={.spec.rules[0].backendRefs[*].weight}")
        XCTAssertEqual(r.status, 0, r.stderr)
        return r.stdout
    }

    func testDiffOfAPausedRolloutShowsNoDifferences() async throws {
        try await start()
        try writeApp(replicas: 4)
        try writeRouting()
        try repo.commit("web 1.27")
        let first = try sync()
        XCTAssertEqual(first.status, 0, first.stdout + first.stderr)

        try writeApp(replicas: 4, image: "nginx:1.28")
        let v2 = try repo.commit("web 1.28")
        // Without --wait the sync returns at the pause, the rollout at 30%.
        let started = try sync()
        XCTAssertEqual(started.status, 0, started.stdout + started.stderr)
        XCTAssertEqual(try weights(), "70 30")

        let paused = try diff()
        XCTAssertEqual(paused.status, 0, "a paused rollout is not drift:\n" + paused.stdout + paused.stderr)
        XCTAssertTrue(
            paused.stdout.contains(
                "apps/v1 Deployment web/web  rolling out to \(v2.prefix(7)), step 2 of 2 (Paused: paused until `plumb rollout promote web`)"),
            paused.stdout)
        XCTAssertTrue(
            paused.stdout.contains("gateway.networking.k8s.io/v1 HTTPRoute web/web  weights held by the rollout (canary 30%)"), paused.stdout)
        XCTAssertTrue(paused.stdout.contains("0 to create, 0 to update, 0 to prune"), paused.stdout)
        // The canary Deployment is the rollout's, not an object of the app left out of Git.
        let pruning = try diff(["--prune"])
        XCTAssertEqual(pruning.status, 0, pruning.stdout + pruning.stderr)
        XCTAssertFalse(pruning.stdout.contains("web-canary"), pruning.stdout)
        // A second sync of the same commit leaves the weights alone.
        let again = try sync()
        XCTAssertEqual(again.status, 0, again.stdout + again.stderr)
        XCTAssertEqual(try weights(), "70 30")

        // Promoted to the end: Git's weights again, and a hand-made change is drift.
        XCTAssertEqual(try kubectl("annotate", "-n", "web", "rolloutstrategy/web", "plumb.dev/rollout-command=promote").status, 0)
        let done = try sync(["--wait", "--timeout", "30s"])
        XCTAssertEqual(done.status, 0, done.stdout + done.stderr)
        XCTAssertEqual(try weights(), "100 0")
        let clean = try diff()
        XCTAssertEqual(clean.status, 0, clean.stdout + clean.stderr)
        let patched = try kubectl(
            "patch", "-n", "web", "httproute/web", "--type=json", "-p", #"[{"op":"replace","path":"/spec/rules/0/backendRefs/0/weight","value":50}]"#)
        XCTAssertEqual(patched.status, 0, patched.stderr)
        let drifted = try diff()
        XCTAssertEqual(drifted.status, 1, drifted.stdout + drifted.stderr)
        XCTAssertTrue(drifted.stdout.contains("gateway.networking.k8s.io/v1 HTTPRoute web/web  (update)"), drifted.stdout)
    }
}
