import PlumbCore
import PlumbKube
import XCTest

@testable import PlumbRollout

/// The Gateway API router against the real HTTPRoute CRD in the local cluster, judged by kubectl.
final class RouterGatewayAPITests: XCTestCase {
    let target = RouteTarget(
        namespace: "shop", stableName: "web", canaryName: "web-canary", stableService: "web-stable",
        canaryService: "web-canary", totalReplicas: 4)

    func route(backends: [Value]) -> Value {
        [
            "apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute",
            "metadata": ["name": "web", "namespace": "shop"],
            "spec": [
                "parentRefs": [["name": "public-gateway"]], "hostnames": ["shop.example.com"],
                "rules": [
                    ["matches": [["path": ["type": "PathPrefix", "value": "/"]]], "backendRefs": .array(backends)],
                    // A rule to another Service is left alone.
                    [
                        "matches": [["path": ["type": "PathPrefix", "value": "/static"]]],
                        "backendRefs": [["name": "assets", "port": 80]],
                    ],
                ],
            ],
        ]
    }

    /// name → weight of the first rule's backendRefs, as kubectl shows them.
    func weights(_ c: RouterCluster) throws -> [String: Int64] {
        let route = try c.kubectlJSON(["httproute", "web", "-n", "shop"])
        var out: [String: Int64] = [:]
        for b in route[path: ["spec", "rules"]]?.arrayValue?.first?["backendRefs"]?.arrayValue ?? [] {
            out[b["name"]?.stringValue ?? ""] = b["weight"]?.intValue ?? -1
        }
        // The other rule is untouched.
        let other = route[path: ["spec", "rules"]]?.arrayValue?.last?["backendRefs"]?.arrayValue?.first
        XCTAssertEqual(other?["name"]?.stringValue, "assets")
        XCTAssertEqual(other?["weight"]?.intValue, 1)  // the CRD's default
        return out
    }

    func testWeightsOfARouteThatNamesOnlyTheStableService() async throws {
        let c = try await RouterCluster.start()
        try await c.installCRDs(["gateway-api/httproutes.yaml"])
        try await c.namespace("shop")
        try await c.apply(route(backends: [["name": "web-stable", "port": 80]]))
        let router = GatewayAPIRouter(client: c.client, httpRoutes: ["web"])
        let weight47 = try await router.currentWeight(for: target)
        XCTAssertEqual(weight47, 0)

        for w in [0, 20, 50, 100] {
            try await router.setWeight(w, for: target)
            let expected: [String: Int64] =
                w == 0 ? ["web-stable": 100] : ["web-stable": Int64(100 - w), "web-canary": Int64(w)]
            XCTAssertEqual(try weights(c), expected, "weight \(w)")
            let weight53 = try await router.currentWeight(for: target)
            XCTAssertEqual(weight53, w)
        }
        let route = try c.kubectlJSON(["httproute", "web", "-n", "shop"])
        XCTAssertEqual(
            route[path: ["metadata", "annotations", "plumb.dev/rollout-canary-backend"]]?.stringValue, "added")
        // The canary backendRef is a copy of the stable one: same port, kind Service.
        let canary = route[path: ["spec", "rules"]]?.arrayValue?.first?["backendRefs"]?.arrayValue?.last
        XCTAssertEqual(canary?["port"]?.intValue, 80)
        XCTAssertEqual(canary?["kind"]?.stringValue, "Service")
        // The rollout's writes are its own field manager's.
        let shown = try c.kubectlJSON(["httproute", "web", "-n", "shop", "--show-managed-fields"])
        let managers = (shown[path: ["metadata", "managedFields"]]?.arrayValue ?? []).compactMap {
            $0["manager"]?.stringValue
        }
        XCTAssertTrue(managers.contains("plumb-rollout"), "\(managers)")

        // Idempotent: the same weight again writes nothing new.
        let before = route[path: ["metadata", "resourceVersion"]]?.stringValue
        try await router.setWeight(100, for: target)
        XCTAssertEqual(
            try c.kubectlJSON(["httproute", "web", "-n", "shop"])[path: ["metadata", "resourceVersion"]]?.stringValue,
            before)

        try await router.reset(for: target)
        XCTAssertEqual(try weights(c), ["web-stable": 100])
        let after = try c.kubectlJSON(["httproute", "web", "-n", "shop"])
        XCTAssertNil(after[path: ["metadata", "annotations", "plumb.dev/rollout-canary-backend"]])
        let weight74 = try await router.currentWeight(for: target)
        XCTAssertEqual(weight74, 0)
        // Still a valid route to the server: parentRefs and hostnames as the user declared them.
        XCTAssertEqual(after[path: ["spec", "hostnames"]], ["shop.example.com"])
        await c.stop()
    }

    func testRouteThatDeclaresBothBackendsKeepsThemOnReset() async throws {
        let c = try await RouterCluster.start()
        try await c.installCRDs(["gateway-api/httproutes.yaml"])
        try await c.namespace("shop")
        try await c.apply(
            route(backends: [
                ["name": "web-stable", "port": 80, "weight": 100], ["name": "web-canary", "port": 80, "weight": 0],
            ]))
        let router = GatewayAPIRouter(client: c.client, httpRoutes: ["web"])
        try await router.setWeight(20, for: target)
        XCTAssertEqual(try weights(c), ["web-stable": 80, "web-canary": 20])
        try await router.reset(for: target)
        XCTAssertEqual(try weights(c), ["web-stable": 100, "web-canary": 0])
        await c.stop()
    }

    func testMissingRouteOrStableBackendIsAnErrorNamingTheRoute() async throws {
        let c = try await RouterCluster.start()
        try await c.installCRDs(["gateway-api/httproutes.yaml"])
        try await c.namespace("shop")
        let router = GatewayAPIRouter(client: c.client, httpRoutes: ["web"])
        do {
            try await router.setWeight(20, for: target)
            XCTFail("set a weight on a missing route")
        } catch {
            XCTAssertEqual(
                "\(error)",
                "gateway.networking.k8s.io/v1 HTTPRoute shop/web: not found (the Gateway API router changes an existing HTTPRoute)"
            )
        }
        let weight105 = try await router.currentWeight(for: target)
        XCTAssertNil(weight105)
        try await c.apply(route(backends: [["name": "other", "port": 80]]))
        do {
            try await router.setWeight(20, for: target)
            XCTFail("set a weight without a stable backend")
        } catch {
            XCTAssertEqual(
                "\(error)",
                "gateway.networking.k8s.io/v1 HTTPRoute shop/web: no rule has a backendRef to the stable Service web-stable"
            )
        }
        await c.stop()
    }
}
