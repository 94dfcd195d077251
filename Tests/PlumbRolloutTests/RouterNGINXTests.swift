import PlumbCore
import PlumbKube
import XCTest

@testable import PlumbRollout

/// The NGINX router's canary Ingress in the local cluster, judged by kubectl.
final class RouterNGINXTests: XCTestCase {
    let target = RouteTarget(
        namespace: "shop", stableName: "web", canaryName: "web-canary", stableService: "web-stable",
        canaryService: "web-canary", totalReplicas: 4)

    let stableIngress: Value = [
        "apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
        "metadata": [
            "name": "web", "namespace": "shop",
            "annotations": ["nginx.ingress.kubernetes.io/rewrite-target": "/", "plumb.dev/sync-wave": "1"],
        ],
        "spec": [
            "ingressClassName": "nginx",
            "tls": [["hosts": ["shop.example.com"], "secretName": "shop-tls"]],
            "rules": [
                [
                    "host": "shop.example.com",
                    "http": [
                        "paths": [
                            [
                                "path": "/", "pathType": "Prefix",
                                "backend": ["service": ["name": "web-stable", "port": ["number": 80]]],
                            ]
                        ]
                    ],
                ]
            ],
        ],
    ]

    func testCanaryIngressAtEachWeightAndRemovedOnReset() async throws {
        let c = try await RouterCluster.start()
        try await c.namespace("shop")
        try await c.apply(stableIngress)
        let router = NGINXRouter(client: c.client, stableIngress: "web")
        let weight39 = try await router.currentWeight(for: target)
        XCTAssertNil(weight39)

        for w in [0, 20, 50, 100] {
            try await router.setWeight(w, for: target)
            let canary = try c.kubectlJSON(["ingress", "web-canary", "-n", "shop"])
            let annotations = canary[path: ["metadata", "annotations"]]
            XCTAssertEqual(annotations?["nginx.ingress.kubernetes.io/canary"], "true")
            XCTAssertEqual(annotations?["nginx.ingress.kubernetes.io/canary-weight"], .string(String(w)))
            // Only the canary annotations: the stable Ingress' own ones are not copied.
            XCTAssertEqual(annotations?.objectValue?.count, 2, "\(annotations.map { "\($0)" } ?? "")")
            XCTAssertEqual(canary[path: ["spec", "ingressClassName"]], "nginx")
            let backend = canary[path: ["spec", "rules"]]?.arrayValue?.first?[path: ["http", "paths"]]?.arrayValue?
                .first?["backend"]
            XCTAssertEqual(backend?[path: ["service", "name"]], "web-canary")
            XCTAssertEqual(backend?[path: ["service", "port", "number"]], 80)
            XCTAssertEqual(canary[path: ["spec", "rules"]]?.arrayValue?.first?["host"], "shop.example.com")
            XCTAssertEqual(canary[path: ["spec", "tls"]], stableIngress[path: ["spec", "tls"]])
            XCTAssertEqual(canary[path: ["metadata", "labels", "plumb.dev/rollout-canary-of"]], "web")
            let weight56 = try await router.currentWeight(for: target)
            XCTAssertEqual(weight56, w)
        }
        let names = try c.kubectl(["get", "ingress", "-n", "shop", "-o", "name"])
        XCTAssertEqual(names, "ingress.networking.k8s.io/web\ningress.networking.k8s.io/web-canary\n")

        // The stable Ingress is untouched.
        let stable = try c.kubectlJSON(["ingress", "web", "-n", "shop"])
        XCTAssertEqual(
            stable[path: ["spec", "rules"]]?.arrayValue?.first?[path: ["http", "paths"]]?.arrayValue?.first?[
                path: ["backend", "service", "name"]], "web-stable")
        XCTAssertNil(stable[path: ["metadata", "annotations", "nginx.ingress.kubernetes.io/canary"]])

        // Idempotent.
        let rv = try c.kubectlJSON(["ingress", "web-canary", "-n", "shop"])[path: ["metadata", "resourceVersion"]]
        try await router.setWeight(100, for: target)
        XCTAssertEqual(
            try c.kubectlJSON(["ingress", "web-canary", "-n", "shop"])[path: ["metadata", "resourceVersion"]], rv)

        try await router.reset(for: target)
        let left = try c.kubectl(["get", "ingress", "-n", "shop", "-o", "name"])
        XCTAssertEqual(left.trimmingCharacters(in: .whitespacesAndNewlines), "ingress.networking.k8s.io/web")
        let weight77 = try await router.currentWeight(for: target)
        XCTAssertNil(weight77)
        // A second reset is harmless.
        try await router.reset(for: target)
        await c.stop()
    }

    func testIngressWithoutTheStableServiceIsAnError() async throws {
        let c = try await RouterCluster.start()
        try await c.namespace("shop")
        var other = stableIngress
        other["spec"]?["rules"] = [
            [
                "http": [
                    "paths": [
                        [
                            "path": "/", "pathType": "Prefix",
                            "backend": ["service": ["name": "x", "port": ["number": 80]]],
                        ]
                    ]
                ]
            ]
        ]
        try await c.apply(other)
        do {
            try await NGINXRouter(client: c.client, stableIngress: "web").setWeight(20, for: target)
            XCTFail("no error")
        } catch {
            XCTAssertEqual(
                "\(error)", "networking.k8s.io/v1 Ingress shop/web: no backend is the stable Service web-stable")
        }
        await c.stop()
    }
}
