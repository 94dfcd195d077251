import Foundation
import PlumbCore
import PlumbEngine
import PlumbRollout
import XCTest

/// While a rollout runs, its Gateway API HTTPRoute weights (written by `plumb-rollout`) are not
/// drift: `plumb diff` shows the route unchanged with a note, a sync leaves the weights as the
/// rollout set them but still applies Git's other changes, and once the rollout is over Git's
/// weights are desired again. Against the real HTTPRoute CRD (fixtures/crds).
final class RolloutDriftTests: RolloutTestCase {
    override func setUp() async throws {
        try await super.setUp()
        let repository = URL(fileURLWithPath: Self.chart).deletingLastPathComponent().deletingLastPathComponent()
        let crd = repository.appendingPathComponent("fixtures/crds/gateway-api/httproutes.yaml").path
        try kubectlOK(["apply", "--server-side", "-f", crd])
        try kubectlOK([
            "wait", "--for=condition=Established", "--timeout=10s", "crd/httproutes.gateway.networking.k8s.io",
        ])
    }

    func route(hostnames: [String] = ["shop.example.com"]) -> String {
        """
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata:
          name: web
          namespace: shop
        spec:
          parentRefs:
            - name: public
          hostnames: [\(hostnames.map { "\"\($0)\"" }.joined(separator: ", "))]
          rules:
            - backendRefs:
                - name: web-stable
                  port: 80
                  weight: 100
                - name: web-canary
                  port: 80
                  weight: 0
        ---
        apiVersion: v1
        kind: Service
        metadata:
          name: web-stable
          namespace: shop
        spec:
          selector:
            app: web
          ports:
            - port: 80
        ---
        apiVersion: v1
        kind: Service
        metadata:
          name: web-canary
          namespace: shop
        spec:
          selector:
            app: web
            plumb.dev/rollout-role: canary
          ports:
            - port: 80

        """
    }

    static let strategy = """
        apiVersion: plumb.dev/v1alpha1
        kind: RolloutStrategy
        metadata:
          name: web
          namespace: shop
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
                - setWeight: 20
                - pause: {}
                - setWeight: 60

        """

    /// name → weight of the route's backendRefs, as kubectl shows them; and its resourceVersion.
    func weights() throws -> (weights: [String: Int64], version: String) {
        let route = try JSONReader().parse(try kubectlOK(["get", "-n", namespace, "httproute/web", "-o", "json"]))
        var out: [String: Int64] = [:]
        for b in route[path: ["spec", "rules"]]?.arrayValue?.first?["backendRefs"]?.arrayValue ?? [] {
            out[b["name"]?.stringValue ?? ""] = b["weight"]?.intValue ?? -1
        }
        return (out, route[path: ["metadata", "resourceVersion"]]?.stringValue ?? "")
    }

    func routeChange(_ plan: Plan) -> PlannedObject? {
        plan.objects.first { $0.ref.kind == "HTTPRoute" }
    }

    func testRouterWeightsOfARunningRolloutAreNotDrift() async throws {
        try commit(
            [
                "app/web.yaml": deployment(image: "nginx:1.25"), "app/route.yaml": route(),
                "app/rollout.yaml": Self.strategy,
            ],
            message: "web 1.25")
        let first = try await sync(runner())
        XCTAssertTrue(first.result.succeeded, "\(first.result.failures)")
        let v2 = try commit(["app/web.yaml": deployment(image: "nginx:1.26")], message: "web 1.26")
        let started = try await sync(runner(holdPauses: false))
        XCTAssertTrue(started.result.succeeded, "\(started.result.failures)")
        let value1 = try await rolloutState()?.phase
        XCTAssertEqual(value1, .paused)
        let atPause = try weights()
        XCTAssertEqual(atPause.weights, ["web-stable": 80, "web-canary": 20])

        // Without the rollout's view the weights are a difference (what the fix is about) ...
        let (plain, _, _) = try await syncer.plan("HEAD")
        XCTAssertEqual(routeChange(plain)?.action, .configured, "the rollout set weights Git does not have")
        // ... with it, diff shows the route unchanged, with a note, and the Deployment rolling out.
        let view = try await diffView()
        XCTAssertFalse(view.plan.hasChanges, "\(view.plan.changeSet.objects.filter { $0.action != .unchanged })")
        XCTAssertEqual(routeChange(view.plan)?.action, .unchanged)
        XCTAssertEqual(
            view.notes.first,
            "apps/v1 Deployment shop/web  rolling out to \(v2.prefix(7)), step 2 of 3 (Paused: paused until `plumb rollout promote web`)"
        )
        XCTAssertTrue(
            view.notes.contains(
                "gateway.networking.k8s.io/v1 HTTPRoute shop/web  weights held by the rollout (canary 20%)"),
            "\(view.notes)")
        // Anything else noted is a Service whose selector the rollout narrowed.
        XCTAssertEqual(
            view.notes.dropFirst().filter { !$0.contains("held by the rollout (canary 20%)") }, [], "\(view.notes)")

        // A sync of the same revision (the controller's periodic one) leaves the weights alone.
        let canaryBefore = try await deploymentObject("web-canary")
        let again = try await sync(runner(holdPauses: false))
        XCTAssertTrue(again.result.succeeded, "\(again.result.failures)")
        XCTAssertEqual(again.rolloutsWaiting.count, 1, "\(again.rolloutsWaiting)")
        let afterSync = try weights()
        XCTAssertEqual(afterSync.weights, ["web-stable": 80, "web-canary": 20])
        XCTAssertEqual(afterSync.version, atPause.version, "the route was not written at all")
        let record = try XCTUnwrap(try audit.record(again.auditID))
        XCTAssertEqual(record.objects.first { $0.ref.kind == "HTTPRoute" }?.action, .unchanged)
        let canaryAfter = try await deploymentObject("web-canary")
        XCTAssertEqual(
            canaryAfter?[path: ["metadata", "generation"]], canaryBefore?[path: ["metadata", "generation"]],
            "the canary's spec is not rewritten")
        let value2 = try await image("web")
        XCTAssertEqual(value2, "nginx:1.25", "stable keeps its template while paused")

        // A change to another field of the route in Git is applied; the weights stay the rollout's.
        try commit(["app/route.yaml": route(hostnames: ["shop.example.com", "www.shop.example.com"])], message: "www")
        let hostView = try await diffView()
        let hostChange = try XCTUnwrap(routeChange(hostView.plan))
        XCTAssertEqual(hostChange.action, .configured)
        XCTAssertEqual(
            hostChange.diff.changes.map(\.path).filter { $0.contains("weight") }, [], "\(hostChange.diff.changes)")
        _ = try await sync(runner(holdPauses: false))
        let hosts = try kubectlOK(["get", "-n", namespace, "httproute/web", "-o", "jsonpath={.spec.hostnames}"])
        XCTAssertTrue(hosts.contains("www.shop.example.com"), hosts)
        XCTAssertEqual(try weights().weights, ["web-stable": 80, "web-canary": 20])
        let value3 = try await rolloutState()?.step
        XCTAssertEqual(value3, 1, "still paused at the same step")

        // Promoted: the rollout ends with all traffic on stable; nothing is held any more.
        try kubectlOK(["annotate", "-n", namespace, "rolloutstrategy/web", "plumb.dev/rollout-command=promote"])
        let done = try await sync(runner())
        XCTAssertTrue(done.result.succeeded, "\(done.result.failures)")
        let value4 = try await rolloutState()?.phase
        XCTAssertEqual(value4, .healthy)
        XCTAssertEqual(try weights().weights, ["web-stable": 100, "web-canary": 0])
        let value5 = try await image("web")
        XCTAssertEqual(value5, "nginx:1.26")
        let settled = try await diffView()
        XCTAssertFalse(settled.plan.hasChanges, "\(settled.plan.changeSet.objects.filter { $0.action != .unchanged })")
        XCTAssertEqual(settled.notes, [])

        // With no rollout running, weights other than Git's are drift again and a sync puts Git's back.
        try kubectlOK([
            "patch", "-n", namespace, "httproute/web", "--type=json",
            "-p", #"[{"op":"replace","path":"/spec/rules/0/backendRefs/0/weight","value":50}]"#,
        ])
        let drifted = try await diffView()
        XCTAssertEqual(routeChange(drifted.plan)?.action, .configured)
        XCTAssertEqual(drifted.notes, [])
        _ = try await sync(runner())
        XCTAssertEqual(try weights().weights, ["web-stable": 100, "web-canary": 0])
    }

    static let istio = """
        apiVersion: v1
        kind: Service
        metadata: {name: web-stable, namespace: shop}
        spec:
          selector: {app: web}
          ports: [{port: 80}]
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: web-canary, namespace: shop}
        spec:
          selector: {app: web, plumb.dev/rollout-role: canary}
          ports: [{port: 80}]
        ---
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: web, namespace: shop}
        spec:
          host: web.shop.svc.cluster.local
          subsets:
            - name: stable
              labels: {app: web}
        ---
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: web, namespace: shop}
        spec:
          hosts: [web.shop.svc.cluster.local]
          http:
            - name: primary
              route:
                - destination: {host: web.shop.svc.cluster.local, subset: stable}
                  weight: 100
        ---
        apiVersion: plumb.dev/v1alpha1
        kind: RolloutStrategy
        metadata: {name: web, namespace: shop}
        spec:
          targetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
          strategy:
            canary:
              stableService: web-stable
              canaryService: web-canary
              trafficRouting:
                istio: {virtualService: web, destinationRule: web}
              steps:
                - setWeight: 40
                - pause: {}

        """

    /// subset → weight of the VirtualService's primary route, and its resourceVersion.
    func istioWeights() throws -> (weights: [String: Int64], version: String) {
        let vs = try JSONReader().parse(try kubectlOK(["get", "-n", namespace, "virtualservice.networking.istio.io/web", "-o", "json"]))
        var out: [String: Int64] = [:]
        for d in vs[path: ["spec", "http"]]?.arrayValue?.first?["route"]?.arrayValue ?? [] {
            out[d[path: ["destination", "subset"]]?.stringValue ?? ""] = d["weight"]?.intValue ?? -1
        }
        return (out, vs[path: ["metadata", "resourceVersion"]]?.stringValue ?? "")
    }

    func testIstioWeightsAndSubsetsOfARunningRolloutAreNotDrift() async throws {
        let repository = URL(fileURLWithPath: Self.chart).deletingLastPathComponent().deletingLastPathComponent()
        for (file, crd) in [("virtualservices", "virtualservices"), ("destinationrules", "destinationrules")] {
            try kubectlOK(["apply", "--server-side", "-f", repository.appendingPathComponent("fixtures/crds/istio/\(file).yaml").path])
            try kubectlOK(["wait", "--for=condition=Established", "--timeout=10s", "crd/\(crd).networking.istio.io"])
        }
        try commit(["app/web.yaml": deployment(image: "nginx:1.25"), "app/istio.yaml": Self.istio], message: "web 1.25")
        let first = try await sync(runner())
        XCTAssertTrue(first.result.succeeded, "\(first.result.failures)")
        try commit(["app/web.yaml": deployment(image: "nginx:1.26")], message: "web 1.26")
        let started = try await sync(runner(holdPauses: false))
        XCTAssertTrue(started.result.succeeded, "\(started.result.failures)")
        let atPause = try istioWeights()
        XCTAssertEqual(atPause.weights, ["stable": 60, "canary": 40])

        let (plain, _, _) = try await syncer.plan("HEAD")
        XCTAssertEqual(plain.objects.first { $0.ref.kind == "VirtualService" }?.action, .configured)
        let view = try await diffView()
        XCTAssertFalse(view.plan.hasChanges, "\(view.plan.changeSet.objects.filter { $0.action != .unchanged })")
        XCTAssertTrue(
            view.notes.contains("networking.istio.io/v1 VirtualService shop/web  weights held by the rollout (canary 40%)"), "\(view.notes)")

        let again = try await sync(runner(holdPauses: false))
        XCTAssertTrue(again.result.succeeded, "\(again.result.failures)")
        let afterSync = try istioWeights()
        XCTAssertEqual(afterSync.weights, ["stable": 60, "canary": 40])
        XCTAssertEqual(afterSync.version, atPause.version, "the VirtualService was not written")

        try kubectlOK(["annotate", "-n", namespace, "rolloutstrategy/web", "plumb.dev/rollout-command=promote"])
        let done = try await sync(runner())
        XCTAssertTrue(done.result.succeeded, "\(done.result.failures)")
        XCTAssertEqual(try istioWeights().weights, ["stable": 100], "Git's route again")
        let settled = try await diffView()
        XCTAssertFalse(settled.plan.hasChanges, "\(settled.plan.changeSet.objects.filter { $0.action != .unchanged })")
        XCTAssertEqual(settled.notes, [])
    }
}
