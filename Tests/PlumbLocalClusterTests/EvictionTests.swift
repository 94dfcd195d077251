import Foundation
import PlumbCore
import XCTest

@testable import PlumbLocalCluster

/// `pods/eviction` honours PodDisruptionBudgets as kube-apiserver's EvictionREST does.
final class EvictionTests: ClusterTestCase {
    override var clusterOptions: LocalCluster.Options { .init(port: 0, tls: false, workloadDelay: .milliseconds(20)) }

    /// Creates a Deployment of `replicas` and waits until its pods run and are ready.
    func deploy(_ namespace: String, replicas: Int) throws -> [String] {
        try createNamespace(namespace)
        let r = try http.request(
            "POST", "/apis/apps/v1/namespaces/\(namespace)/deployments",
            body: [
                "metadata": ["name": "web"],
                "spec": [
                    "replicas": .int(Int64(replicas)), "selector": ["matchLabels": ["app": "web"]],
                    "template": [
                        "metadata": ["labels": ["app": "web"]],
                        "spec": ["containers": [["name": "c", "image": "nginx"]]],
                    ],
                ],
            ])
        XCTAssertEqual(r.status, 201, String(decoding: r.body, as: UTF8.self))
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            let pods = try http.request("GET", "/api/v1/namespaces/\(namespace)/pods").json["items"]?.arrayValue ?? []
            if pods.count == replicas && pods.allSatisfy({ ClusterStore.isReady($0) }) {
                return pods.compactMap { $0.meta("name") }.sorted()
            }
            usleep(20_000)
        }
        XCTFail("pods never became ready")
        return []
    }

    func evict(_ namespace: String, _ pod: String, dryRun: Bool = false) throws -> RawHTTP.Response {
        try http.request(
            "POST", "/api/v1/namespaces/\(namespace)/pods/\(pod)/eviction" + (dryRun ? "?dryRun=All" : ""),
            body: [
                "apiVersion": "policy/v1", "kind": "Eviction",
                "metadata": ["name": .string(pod), "namespace": .string(namespace)],
            ])
    }

    func testEvictionWithinTheBudgetDeletesAndBeyondItIsRefused() throws {
        let pods = try deploy("ev", replicas: 3)
        XCTAssertEqual(pods.count, 3)
        var r = try http.request(
            "POST", "/apis/policy/v1/namespaces/ev/poddisruptionbudgets",
            body: [
                "metadata": ["name": "web"],
                "spec": ["maxUnavailable": 1, "selector": ["matchLabels": ["app": "web"]]],
            ])
        XCTAssertEqual(r.status, 201)
        // A dry run deletes nothing.
        r = try evict("ev", pods[0], dryRun: true)
        XCTAssertEqual(r.status, 201)
        XCTAssertEqual(try http.request("GET", "/api/v1/namespaces/ev/pods/\(pods[0])").status, 200)
        r = try evict("ev", pods[0])
        XCTAssertEqual(r.status, 201, String(decoding: r.body, as: UTF8.self))
        XCTAssertEqual(
            r.json, ["kind": "Status", "apiVersion": "v1", "metadata": [:], "status": "Success", "code": 201])
        XCTAssertEqual(try http.request("GET", "/api/v1/namespaces/ev/pods/\(pods[0])").status, 404)
        // Two of three left, and the budget wants two.
        r = try evict("ev", pods[1])
        XCTAssertEqual(r.status, 429)
        XCTAssertEqual(
            r.json,
            [
                "kind": "Status", "apiVersion": "v1", "metadata": [:], "status": "Failure",
                "message": "Cannot evict pod as it would violate the pod's disruption budget.",
                "reason": "TooManyRequests",
                "details": [
                    "causes": [
                        [
                            "reason": "DisruptionBudget",
                            "message": "The disruption budget web needs 2 healthy pods and has 2 currently",
                        ]
                    ]
                ],
                "code": 429,
            ])
        XCTAssertEqual(try http.request("GET", "/api/v1/namespaces/ev/pods/\(pods[1])").status, 200)
        let status = try http.request("GET", "/apis/policy/v1/namespaces/ev/poddisruptionbudgets/web").json["status"]
        XCTAssertEqual(status?["disruptionsAllowed"], 0)
        XCTAssertEqual(status?["currentHealthy"], 2)
        XCTAssertEqual(status?["desiredHealthy"], 2)
        XCTAssertEqual(status?["expectedPods"], 3)
    }

    func testMinAvailableAndPodsNoBudgetSelects() throws {
        let pods = try deploy("ma", replicas: 2)
        var r = try http.request(
            "POST", "/apis/policy/v1/namespaces/ma/poddisruptionbudgets",
            body: [
                "metadata": ["name": "keep-two"],
                "spec": ["minAvailable": 2, "selector": ["matchLabels": ["app": "web"]]],
            ])
        XCTAssertEqual(r.status, 201)
        r = try evict("ma", pods[0])
        XCTAssertEqual(r.status, 429)
        XCTAssertEqual(
            r.json[path: ["details", "causes"]]?.arrayValue?.first?["message"],
            "The disruption budget keep-two needs 2 healthy pods and has 2 currently")
        // A pod no budget selects goes.
        r = try http.request(
            "POST", "/api/v1/namespaces/ma/pods",
            body: [
                "metadata": ["name": "lone", "labels": ["app": "other"]],
                "spec": ["containers": [["name": "c", "image": "busybox"]]],
            ])
        XCTAssertEqual(r.status, 201)
        XCTAssertEqual(try evict("ma", "lone").status, 201)
        XCTAssertEqual(try http.request("GET", "/api/v1/namespaces/ma/pods/lone").status, 404)
        // Mistakes: another name in the body, a pod that is not there.
        r = try http.request(
            "POST", "/api/v1/namespaces/ma/pods/\(pods[0])/eviction",
            body: ["apiVersion": "policy/v1", "kind": "Eviction", "metadata": ["name": "x"]])
        XCTAssertEqual(r.status, 400)
        XCTAssertEqual(r.json["message"], "name in URL does not match name in Eviction object")
        XCTAssertEqual(try evict("ma", "gone").status, 404)
        // Two budgets for one pod are more than the eviction subresource supports.
        r = try http.request(
            "POST", "/apis/policy/v1/namespaces/ma/poddisruptionbudgets",
            body: [
                "metadata": ["name": "second"],
                "spec": ["maxUnavailable": 1, "selector": ["matchLabels": ["app": "web"]]],
            ])
        r = try evict("ma", pods[0])
        XCTAssertEqual(r.status, 500)
        XCTAssertEqual(
            r.json["message"],
            "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.")
    }
}

/// kubectl's node commands against the sandbox's one node.
final class NodeKubectlTests: ClusterTestCase {
    func testCordonAndDrainHonourTheBudget() throws {
        let nodes = try kubectlOK(["get", "nodes"])
        XCTAssertTrue(nodes.contains("plumb-node") && nodes.contains("Ready"), nodes)
        XCTAssertEqual(try kubectlOK(["cordon", "plumb-node"]), "node/plumb-node cordoned\n")
        XCTAssertEqual(try kubectlOK(["get", "node", "plumb-node", "-o", "jsonpath={.spec.unschedulable}"]), "true")
        XCTAssertTrue(try kubectlOK(["get", "nodes"]).contains("SchedulingDisabled"))
        XCTAssertEqual(try kubectlOK(["uncordon", "plumb-node"]), "node/plumb-node uncordoned\n")
        XCTAssertEqual(try kubectlOK(["get", "node", "plumb-node", "-o", "jsonpath={.spec.unschedulable}"]), "")

        try kubectlOK(["create", "namespace", "apps"])
        let manifest = directory.appendingPathComponent("web.yaml").path
        try Data(
            (deploymentYAML + """

                ---
                apiVersion: policy/v1
                kind: PodDisruptionBudget
                metadata:
                  name: web
                  namespace: apps
                spec:
                  minAvailable: 2
                  selector:
                    matchLabels:
                      app: web
                """).utf8
        ).write(to: URL(fileURLWithPath: manifest))
        try kubectlOK(["apply", "--server-side", "-f", manifest])
        XCTAssertEqual(try kubectl(["rollout", "status", "deployment/web", "-n", "apps", "--timeout=10s"]).status, 0)
        let drain = try kubectl(["drain", "plumb-node", "--ignore-daemonsets", "--timeout=3s"], timeout: 20)
        XCTAssertNotEqual(drain.status, 0)
        XCTAssertTrue(drain.stdout.contains("node/plumb-node cordoned"), drain.stdout)
        XCTAssertTrue(
            drain.stderr.contains("Cannot evict pod as it would violate the pod's disruption budget."),
            drain.stdout + drain.stderr)
        XCTAssertEqual(try kubectlOK(["get", "pods", "-n", "apps", "-o", "name"]).split(separator: "\n").count, 2)
    }
}
