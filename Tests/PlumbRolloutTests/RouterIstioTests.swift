import PlumbCore
import PlumbKube
import XCTest

@testable import PlumbRollout

/// The Istio router against the real VirtualService and DestinationRule CRDs, judged by kubectl.
final class RouterIstioTests: XCTestCase {
    let target = RouteTarget(
        namespace: "shop", stableName: "web", canaryName: "web-canary", stableService: "web-stable",
        canaryService: "web-canary", totalReplicas: 4)

    func virtualService(_ route: Value) -> Value {
        [
            "apiVersion": "networking.istio.io/v1", "kind": "VirtualService",
            "metadata": ["name": "web", "namespace": "shop"],
            "spec": [
                "hosts": ["web.shop.svc.cluster.local"],
                "http": [
                    ["name": "primary", "route": route],
                    [
                        "name": "admin", "match": [["uri": ["prefix": "/admin"]]],
                        "route": [["destination": ["host": "admin"]]],
                    ],
                ],
            ],
        ]
    }

    /// (host, subset) → weight of the primary route, as kubectl shows it.
    func weights(_ c: RouterCluster) throws -> [String: Int64] {
        let vs = try c.kubectlJSON(["virtualservice.networking.istio.io", "web", "-n", "shop"])
        let http = vs[path: ["spec", "http"]]?.arrayValue ?? []
        XCTAssertEqual(http.last?["route"], [["destination": ["host": "admin"]]])  // untouched
        var out: [String: Int64] = [:]
        for d in http.first?["route"]?.arrayValue ?? [] {
            let key = [
                d[path: ["destination", "host"]]?.stringValue, d[path: ["destination", "subset"]]?.stringValue,
            ]
            .compactMap { $0 }.joined(separator: "/")
            out[key] = d["weight"]?.intValue ?? -1
        }
        return out
    }

    func testSubsetRoutingWithADestinationRule() async throws {
        let c = try await RouterCluster.start()
        try await c.installCRDs(["istio/virtualservices.yaml", "istio/destinationrules.yaml"])
        try await c.namespace("shop")
        try await c.apply(
            service("web", "shop", selector: ["app": "web"]),
            service("web-stable", "shop", selector: ["app": "web", "plumb.dev/track": "stable"]),
            service("web-canary", "shop", selector: ["app": "web", "plumb.dev/track": "canary"]),
            [
                "apiVersion": "networking.istio.io/v1", "kind": "DestinationRule",
                "metadata": ["name": "web", "namespace": "shop"],
                "spec": [
                    "host": "web.shop.svc.cluster.local",
                    "trafficPolicy": ["loadBalancer": ["simple": "LEAST_REQUEST"]],
                    "subsets": [
                        ["name": "stable", "labels": ["app": "web"]], ["name": "legacy", "labels": ["version": "v0"]],
                    ],
                ],
            ],
            virtualService([["destination": ["host": "web.shop.svc.cluster.local", "subset": "stable"]]]))
        let router = IstioRouter(client: c.client, virtualService: "web", routes: ["primary"], destinationRule: "web")
        let weight56 = try await router.currentWeight(for: target)
        XCTAssertEqual(weight56, 0)
        let host = "web.shop.svc.cluster.local"
        for w in [0, 20, 50, 100] {
            try await router.setWeight(w, for: target)
            XCTAssertEqual(
                try weights(c), ["\(host)/stable": Int64(100 - w), "\(host)/canary": Int64(w)], "weight \(w)")
            let weight61 = try await router.currentWeight(for: target)
            XCTAssertEqual(weight61, w)
        }
        let dr = try c.kubectlJSON(["destinationrule.networking.istio.io", "web", "-n", "shop"])
        XCTAssertEqual(
            dr[path: ["spec", "subsets"]],
            [
                ["name": "stable", "labels": ["app": "web", "plumb.dev/track": "stable"]],
                ["name": "legacy", "labels": ["version": "v0"]],
                ["name": "canary", "labels": ["app": "web", "plumb.dev/track": "canary"]],
            ])
        XCTAssertEqual(dr[path: ["spec", "trafficPolicy", "loadBalancer", "simple"]], "LEAST_REQUEST")

        let rv = try c.kubectlJSON(["virtualservice.networking.istio.io", "web", "-n", "shop"])[path: [
            "metadata", "resourceVersion",
        ]]
        try await router.setWeight(100, for: target)
        XCTAssertEqual(
            try c.kubectlJSON(["virtualservice.networking.istio.io", "web", "-n", "shop"])[path: [
                "metadata", "resourceVersion",
            ]], rv)

        try await router.reset(for: target)
        XCTAssertEqual(try weights(c), ["\(host)/stable": 100, "\(host)/canary": 0])
        let weight80 = try await router.currentWeight(for: target)
        XCTAssertEqual(weight80, 0)
        await c.stop()
    }

    func testHostRoutingWithoutADestinationRule() async throws {
        let c = try await RouterCluster.start()
        try await c.installCRDs(["istio/virtualservices.yaml"])
        try await c.namespace("shop")
        try await c.apply(virtualService([["destination": ["host": "web-stable", "port": ["number": 80]]]]))
        let router = IstioRouter(client: c.client, virtualService: "web")
        for w in [0, 20, 50, 100] {
            try await router.setWeight(w, for: target)
            XCTAssertEqual(try weights(c), ["web-stable": Int64(100 - w), "web-canary": Int64(w)], "weight \(w)")
            let weight93 = try await router.currentWeight(for: target)
            XCTAssertEqual(weight93, w)
        }
        let vs = try c.kubectlJSON(["virtualservice.networking.istio.io", "web", "-n", "shop"])
        XCTAssertEqual(
            vs[path: ["spec", "http"]]?.arrayValue?.first?["route"]?.arrayValue?.last?[path: [
                "destination", "port", "number",
            ]], 80)
        try await router.reset(for: target)
        XCTAssertEqual(try weights(c), ["web-stable": 100, "web-canary": 0])
        await c.stop()
    }

    func testAVirtualServiceWithoutTheStableDestinationIsAnError() async throws {
        let c = try await RouterCluster.start()
        try await c.installCRDs(["istio/virtualservices.yaml"])
        try await c.namespace("shop")
        try await c.apply(virtualService([["destination": ["host": "elsewhere"]]]))
        do {
            try await IstioRouter(client: c.client, virtualService: "web").setWeight(20, for: target)
            XCTFail("no error")
        } catch {
            XCTAssertEqual(
                "\(error)",
                "networking.istio.io/v1 VirtualService shop/web: no HTTP route goes to the stable Service web-stable")
        }
        await c.stop()
    }
}
