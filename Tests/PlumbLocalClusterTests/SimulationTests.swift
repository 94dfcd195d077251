import Foundation
import PlumbCore
import XCTest

@testable import PlumbLocalCluster

/// Controller stand-ins, persistence and discovery.
final class SimulationTests: ClusterTestCase {
    override var clusterOptions: LocalCluster.Options {
        .init(port: 0, tls: false, dataFile: directory.appendingPathComponent("cluster.sqlite").path, workloadDelay: .milliseconds(50))
    }

    override func setUp() async throws {
        // The data file lives in the test's directory, which must exist before the cluster starts.
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("plumb-cluster-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        cluster = LocalCluster(options: clusterOptions)
        endpoint = try await cluster.start()
        try await cluster.writeKubeconfig(to: kubeconfig)
    }

    func deployment(_ name: String, replicas: Int64 = 3) -> Value {
        [
            "apiVersion": "apps/v1", "kind": "Deployment", "metadata": ["name": .string(name)],
            "spec": [
                "replicas": .int(replicas), "selector": ["matchLabels": ["app": .string(name)]],
                "template": ["metadata": ["labels": ["app": .string(name)]], "spec": ["containers": [["name": "c", "image": "nginx:1.25"]]]],
            ],
        ]
    }

    /// Polls an object until `ready` holds (at most ~5 s).
    func eventually(_ path: String, _ ready: (Value) -> Bool) throws -> Value {
        var last: Value = .null
        for _ in 0..<100 {
            last = try http.request("GET", path).json
            if ready(last) { return last }
            usleep(50_000)
        }
        XCTFail("never ready: \(path): \((try? JSONWriter().string(last)) ?? "")")
        return last
    }

    func condition(_ o: Value, _ type: String) -> Value? {
        o[path: ["status", "conditions"]]?.arrayValue?.first { $0["type"]?.stringValue == type }
    }

    func testWorkloadsBecomeReadyFailOrStayUnready() async throws {
        try createNamespace("sim")
        await cluster.failWorkload(namespace: "sim", name: "broken")
        await cluster.keepUnready(namespace: "sim", name: "slow")
        for name in ["web", "broken", "slow"] {
            _ = try http.request("POST", "/apis/apps/v1/namespaces/sim/deployments", body: deployment(name))
        }
        let web = try eventually("/apis/apps/v1/namespaces/sim/deployments/web") { $0[path: ["status", "availableReplicas"]] == 3 }
        XCTAssertEqual(web[path: ["status", "observedGeneration"]], 1)
        XCTAssertEqual(web[path: ["status", "readyReplicas"]], 3)
        XCTAssertEqual(condition(web, "Available")?["reason"], "MinimumReplicasAvailable")
        XCTAssertEqual(condition(web, "Progressing")?["reason"], "NewReplicaSetAvailable")
        let controller = web[path: ["metadata", "managedFields"]]?.arrayValue?.first { $0["manager"] == "kube-controller-manager" }
        XCTAssertEqual(controller?["subresource"], "status")
        XCTAssertEqual(controller?["operation"], "Update")
        XCTAssertNotNil(controller?[path: ["fieldsV1", "f:status", "f:conditions"]])
        let broken = try eventually("/apis/apps/v1/namespaces/sim/deployments/broken") { $0[path: ["status", "conditions"]] != nil }
        XCTAssertEqual(condition(broken, "Progressing")?["status"], "False")
        XCTAssertEqual(condition(broken, "Progressing")?["reason"], "ProgressDeadlineExceeded")
        let slow = try eventually("/apis/apps/v1/namespaces/sim/deployments/slow") { $0[path: ["status", "conditions"]] != nil }
        XCTAssertEqual(condition(slow, "Available")?["status"], "False")
        XCTAssertNil(slow[path: ["status", "readyReplicas"]])
        // A spec change is observed again at the new generation.
        _ = try http.request("PATCH", "/apis/apps/v1/namespaces/sim/deployments/web", body: ["spec": ["replicas": 1]], contentType: "application/merge-patch+json")
        let scaled = try eventually("/apis/apps/v1/namespaces/sim/deployments/web") { $0[path: ["status", "observedGeneration"]] == 2 }
        XCTAssertEqual(scaled[path: ["status", "readyReplicas"]], 1)
        // The scale subresource reads and writes spec.replicas.
        var r = try http.request("GET", "/apis/apps/v1/namespaces/sim/deployments/web/scale")
        XCTAssertEqual(r.json["kind"], "Scale")
        XCTAssertEqual(r.json[path: ["spec", "replicas"]], 1)
        XCTAssertEqual(r.json[path: ["status", "selector"]], "app=web")
        r = try http.request("PATCH", "/apis/apps/v1/namespaces/sim/deployments/web/scale", body: ["spec": ["replicas": 4]], contentType: "application/merge-patch+json")
        XCTAssertEqual(r.json[path: ["spec", "replicas"]], 4)
        let four = try eventually("/apis/apps/v1/namespaces/sim/deployments/web") { $0[path: ["status", "readyReplicas"]] == 4 }
        XCTAssertEqual(four[path: ["metadata", "generation"]], 3)
    }

    func testDeploymentsOwnReplicaSetsAndPodsThatCascade() throws {
        try createNamespace("sim")
        _ = try http.request("POST", "/apis/apps/v1/namespaces/sim/deployments", body: deployment("web", replicas: 3))
        _ = try eventually("/apis/apps/v1/namespaces/sim/deployments/web") { $0[path: ["status", "availableReplicas"]] == 3 }
        var pods = try http.request("GET", "/api/v1/namespaces/sim/pods?labelSelector=app%3Dweb").json["items"]?.arrayValue ?? []
        XCTAssertEqual(pods.count, 3)
        XCTAssertEqual(Set(pods.compactMap { $0[path: ["status", "phase"]] }), ["Running"])
        let sets = try http.request("GET", "/apis/apps/v1/namespaces/sim/replicasets").json["items"]?.arrayValue ?? []
        XCTAssertEqual(sets.count, 1)
        let rs = try XCTUnwrap(sets.first)
        XCTAssertEqual(rs[path: ["metadata", "ownerReferences"]]?.arrayValue?.first?["kind"], "Deployment")
        XCTAssertEqual(pods.first?[path: ["metadata", "ownerReferences"]]?.arrayValue?.first?["name"], rs["metadata"]?["name"])
        let web = try http.request("GET", "/apis/apps/v1/namespaces/sim/deployments/web").json
        XCTAssertEqual(web[path: ["metadata", "annotations", "deployment.kubernetes.io/revision"]], "1")
        let events = try http.request("GET", "/api/v1/namespaces/sim/events?fieldSelector=involvedObject.name%3Dweb,involvedObject.kind%3DDeployment").json
        XCTAssertEqual(events["items"]?.arrayValue?.compactMap { $0["message"]?.stringValue }, ["Scaled up replica set \(rs.meta("name") ?? "") from 0 to 3"])
        // Scaling down removes pods; a new template makes a new ReplicaSet and retires the old one.
        _ = try http.request("PATCH", "/apis/apps/v1/namespaces/sim/deployments/web", body: ["spec": ["replicas": 1]], contentType: "application/merge-patch+json")
        _ = try eventually("/apis/apps/v1/namespaces/sim/deployments/web") { $0[path: ["status", "observedGeneration"]] == 2 }
        pods = try http.request("GET", "/api/v1/namespaces/sim/pods").json["items"]?.arrayValue ?? []
        XCTAssertEqual(pods.count, 1)
        _ = try http.request(
            "PATCH", "/apis/apps/v1/namespaces/sim/deployments/web",
            body: ["spec": ["template": ["spec": ["containers": [["name": "c", "image": "nginx:1.26"]]]]]], contentType: "application/strategic-merge-patch+json")
        _ = try eventually("/apis/apps/v1/namespaces/sim/deployments/web") { $0[path: ["status", "observedGeneration"]] == 3 }
        let replicaSets = try http.request("GET", "/apis/apps/v1/namespaces/sim/replicasets").json["items"]?.arrayValue ?? []
        XCTAssertEqual(replicaSets.compactMap { $0[path: ["spec", "replicas"]] }.sorted { ($0.intValue ?? 0) < ($1.intValue ?? 0) }, [0, 1])
        pods = try http.request("GET", "/api/v1/namespaces/sim/pods").json["items"]?.arrayValue ?? []
        XCTAssertEqual(pods.compactMap { $0[path: ["spec", "containers"]]?.arrayValue?.first?["image"] }, ["nginx:1.26"])
        // Deleting the Deployment takes its ReplicaSets and Pods with it.
        XCTAssertEqual(try http.request("DELETE", "/apis/apps/v1/namespaces/sim/deployments/web").status, 200)
        XCTAssertEqual(try http.request("GET", "/apis/apps/v1/namespaces/sim/replicasets").json["items"]?.arrayValue?.count, 0)
        XCTAssertEqual(try http.request("GET", "/api/v1/namespaces/sim/pods").json["items"]?.arrayValue?.count, 0)
    }

    func testJobsCompleteAndClaimsBind() throws {
        try createNamespace("sim")
        let job: Value = [
            "apiVersion": "batch/v1", "kind": "Job", "metadata": ["name": "once"],
            "spec": ["template": ["spec": ["restartPolicy": "Never", "containers": [["name": "c", "image": "busybox"]]]]],
        ]
        XCTAssertEqual(try http.request("POST", "/apis/batch/v1/namespaces/sim/jobs", body: job).status, 201)
        let done = try eventually("/apis/batch/v1/namespaces/sim/jobs/once") { $0[path: ["status", "succeeded"]] == 1 }
        XCTAssertEqual(condition(done, "Complete")?["status"], "True")
        let pvc: Value = [
            "apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": ["name": "data"],
            "spec": ["accessModes": ["ReadWriteOnce"], "resources": ["requests": ["storage": "1Gi"]]],
        ]
        XCTAssertEqual(try http.request("POST", "/api/v1/namespaces/sim/persistentvolumeclaims", body: pvc).status, 201)
        let bound = try eventually("/api/v1/namespaces/sim/persistentvolumeclaims/data") { $0[path: ["status", "phase"]] == "Bound" }
        XCTAssertEqual(bound[path: ["status", "capacity", "storage"]], "1Gi")
        let lb: Value = ["apiVersion": "v1", "kind": "Service", "metadata": ["name": "front"], "spec": ["type": "LoadBalancer", "ports": [["port": 443]]]]
        let created = try http.request("POST", "/api/v1/namespaces/sim/services", body: lb).json
        let nodePort = created[path: ["spec", "ports"]]?.arrayValue?.first?["nodePort"]?.intValue ?? 0
        XCTAssertTrue((30000...32767).contains(nodePort), "\(nodePort)")
        XCTAssertEqual(created[path: ["spec", "allocateLoadBalancerNodePorts"]], true)
        let served = try eventually("/api/v1/namespaces/sim/services/front") { $0[path: ["status", "loadBalancer", "ingress"]] != nil }
        XCTAssertNotNil(served[path: ["status", "loadBalancer", "ingress"]]?.arrayValue?.first?["ip"]?.stringValue)
    }

    func testObjectsAndResourceVersionSurviveRestart() async throws {
        try createNamespace("keep")
        let made = try http.request("POST", "/api/v1/namespaces/keep/configmaps", body: ["metadata": ["name": "kept"], "data": ["a": "b"]]).json
        let rv = Int(made.meta("resourceVersion") ?? "") ?? 0
        await cluster.stop()
        cluster = LocalCluster(options: clusterOptions)
        endpoint = try await cluster.start()
        let again = try http.request("GET", "/api/v1/namespaces/keep/configmaps/kept")
        XCTAssertEqual(again.status, 200)
        XCTAssertEqual(again.json["data"], ["a": "b"])
        XCTAssertEqual(again.json.meta("uid"), made.meta("uid"))
        let next = try http.request("POST", "/api/v1/namespaces/keep/configmaps", body: ["metadata": ["name": "next"]]).json
        XCTAssertGreaterThan(Int(next.meta("resourceVersion") ?? "") ?? 0, rv)
    }

    func testAggregatedDiscoveryAndCRDs() throws {
        let accept = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json"
        var r = try http.request("GET", "/apis", headers: ["Accept": accept])
        XCTAssertEqual(r.headers["content-type"], "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList")
        let apps = r.json["items"]?.arrayValue?.first { $0[path: ["metadata", "name"]] == "apps" }
        let deployments = apps?["versions"]?.arrayValue?.first?["resources"]?.arrayValue?.first { $0["resource"] == "deployments" }
        XCTAssertEqual(deployments?["shortNames"], ["deploy"])
        XCTAssertEqual(deployments?["categories"], ["all"])
        XCTAssertEqual(deployments?["subresources"]?.arrayValue?.compactMap { $0["subresource"] }, ["scale", "status"])
        r = try http.request("GET", "/apis", headers: ["Accept": "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList"])
        XCTAssertEqual(r.status, 406)
        XCTAssertEqual(r.json["reason"], "NotAcceptable")
        r = try http.request("GET", "/api")
        XCTAssertEqual(r.json["versions"], ["v1"])
        let crd: Value = [
            "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition", "metadata": ["name": "widgets.bars.plumb.test"],
            "spec": [
                "group": "bars.plumb.test", "scope": "Namespaced", "names": ["plural": "widgets", "kind": "Widget"],
                "versions": [["name": "v1", "served": true, "storage": true, "schema": ["openAPIV3Schema": ["type": "object", "x-kubernetes-preserve-unknown-fields": true]]]],
            ],
        ]
        r = try http.request("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", body: crd)
        XCTAssertEqual(r.status, 201)
        XCTAssertEqual(r.json[path: ["spec", "names", "listKind"]], "WidgetList")
        // As kube-apiserver: not established, nor served, at the create; a few milliseconds later both.
        XCTAssertNil(r.json[path: ["status", "conditions"]]?.arrayValue)
        XCTAssertEqual(r.json[path: ["status", "acceptedNames", "kind"]], "")
        XCTAssertEqual(try http.request("GET", "/apis/bars.plumb.test/v1").status, 404)
        let path = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.bars.plumb.test"
        for _ in 0..<200 where try http.request("GET", path).json[path: ["status", "conditions"]]?.arrayValue == nil {
            usleep(5_000)
        }
        r = try http.request("GET", path)
        let conditions = r.json[path: ["status", "conditions"]]?.arrayValue?.compactMap { $0["type"]?.stringValue }
        XCTAssertEqual(conditions, ["NamesAccepted", "Established"])
        XCTAssertEqual(r.json[path: ["status", "acceptedNames", "kind"]], "Widget")
        r = try http.request("GET", "/apis/bars.plumb.test/v1")
        XCTAssertEqual(r.json["resources"]?.arrayValue?.first?["kind"], "Widget")
        r = try http.request("GET", "/apis", headers: ["Accept": accept])
        let group = r.json["items"]?.arrayValue?.first { $0[path: ["metadata", "name"]] == "bars.plumb.test" }
        XCTAssertEqual(group?["versions"]?.arrayValue?.first?["resources"]?.arrayValue?.first?["responseKind"], ["group": "bars.plumb.test", "version": "v1", "kind": "Widget"])
        XCTAssertEqual(try http.request("DELETE", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.bars.plumb.test").status, 200)
        XCTAssertEqual(try http.request("GET", "/apis/bars.plumb.test/v1").status, 404)
    }
}
