import Foundation
import PlumbCore
import XCTest

@testable import PlumbLocalCluster

/// Every built-in kind of Kubernetes 1.36, served as the captured kube-apiserver v1.36.2 serves it.
final class KindsTests: ClusterTestCase {
    override var clusterOptions: LocalCluster.Options { .init(port: 0, tls: false, simulateWorkloads: false) }

    static let aggregatedAccept =
        "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json"

    /// A discovery document captured from kube-apiserver v1.36.2.
    func discovery(_ name: String) throws -> Value {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let file = root.appendingPathComponent("fixtures/kube-wire/discovery/\(name).json")
        return try JSONReader().parse(Array(try Data(contentsOf: file)))
    }

    /// The captured cluster had two test CRDs installed; they are no built-ins.
    static func isTestGroup(_ name: String) -> Bool { name.hasSuffix(".plumb.test") }

    /// `group/version/resource` → the aggregated entry of each resource in a document.
    static func aggregatedResources(_ doc: Value) -> [String: Value] {
        var out: [String: Value] = [:]
        for item in doc["items"]?.arrayValue ?? [] {
            let group = item[path: ["metadata", "name"]]?.stringValue ?? ""
            if isTestGroup(group) { continue }
            for v in item["versions"]?.arrayValue ?? [] {
                for r in v["resources"]?.arrayValue ?? [] {
                    out["\(group)/\(v["version"]?.stringValue ?? "")/\(r["resource"]?.stringValue ?? "")"] = r
                }
            }
        }
        return out
    }

    static func withoutTestGroups(_ doc: Value) -> Value {
        var doc = doc
        doc["items"] = .array(
            (doc["items"]?.arrayValue ?? []).filter { !isTestGroup($0[path: ["metadata", "name"]]?.stringValue ?? "") })
        return doc
    }

    func testAggregatedDiscoveryEqualsTheCapturedDocuments() throws {
        for (path, captured) in [("/api", "discovery-aggregated-api"), ("/apis", "discovery-aggregated-apis")] {
            let r = try http.request("GET", path, headers: ["Accept": Self.aggregatedAccept])
            XCTAssertEqual(r.status, 200)
            let want = Self.withoutTestGroups(try discovery(captured))
            let got = r.json
            let wantResources = Self.aggregatedResources(want)
            let gotResources = Self.aggregatedResources(got)
            XCTAssertEqual(Set(gotResources.keys), Set(wantResources.keys), path)
            for (key, entry) in wantResources.sorted(by: { $0.key < $1.key }) {
                XCTAssertEqual(gotResources[key], entry, key)
            }
            // Groups, versions (preferred first) and resources in the server's order.
            XCTAssertEqual(got, want, path)
        }
    }

    func testLegacyDiscoveryEqualsTheCapturedDocuments() throws {
        for (path, captured) in [
            ("/api/v1", "discovery-legacy-api-v1"), ("/apis/apps/v1", "discovery-legacy-apis-apps-v1"),
        ] {
            let want = try discovery(captured)
            let got = try http.request("GET", path).json
            let wantNames = want["resources"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
            XCTAssertEqual(got["resources"]?.arrayValue?.compactMap { $0["name"]?.stringValue }, wantNames, path)
            for (w, g) in zip(want["resources"]?.arrayValue ?? [], got["resources"]?.arrayValue ?? []) {
                XCTAssertEqual(g, w, w["name"]?.stringValue ?? "")
            }
            XCTAssertEqual(got, want, path)
        }
        var groups = try discovery("discovery-legacy-apis")
        groups["groups"] = .array(
            (groups["groups"]?.arrayValue ?? []).filter { !Self.isTestGroup($0["name"]?.stringValue ?? "") })
        XCTAssertEqual(try http.request("GET", "/apis").json, groups)
        // Each group-version's list names the same resources as the aggregated document.
        let aggregated = Self.aggregatedResources(try discovery("discovery-aggregated-apis"))
        for key in aggregated.keys {
            let parts = key.split(separator: "/").map(String.init)
            let list = try http.request("GET", "/apis/\(parts[0])/\(parts[1])").json
            let entry = list["resources"]?.arrayValue?.first { $0["name"]?.stringValue == parts[2] }
            XCTAssertEqual(entry?["verbs"], aggregated[key]?["verbs"], key)
            XCTAssertEqual(entry?["namespaced"], .bool(aggregated[key]?["scope"] == "Namespaced"), key)
        }
    }

    /// A name each kind accepts (APIService names are `<version>.<group>`).
    static func sampleName(_ t: ResourceType) -> String {
        switch t.resource {
        case "apiservices": return "v1.sample.example.com"
        case "ipaddresses": return "10.96.0.200"
        default: return "sample"
        }
    }

    /// The least object of a kind its validation takes.
    static func sample(_ t: ResourceType) -> Value {
        var o: Value = [
            "apiVersion": .string(t.apiVersion), "kind": .string(t.kind),
            "metadata": ["name": .string(sampleName(t)), "labels": ["a": "1"]],
        ]
        if t.kind == "APIService" {
            o["spec"] = [
                "group": "sample.example.com", "version": "v1", "groupPriorityMinimum": 100, "versionPriority": 100,
            ]
        }
        if t.kind == "Deployment" {
            o["spec"] = [
                "selector": ["matchLabels": ["app": "s"]],
                "template": [
                    "metadata": ["labels": ["app": "s"]], "spec": ["containers": [["name": "c", "image": "busybox"]]],
                ],
            ]
        }
        return o
    }

    func testEveryStoredKindTakesCRUDListWatchAndApply() throws {
        let skip: Set<String> = ["customresourcedefinitions", "componentstatuses"]
        let types = ResourceType.builtins.filter { $0.isStored && !skip.contains($0.resource) }
        XCTAssertGreaterThan(types.count, 55)
        var watchedGroups: Set<String> = []
        for t in types {
            let base =
                (t.group.isEmpty ? "/api/v1" : "/apis/\(t.group)/\(t.version)")
                + (t.namespaced ? "/namespaces/default" : "")
            let collection = "\(base)/\(t.resource)"
            let name = Self.sampleName(t)
            let label = "\(t.resource).\(t.group)/\(t.version)"
            // Server-side apply creates it.
            let config = Self.sample(t)
            var r = try http.request(
                "PATCH", "\(collection)/\(name)?fieldManager=test", body: .string(try JSONWriter().string(config)),
                contentType: "application/apply-patch+yaml")
            XCTAssertEqual(r.status, 201, "\(label): \(String(decoding: r.body, as: UTF8.self))")
            XCTAssertEqual(r.json["kind"]?.stringValue, t.kind, label)
            XCTAssertEqual(r.json[path: ["metadata", "managedFields"]]?.arrayValue?.first?["manager"], "test", label)
            let rv = r.json.meta("resourceVersion") ?? ""
            // Read, list, patch, watch, update, delete.
            r = try http.request("GET", "\(collection)/\(name)")
            XCTAssertEqual(r.status, 200, label)
            r = try http.request("GET", collection)
            XCTAssertEqual(r.json["kind"]?.stringValue, t.kind + "List", label)
            XCTAssertTrue(r.json["items"]?.arrayValue?.contains { $0.meta("name") == name } ?? false, label)
            r = try http.request(
                "PATCH", "\(collection)/\(name)", body: ["metadata": ["labels": ["b": "2"]]],
                contentType: "application/merge-patch+json")
            XCTAssertEqual(r.status, 200, "\(label): \(String(decoding: r.body, as: UTF8.self))")
            XCTAssertEqual(r.json[path: ["metadata", "labels", "b"]], "2", label)
            // Watching is the same code for every kind: one kind of each group is watched (a watch takes a second).
            if watchedGroups.insert(t.group).inserted {
                r = try http.request("GET", "\(collection)?watch=1&resourceVersion=\(rv)&timeoutSeconds=1")
                XCTAssertEqual(r.lines.first?["type"], "MODIFIED", label)
                XCTAssertEqual(r.lines.first?[path: ["object", "metadata", "labels", "b"]], "2", label)
            }
            var object = try http.request("GET", "\(collection)/\(name)").json
            object["metadata"]?["labels"]?["c"] = "3"
            r = try http.request("PUT", "\(collection)/\(name)", body: object)
            XCTAssertEqual(r.status, 200, "\(label): \(String(decoding: r.body, as: UTF8.self))")
            r = try http.request("DELETE", "\(collection)/\(name)")
            XCTAssertEqual(r.status, 200, label)
            if t.resource != "namespaces" {
                XCTAssertEqual(try http.request("GET", "\(collection)/\(name)").status, 404, label)
            }
        }
    }

    func testStatusSubresourceOfEveryKindThatHasOne() throws {
        for t in ResourceType.builtins
        where t.hasStatus && t.isStored && !["namespaces", "customresourcedefinitions"].contains(t.resource) {
            let base =
                (t.group.isEmpty ? "/api/v1" : "/apis/\(t.group)/\(t.version)")
                + (t.namespaced ? "/namespaces/default" : "")
            let name = Self.sampleName(t)
            let label = "\(t.resource).\(t.group)/\(t.version)"
            var r = try http.request("POST", "\(base)/\(t.resource)", body: Self.sample(t))
            XCTAssertEqual(r.status, 201, "\(label): \(String(decoding: r.body, as: UTF8.self))")
            r = try http.request("GET", "\(base)/\(t.resource)/\(name)/status")
            XCTAssertEqual(r.status, 200, label)
            r = try http.request("DELETE", "\(base)/\(t.resource)/\(name)")
            XCTAssertEqual(r.status, 200, label)
        }
    }

    func testReviewsAreAnsweredAndNotStored() throws {
        var r = try http.request(
            "POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
            body: [
                "apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
                "spec": ["resourceAttributes": ["verb": "delete", "resource": "nodes"]],
            ])
        XCTAssertEqual(r.status, 201)
        XCTAssertEqual(r.json[path: ["status", "allowed"]], true)
        XCTAssertEqual(r.json[path: ["spec", "resourceAttributes", "verb"]], "delete")
        r = try http.request(
            "POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews",
            body: ["apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"])
        XCTAssertEqual(r.json[path: ["status", "userInfo", "username"]], "plumb-local")
        r = try http.request(
            "POST", "/apis/authentication.k8s.io/v1/tokenreviews", body: ["spec": ["token": .string(endpoint.token)]])
        XCTAssertEqual(r.json[path: ["status", "authenticated"]], true)
        r = try http.request("POST", "/apis/authentication.k8s.io/v1/tokenreviews", body: ["spec": ["token": "nope"]])
        XCTAssertNil(r.json[path: ["status", "authenticated"]])
        r = try http.request(
            "POST", "/apis/authorization.k8s.io/v1/namespaces/default/localsubjectaccessreviews",
            body: [
                "spec": [
                    "user": "someone",
                    "resourceAttributes": ["verb": "get", "resource": "pods", "namespace": "default"],
                ]
            ])
        XCTAssertEqual(r.status, 201)
        XCTAssertEqual(r.json[path: ["metadata", "namespace"]], "default")
        XCTAssertEqual(r.json[path: ["status", "allowed"]], false, "RBAC binds nothing to someone")
        r = try http.request(
            "POST", "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews", body: ["spec": ["namespace": "default"]])
        XCTAssertEqual(r.json[path: ["status", "resourceRules"]]?.arrayValue?.first?["verbs"], ["*"])
        // Only create is served: anything else is 405, as the real router answers.
        r = try http.request("GET", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews")
        XCTAssertEqual(r.status, 405)
        XCTAssertEqual(r.json["reason"], "MethodNotAllowed")
        XCTAssertEqual(r.json["message"], "the server does not allow this method on the requested resource")
    }

    func testVerbsDiscoveryDoesNotListAre405() throws {
        let r = try http.request("GET", "/api/v1/componentstatuses")
        XCTAssertEqual(r.status, 200)
        XCTAssertEqual(
            r.json["items"]?.arrayValue?.compactMap { $0.meta("name") }, ["controller-manager", "etcd-0", "scheduler"])
        XCTAssertEqual(
            try http.request("GET", "/api/v1/componentstatuses/etcd-0").json[path: ["conditions"]]?.arrayValue?.first?[
                "type"], "Healthy")
        XCTAssertEqual(try http.request("DELETE", "/api/v1/componentstatuses/etcd-0").status, 405)
        XCTAssertEqual(
            try http.request("POST", "/api/v1/componentstatuses", body: ["metadata": ["name": "x"]]).status, 405)
        XCTAssertEqual(try http.request("GET", "/api/v1/componentstatuses?watch=1").status, 405)
        XCTAssertEqual(try http.request("DELETE", "/api/v1/namespaces").status, 405)
        XCTAssertEqual(try http.request("GET", "/api/v1/namespaces/default/bindings").status, 405)
        XCTAssertEqual(
            try http.request(
                "PATCH", "/api/v1/namespaces/default/finalize", body: [:], contentType: "application/merge-patch+json"
            ).status, 405)
        XCTAssertEqual(try http.request("GET", "/api/v1/namespaces/default/pods/p/eviction").status, 405)
        XCTAssertEqual(try http.request("POST", "/api/v1/namespaces/default/configmaps/x", body: [:]).status, 405)
        // A subresource discovery does not list is no path at all.
        XCTAssertEqual(try http.request("GET", "/api/v1/namespaces/default/configmaps/x/status").status, 404)
    }

    func testBindingAssignsAPodToTheNode() throws {
        var r = try http.request(
            "POST", "/api/v1/namespaces/default/pods",
            body: ["metadata": ["name": "p"], "spec": ["containers": [["name": "c", "image": "busybox"]]]])
        XCTAssertEqual(r.status, 201)
        r = try http.request(
            "POST", "/api/v1/namespaces/default/pods/p/binding",
            body: [
                "apiVersion": "v1", "kind": "Binding", "metadata": ["name": "p"],
                "target": ["kind": "Node", "name": "plumb-node"],
            ])
        XCTAssertEqual(r.status, 201, String(decoding: r.body, as: UTF8.self))
        XCTAssertEqual(r.json["status"], "Success")
        XCTAssertEqual(
            try http.request("GET", "/api/v1/namespaces/default/pods/p").json[path: ["spec", "nodeName"]], "plumb-node")
        r = try http.request(
            "POST", "/api/v1/namespaces/default/bindings",
            body: ["metadata": ["name": "p"], "target": ["name": "other"]])
        XCTAssertEqual(r.status, 409)
    }

    func testScaleOfEveryKindDiscoveryListsItFor() throws {
        let template: Value = [
            "metadata": ["labels": ["app": "s"]], "spec": ["containers": [["name": "c", "image": "busybox"]]],
        ]
        let objects: [(String, Value)] = [
            (
                "/apis/apps/v1/namespaces/default/deployments",
                [
                    "metadata": ["name": "s"],
                    "spec": ["replicas": 1, "selector": ["matchLabels": ["app": "s"]], "template": template],
                ]
            ),
            (
                "/apis/apps/v1/namespaces/default/statefulsets",
                [
                    "metadata": ["name": "s"],
                    "spec": [
                        "replicas": 1, "serviceName": "s", "selector": ["matchLabels": ["app": "s"]],
                        "template": template,
                    ],
                ]
            ),
            (
                "/apis/apps/v1/namespaces/default/replicasets",
                [
                    "metadata": ["name": "s"],
                    "spec": ["replicas": 1, "selector": ["matchLabels": ["app": "s"]], "template": template],
                ]
            ),
            (
                "/api/v1/namespaces/default/replicationcontrollers",
                ["metadata": ["name": "s"], "spec": ["replicas": 1, "selector": ["app": "s"], "template": template]]
            ),
        ]
        for (collection, body) in objects {
            XCTAssertEqual(try http.request("POST", collection, body: body).status, 201, collection)
            var r = try http.request("GET", "\(collection)/s/scale")
            XCTAssertEqual(r.status, 200, collection)
            XCTAssertEqual(r.json["kind"], "Scale")
            XCTAssertEqual(r.json[path: ["spec", "replicas"]], 1)
            r = try http.request(
                "PATCH", "\(collection)/s/scale", body: ["spec": ["replicas": 3]],
                contentType: "application/merge-patch+json")
            XCTAssertEqual(r.status, 200, "\(collection): \(String(decoding: r.body, as: UTF8.self))")
            XCTAssertEqual(try http.request("GET", "\(collection)/s").json[path: ["spec", "replicas"]], 3, collection)
        }
        XCTAssertEqual(try http.request("GET", "/apis/apps/v1/namespaces/default/daemonsets/s/scale").status, 404)
        let rc = try http.request("GET", "/api/v1/namespaces/default/replicationcontrollers/s/scale").json
        XCTAssertEqual(rc[path: ["status", "selector"]], "app=s")
    }

    func testScaleSelectorIsPrintedAsTheServerPrintsIt() {
        let selector: Value = [
            "matchLabels": ["tier": "web", "app": "a"],
            "matchExpressions": [
                ["key": "env", "operator": "In", "values": ["prod", "dev"]],
                ["key": "canary", "operator": "DoesNotExist"],
            ],
        ]
        XCTAssertEqual(APIServer.scaleSelector(selector, plainMap: false), "app=a,!canary,env in (dev,prod),tier=web")
    }
}

/// kubectl (over TLS, as it sends tokens) against the kinds the cluster serves.
final class KindsKubectlTests: ClusterTestCase {
    func discovery(_ name: String) throws -> Value {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return try JSONReader().parse(
            Array(try Data(contentsOf: root.appendingPathComponent("fixtures/kube-wire/discovery/\(name).json"))))
    }

    func testKubectlAPIResourcesListsEveryKind() throws {
        var want: Set<String> = []
        for doc in ["discovery-aggregated-api", "discovery-aggregated-apis"] {
            for key in KindsTests.aggregatedResources(try discovery(doc)).keys {
                let parts = key.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
                want.insert(parts[0].isEmpty ? parts[2] : "\(parts[2]).\(parts[0])")
            }
        }
        let names = try kubectlOK(["api-resources", "-o", "name"]).split(separator: "\n").map(String.init)
        XCTAssertEqual(Set(names), want)
        let table = try kubectlOK(["api-resources"])
        XCTAssertTrue(
            table.contains("poddisruptionbudgets") && table.contains("pdb") && table.contains("policy/v1"), table)
        XCTAssertTrue(table.contains("validatingwebhookconfigurations"), table)
        XCTAssertTrue(table.contains("ingressclasses"), table)
        let auth = try kubectlOK(["auth", "can-i", "create", "deployments"])
        XCTAssertEqual(auth, "yes\n")
        let whoami = try kubectlOK(["auth", "whoami"])
        XCTAssertTrue(whoami.contains("plumb-local") && whoami.contains("system:masters"), whoami)
    }
}
