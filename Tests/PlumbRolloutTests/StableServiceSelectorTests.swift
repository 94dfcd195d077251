import Foundation
import PlumbCore
import PlumbRollout
import XCTest

/// With a traffic router the stable Service must not reach the canary's pods: at every step
/// its selector (as `kubectl get -o json` shows it) matches only the stable pods, and the
/// canary Service's only the canary pods; the stable pods are not restarted for it, and the
/// added terms are gone once the rollout is promoted or rolled back.
final class StableServiceSelectorTests: RolloutTestCase {
    let services = """
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
          ports:
            - port: 80
        ---
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata:
          name: web
          namespace: shop
        spec:
          ingressClassName: nginx
          rules:
            - host: shop.example.com
              http:
                paths:
                  - path: /
                    pathType: Prefix
                    backend:
                      service:
                        name: web-stable
                        port:
                          number: 80

        """

    func nginxStrategy() -> String {
        """
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
                nginx:
                  stableIngress: web
              steps:
                - setWeight: 20
                - pause: {}
                - setWeight: 50
                - pause: {}

        """
    }

    /// The Pods of the namespace, by name, with their labels.
    func pods() throws -> [String: [String: String]] {
        let list = try JSONReader().parse(try kubectlOK(["get", "pods", "-n", namespace, "-o", "json"]))
        var out: [String: [String: String]] = [:]
        for pod in list["items"]?.arrayValue ?? [] where pod[path: ["metadata", "deletionTimestamp"]] == nil {
            var labels: [String: String] = [:]
            for e in pod[path: ["metadata", "labels"]]?.objectValue ?? ValueObject() { labels[e.key] = e.value.stringValue }
            out[pod[path: ["metadata", "name"]]?.stringValue ?? ""] = labels
        }
        return out
    }

    func service(_ name: String) throws -> Value {
        try JSONReader().parse(try kubectlOK(["get", "service", name, "-n", namespace, "-o", "json", "--show-managed-fields"]))
    }

    /// The names of the Pods a Service's selector matches (every term equal).
    func selected(_ name: String) throws -> Set<String> {
        let selector = try service(name)[path: ["spec", "selector"]]?.objectValue ?? ValueObject()
        XCTAssertFalse(selector.isEmpty)
        return Set(try pods().filter { _, labels in selector.allSatisfy { labels[$0.key] == $0.value.stringValue } }.keys)
    }

    /// Canary pods carry the role label; the others are the stable Deployment's.
    func tracks() throws -> (stable: Set<String>, canary: Set<String>) {
        let all = try pods().filter { $0.value["app"] == "web" }
        let canary = Set(all.filter { $0.value[RolloutRunner.roleLabel] == "canary" }.keys)
        return (Set(all.keys).subtracting(canary), canary)
    }

    func assertNarrowed(_ step: String, stablePods: Set<String>, canaryCount: Int, file: StaticString = #filePath, line: UInt = #line) throws {
        let (stable, canary) = try tracks()
        XCTAssertEqual(stable, stablePods, "\(step): the stable pods are the same ones (not restarted)", file: file, line: line)
        XCTAssertEqual(canary.count, canaryCount, "\(step): canary pods", file: file, line: line)
        XCTAssertEqual(try selected("web-stable"), stable, "\(step): the stable Service selects the stable pods only", file: file, line: line)
        XCTAssertEqual(try selected("web-canary"), canary, "\(step): the canary Service selects the canary pods only", file: file, line: line)
        let svc = try service("web-stable")
        XCTAssertNotNil(svc[path: ["spec", "selector", "pod-template-hash"]], file: file, line: line)
        XCTAssertEqual(svc[path: ["spec", "selector", "app"]], "web", "Git's term stays", file: file, line: line)
        let managers = (svc[path: ["metadata", "managedFields"]]?.arrayValue ?? []).compactMap { $0["manager"]?.stringValue }
        XCTAssertTrue(managers.contains("plumb-rollout"), "\(managers)", file: file, line: line)
    }

    func assertRestored(_ step: String, file: StaticString = #filePath, line: UInt = #line) throws {
        for name in ["web-stable", "web-canary"] {
            let svc = try service(name)
            XCTAssertEqual(svc[path: ["spec", "selector"]], ["app": "web"], "\(step): \(name)'s selector is Git's again", file: file, line: line)
            XCTAssertNil(svc[path: ["metadata", "annotations", "plumb.dev/rollout-selector"]], "\(step): \(name)", file: file, line: line)
        }
        let (stable, canary) = try tracks()
        XCTAssertTrue(canary.isEmpty, "\(step): no canary pods left", file: file, line: line)
        XCTAssertEqual(try selected("web-stable"), stable, file: file, line: line)
    }

    func promote() throws { try kubectlOK(["annotate", "--overwrite", "-n", namespace, "rolloutstrategy/web", "plumb.dev/rollout-command=promote"]) }

    func waitForPods(_ count: Int) async throws {
        for _ in 0..<100 {
            if try pods().filter({ $0.value["app"] == "web" }).count == count { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        XCTFail("not \(count) pods: \(try pods().keys.sorted())")
    }

    func testStableServiceSelectsOnlyStablePodsAtEachStep() async throws {
        try commit(["app/web.yaml": deployment(image: "nginx:1.25"), "app/services.yaml": services, "app/rollout.yaml": nginxStrategy()])
        let first = try await sync(runner(holdPauses: false))
        XCTAssertTrue(first.result.succeeded, "\(first.result.failures)")
        try await waitForPods(5)
        let stablePods = try tracks().stable
        XCTAssertEqual(stablePods.count, 5)
        XCTAssertEqual(try selected("web-stable"), stablePods)

        try commit(["app/web.yaml": deployment(image: "nginx:1.26")], message: "web 1.26")
        let lines = Lines()
        let step1 = try await sync(runner(holdPauses: false, lines: lines))
        XCTAssertFalse(step1.rolloutsWaiting.isEmpty, lines.text)
        // Weight 20: the canary has ceil(5 × 0.2) = 1 pod; the router's weight, not the pod count, splits traffic.
        try await waitForPods(6)
        try assertNarrowed("setWeight 20", stablePods: stablePods, canaryCount: 1)

        try promote()
        let step3 = try await sync(runner(holdPauses: false, lines: lines))
        XCTAssertFalse(step3.rolloutsWaiting.isEmpty, lines.text)
        try await waitForPods(8)
        try assertNarrowed("setWeight 50", stablePods: stablePods, canaryCount: 3)

        try promote()
        let done = try await sync(runner(holdPauses: false, lines: lines))
        XCTAssertTrue(done.result.succeeded, "\(done.result.failures) \(lines.text)")
        XCTAssertTrue(lines.text.contains("promoted"), lines.text)
        try await waitForPods(5)
        try assertRestored("promoted")
        let image = try await image("web")
        XCTAssertEqual(image, "nginx:1.26")
    }

    func testAbortRestoresTheSelectors() async throws {
        try commit(["app/web.yaml": deployment(image: "nginx:1.25"), "app/services.yaml": services, "app/rollout.yaml": nginxStrategy()])
        _ = try await sync(runner(holdPauses: false))
        try await waitForPods(5)
        let stablePods = try tracks().stable
        try commit(["app/web.yaml": deployment(image: "nginx:1.26")], message: "web 1.26")
        _ = try await sync(runner(holdPauses: false))
        try await waitForPods(6)
        try assertNarrowed("setWeight 20", stablePods: stablePods, canaryCount: 1)

        try kubectlOK(["annotate", "--overwrite", "-n", namespace, "rolloutstrategy/web", "plumb.dev/rollout-command=abort"])
        let aborted = try await sync(runner(holdPauses: false))
        XCTAssertFalse(aborted.result.succeeded, "an abort fails the sync")
        try await waitForPods(5)
        try assertRestored("aborted")
        XCTAssertEqual(try tracks().stable, stablePods, "the stable pods ran through the whole rollout")
        let image = try await image("web")
        XCTAssertEqual(image, "nginx:1.25")
    }

    func testReplicaRatioKeepsOneServiceForBoth() async throws {
        // Router `none`: the Service selecting both tracks is the split, so nothing is narrowed.
        try commit(["app/web.yaml": deployment(image: "nginx:1.25"), "app/rollout.yaml": strategy(["setWeight: 40", "pause: {}"])])
        _ = try await sync(runner(holdPauses: false))
        try commit(["app/web.yaml": deployment(image: "nginx:1.26")], message: "web 1.26")
        _ = try await sync(runner(holdPauses: false))
        try await waitForPods(5)
        let (stable, canary) = try tracks()
        XCTAssertEqual(canary.count, 2)
        XCTAssertEqual(try service("web")[path: ["spec", "selector"]], ["app": "web"])
        XCTAssertEqual(try selected("web"), stable.union(canary))
    }
}
