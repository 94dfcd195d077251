import Foundation
import PlumbCore
import XCTest

@testable import PlumbLocalCluster

/// Verbs on objects over plain HTTP: lists, selectors, patches, status, deletion.
final class ObjectTests: ClusterTestCase {
    override var clusterOptions: LocalCluster.Options { .init(port: 0, tls: false, simulateWorkloads: false) }

    func configMap(_ name: String, labels: Value = [:], data: Value = ["k": "v"]) -> Value {
        ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": .string(name), "labels": labels], "data": data]
    }

    func post(_ path: String, _ body: Value, file: StaticString = #filePath, line: UInt = #line) throws -> Value {
        let r = try http.request("POST", path, body: body)
        XCTAssertEqual(r.status, 201, String(decoding: r.body, as: UTF8.self), file: file, line: line)
        return r.json
    }

    func testPagingAndSelectors() throws {
        try createNamespace("wire")
        for i in 0..<5 {
            _ = try post("/api/v1/namespaces/wire/configmaps", configMap("cm-\(i)", labels: ["plumb.dev/app": "demo", "tier": i % 2 == 0 ? "even" : "odd"]))
        }
        _ = try post("/api/v1/namespaces/wire/configmaps", configMap("other"))
        // Paged with a selector: no remainingItemCount, as in list-paged.json.
        var r = try http.request("GET", "/api/v1/namespaces/wire/configmaps?limit=2&labelSelector=plumb.dev%2Fapp%3Ddemo")
        XCTAssertEqual(r.json["kind"], "ConfigMapList")
        XCTAssertEqual(r.json["items"]?.arrayValue?.compactMap { $0.meta("name") }, ["cm-0", "cm-1"])
        XCTAssertNil(r.json["items"]?.arrayValue?.first?["kind"])
        XCTAssertNil(r.json[path: ["metadata", "remainingItemCount"]])
        let rv = r.json.meta("resourceVersion")
        var names: [String] = r.json["items"]!.arrayValue!.compactMap { $0.meta("name") }
        while let token = r.json[path: ["metadata", "continue"]]?.stringValue {
            r = try http.request("GET", "/api/v1/namespaces/wire/configmaps?limit=2&labelSelector=plumb.dev%2Fapp%3Ddemo&continue=\(token)")
            XCTAssertEqual(r.json.meta("resourceVersion"), rv)
            names += r.json["items"]!.arrayValue!.compactMap { $0.meta("name") }
        }
        XCTAssertEqual(names, ["cm-0", "cm-1", "cm-2", "cm-3", "cm-4"])
        // Without a selector the server counts what is left.
        r = try http.request("GET", "/api/v1/namespaces/wire/configmaps?limit=4")
        XCTAssertEqual(r.json[path: ["metadata", "remainingItemCount"]], 2)
        func select(_ selector: String) throws -> [String] {
            let q = selector.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? selector
            let r = try http.request("GET", "/api/v1/namespaces/wire/configmaps?labelSelector=\(q)")
            return r.json["items"]?.arrayValue?.compactMap { $0.meta("name") } ?? []
        }
        XCTAssertEqual(try select("tier==even"), ["cm-0", "cm-2", "cm-4"])
        XCTAssertEqual(try select("tier!=even"), ["cm-1", "cm-3", "other"])
        XCTAssertEqual(try select("tier in (odd, even),tier notin (odd)"), ["cm-0", "cm-2", "cm-4"])
        XCTAssertEqual(try select("!tier"), ["other"])
        XCTAssertEqual(try select("tier"), ["cm-0", "cm-1", "cm-2", "cm-3", "cm-4"])
        r = try http.request("GET", "/api/v1/configmaps?fieldSelector=metadata.name%3Dcm-3,metadata.namespace%3Dwire")
        XCTAssertEqual(r.json["items"]?.arrayValue?.compactMap { $0.meta("name") }, ["cm-3"])
        // Metadata-only lists, as metadata informers ask for them.
        r = try http.request("GET", "/api/v1/namespaces/wire/configmaps?labelSelector=tier%3Dodd", headers: ["Accept": "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json"])
        XCTAssertEqual(r.json["kind"], "PartialObjectMetadataList")
        XCTAssertEqual(r.json["items"]?.arrayValue?.compactMap { $0["kind"] }, ["PartialObjectMetadata", "PartialObjectMetadata"])
        XCTAssertNil(r.json["items"]?.arrayValue?.first?["data"])
    }

    func testPatchesAgainstCaptures() throws {
        try createNamespace("wire")
        _ = try post("/api/v1/namespaces/wire/configmaps", configMap("cm-0", data: ["k": "0"]))
        _ = try post("/api/v1/namespaces/wire/configmaps", configMap("cm-1", data: ["k": "1"]))
        for name in ["merge-patch", "json-patch"] {
            let c = try capture(name)
            let r = try http.request("PATCH", c[path: ["request", "path"]]!.stringValue!, body: c[path: ["request", "body"]], contentType: c[path: ["request", "headers", "Content-Type"]]!.stringValue!)
            XCTAssertEqual(r.status, 200, name)
            XCTAssertEqual(r.json["data"], c[path: ["response", "body", "data"]], name)
        }
        let deployment = try capture("create-already-exists")[path: ["request", "body"]]!
        _ = try post("/apis/apps/v1/namespaces/wire/deployments", deployment)
        let smp = try capture("strategic-merge-patch")
        var r = try http.request("PATCH", "/apis/apps/v1/namespaces/wire/deployments/web", body: smp[path: ["request", "body"]], contentType: "application/strategic-merge-patch+json")
        XCTAssertEqual(r.status, 200)
        let containers = r.json[path: ["spec", "template", "spec", "containers"]]?.arrayValue ?? []
        XCTAssertEqual(containers.count, 1)
        XCTAssertEqual(containers.first?["image"], "nginx:1.26")
        XCTAssertEqual(containers.first?["env"], [["name": "MODE", "value": "blue"]])
        XCTAssertEqual(r.json[path: ["metadata", "generation"]], 2)
        // The status subresource changes only status and leaves generation alone.
        r = try http.request("PATCH", "/apis/apps/v1/namespaces/wire/deployments/web/status", body: ["status": ["observedGeneration": 99], "spec": ["replicas": 1]], contentType: "application/merge-patch+json")
        XCTAssertEqual(r.json[path: ["status", "observedGeneration"]], 99)
        XCTAssertEqual(r.json[path: ["spec", "replicas"]], 5)
        XCTAssertEqual(r.json[path: ["metadata", "generation"]], 2)
        // The main resource ignores status.
        r = try http.request("PATCH", "/apis/apps/v1/namespaces/wire/deployments/web", body: ["status": ["observedGeneration": 1]], contentType: "application/merge-patch+json")
        XCTAssertEqual(r.json[path: ["status", "observedGeneration"]], 99)
        // Metadata-only changes do not bump generation.
        r = try http.request("PATCH", "/apis/apps/v1/namespaces/wire/deployments/web", body: ["metadata": ["labels": ["x": "y"]]], contentType: "application/merge-patch+json")
        XCTAssertEqual(r.json[path: ["metadata", "generation"]], 2)
        // A failed JSON patch test operation is a 422.
        r = try http.request("PATCH", "/api/v1/namespaces/wire/configmaps/cm-0", body: [["op": "test", "path": "/data/k", "value": "nope"]], contentType: "application/json-patch+json")
        XCTAssertEqual(r.status, 422)
    }

    func testDeploymentTableLikeGetTableCapture() throws {
        try createNamespace("wire")
        _ = try post("/apis/apps/v1/namespaces/wire/deployments", try capture("create-already-exists")[path: ["request", "body"]]!)
        let c = try capture("get-table")
        let accept = c[path: ["request", "headers", "Accept"]]!.stringValue!
        let r = try http.request("GET", "/apis/apps/v1/namespaces/wire/deployments", headers: ["Accept": accept])
        let want = c[path: ["response", "body"]]!
        XCTAssertEqual(r.json["kind"], "Table")
        XCTAssertEqual(r.json["apiVersion"], "meta.k8s.io/v1")
        XCTAssertEqual(r.json["columnDefinitions"], want["columnDefinitions"])
        let row = r.json["rows"]?.arrayValue?.first
        XCTAssertEqual(row?[path: ["object", "kind"]], "PartialObjectMetadata")
        XCTAssertEqual(row?[path: ["object", "metadata", "name"]], "web")
        let cells = row?["cells"]?.arrayValue ?? []
        XCTAssertEqual(cells.count, 8)
        XCTAssertEqual(Array(cells.prefix(4)), ["web", "0/5", 0, 0])
        XCTAssertEqual(Array(cells.suffix(3)), ["web", "nginx:1.25", "app=web"])
    }

    func testDryRunStoresNothing() throws {
        try createNamespace("wire")
        let before = try http.request("GET", "/api/v1/namespaces/wire/configmaps").json.meta("resourceVersion")
        var r = try http.request("POST", "/api/v1/namespaces/wire/configmaps?dryRun=All", body: configMap("dry"))
        XCTAssertEqual(r.status, 201)
        XCTAssertEqual(r.json.meta("name"), "dry")
        r = try http.request(
            "PATCH", "/api/v1/namespaces/wire/configmaps/dry2?fieldManager=plumb&dryRun=All",
            body: .string("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: dry2\ndata:\n  a: b\n"), contentType: "application/apply-patch+yaml")
        XCTAssertEqual(r.status, 201, String(decoding: r.body, as: UTF8.self))
        XCTAssertEqual(r.json["data"], ["a": "b"])
        XCTAssertEqual(try http.request("GET", "/api/v1/namespaces/wire/configmaps/dry").status, 404)
        XCTAssertEqual(try http.request("GET", "/api/v1/namespaces/wire/configmaps/dry2").status, 404)
        XCTAssertEqual(try http.request("GET", "/api/v1/namespaces/wire/configmaps").json.meta("resourceVersion"), before)
        // Apply needs a field manager: a 422 on PatchOptions, exactly as kube-apiserver words it.
        r = try http.request("PATCH", "/api/v1/namespaces/wire/configmaps/x", body: .string("{}"), contentType: "application/apply-patch+yaml")
        XCTAssertEqual(r.status, 422)
        XCTAssertEqual(
            r.json,
            [
                "kind": "Status", "apiVersion": "v1", "metadata": [:], "status": "Failure",
                "message": "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch",
                "reason": "Invalid",
                "details": [
                    "group": "meta.k8s.io", "kind": "PatchOptions",
                    "causes": [["reason": "FieldValueRequired", "message": "Required value: is required for apply patch", "field": "fieldManager"]],
                ],
                "code": 422,
            ])
    }

    /// Server-side apply types the configuration against the kind's schema first: a field the
    /// schema does not declare is refused as kube-apiserver v1.36 refuses it (a 500 with the
    /// merge library's message and no reason), and nothing is stored.
    func testApplyRefusesFieldsTheSchemaDoesNotDeclare() throws {
        try createNamespace("wire")
        func apply(_ path: String, _ yaml: String) throws -> RawHTTP.Response {
            try http.request("PATCH", path + "?fieldManager=plumb", body: .string(yaml), contentType: "application/apply-patch+yaml")
        }
        var r = try apply("/api/v1/namespaces/wire/configmaps/typo", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: typo\n  namespace: wire\ndatta:\n  a: b\n")
        XCTAssertEqual(r.status, 500)
        XCTAssertEqual(
            r.json,
            [
                "kind": "Status", "apiVersion": "v1", "metadata": [:], "status": "Failure",
                "message": "failed to create typed patch object (wire/typo; /v1, Kind=ConfigMap): .datta: field not declared in schema",
                "code": 500,
            ])
        XCTAssertEqual(try http.request("GET", "/api/v1/namespaces/wire/configmaps/typo").status, 404)
        // Inside a list item, named by its key; one error for each map that holds one.
        r = try apply(
            "/apis/apps/v1/namespaces/wire/deployments/web",
            """
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: web, namespace: wire, labelz: {a: b}}
            spec:
              replicas: 2
              selector: {matchLabels: {app: web}}
              template:
                metadata: {labels: {app: web}}
                spec:
                  containers:
                  - name: web
                    image: nginx
                    ports: [{containerPort: 80, protocool: TCP}]
                    imagePullPolicyy: Always
                    stopsHere: true
              replica: 3
              notReported: 1

            """)
        XCTAssertEqual(r.status, 500)
        XCTAssertEqual(
            r.json["message"]?.stringValue,
            """
            failed to create typed patch object (wire/web; apps/v1, Kind=Deployment): errors:
              .metadata.labelz: field not declared in schema
              .spec.template.spec.containers[name="web"].ports[containerPort=80,protocol="TCP"].protocool: field not declared in schema
              .spec.template.spec.containers[name="web"].imagePullPolicyy: field not declared in schema
              .spec.replica: field not declared in schema
            """)
        // A number field holding anything else is refused the way structured-merge-diff types it.
        r = try apply(
            "/apis/apps/v1/namespaces/wire/deployments/web",
            """
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: web, namespace: wire}
            spec:
              replicas: "3"
              revisionHistoryLimit: null
              selector: {matchLabels: {app: web}}
              template:
                metadata: {labels: {app: web}}
                spec:
                  terminationGracePeriodSeconds: true
                  containers: [{name: web, image: nginx, resources: {requests: {cpu: 100m, memory: 1}}}]

            """)
        XCTAssertEqual(r.status, 500)
        XCTAssertEqual(
            r.json["message"]?.stringValue,
            """
            failed to create typed patch object (wire/web; apps/v1, Kind=Deployment): errors:
              .spec.replicas: expected numeric (int or float), got string
              .spec.template.spec.terminationGracePeriodSeconds: expected numeric (int or float), got bool
            """)
        // Fields of any shape where the schema says anything (int-or-string, quantities as numbers) pass.
        r = try apply(
            "/api/v1/namespaces/wire/services/web",
            "apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: wire}\nspec:\n  ports: [{port: 80, targetPort: http}]\n")
        XCTAssertEqual(r.status, 201, String(decoding: r.body, as: UTF8.self))
        r = try apply(
            "/api/v1/namespaces/wire/persistentvolumeclaims/data",
            "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: data, namespace: wire}\nspec:\n  accessModes: [ReadWriteOnce]\n  resources: {requests: {storage: 1}}\n")
        XCTAssertEqual(r.status, 201, String(decoding: r.body, as: UTF8.self))
    }

    func testFinalizersForegroundAndNamespaceCascade() throws {
        try createNamespace("gc")
        let owner = try post("/api/v1/namespaces/gc/configmaps", configMap("owner"))
        let ownerRef: Value = [["apiVersion": "v1", "kind": "ConfigMap", "name": "owner", "uid": owner[path: ["metadata", "uid"]]!]]
        var dependent = configMap("dependent")
        dependent["metadata"]?["ownerReferences"] = ownerRef
        _ = try post("/api/v1/namespaces/gc/configmaps", dependent)
        // Foreground: the owner answers with the finalizer and goes once its dependent has.
        let fg = try capture("delete-foreground")
        var r = try http.request("DELETE", "/api/v1/namespaces/gc/configmaps/owner", body: fg[path: ["request", "body"]])
        XCTAssertEqual(r.status, 200)
        XCTAssertEqual(r.json[path: ["metadata", "finalizers"]], ["foregroundDeletion"])
        XCTAssertNotNil(r.json.meta("deletionTimestamp"))
        XCTAssertEqual(r.json[path: ["metadata", "deletionGracePeriodSeconds"]], 0)
        XCTAssertEqual(try http.request("GET", "/api/v1/namespaces/gc/configmaps/dependent").status, 404)
        XCTAssertEqual(try http.request("GET", "/api/v1/namespaces/gc/configmaps/owner").status, 404)
        // A custom finalizer holds the object until it is removed.
        var held = configMap("held")
        held["metadata"]?["finalizers"] = ["plumb.dev/hold"]
        _ = try post("/api/v1/namespaces/gc/configmaps", held)
        r = try http.request("DELETE", "/api/v1/namespaces/gc/configmaps/held")
        XCTAssertNotNil(r.json.meta("deletionTimestamp"))
        XCTAssertEqual(try http.request("GET", "/api/v1/namespaces/gc/configmaps/held").status, 200)
        // The namespace terminates but stays while the held object does.
        r = try http.request("DELETE", "/api/v1/namespaces/gc")
        XCTAssertEqual(r.json[path: ["status", "phase"]], "Terminating")
        XCTAssertEqual(try http.request("GET", "/api/v1/namespaces/gc").json[path: ["status", "phase"]], "Terminating")
        r = try http.request("POST", "/api/v1/namespaces/gc/configmaps", body: configMap("late"))
        XCTAssertEqual(r.status, 403)
        r = try http.request("PATCH", "/api/v1/namespaces/gc/configmaps/held", body: ["metadata": ["finalizers": nil]], contentType: "application/merge-patch+json")
        XCTAssertEqual(r.status, 200)
        XCTAssertEqual(try http.request("GET", "/api/v1/namespaces/gc/configmaps/held").status, 404)
        XCTAssertEqual(try http.request("GET", "/api/v1/namespaces/gc").status, 404)
    }

    func testOrphanAndBackgroundDeletionAndDeleteCollection() throws {
        try createNamespace("gc")
        func owned(_ name: String, by owner: Value) -> Value {
            var cm = configMap(name, labels: ["set": "x"])
            cm["metadata"]?["ownerReferences"] = [["apiVersion": "v1", "kind": "ConfigMap", "name": owner["metadata"]?["name"] ?? "", "uid": owner[path: ["metadata", "uid"]] ?? ""]]
            return cm
        }
        let orphaning = try post("/api/v1/namespaces/gc/configmaps", configMap("orphaning"))
        _ = try post("/api/v1/namespaces/gc/configmaps", owned("kept", by: orphaning))
        var r = try http.request("DELETE", "/api/v1/namespaces/gc/configmaps/orphaning?propagationPolicy=Orphan")
        XCTAssertEqual(r.status, 200)
        XCTAssertEqual(r.json["status"], "Success")
        r = try http.request("GET", "/api/v1/namespaces/gc/configmaps/kept")
        XCTAssertEqual(r.status, 200)
        XCTAssertNil(r.json[path: ["metadata", "ownerReferences"]])
        // Background (the default): the owner goes at once, then the collector takes the dependent.
        let owner = try post("/api/v1/namespaces/gc/configmaps", configMap("owner"))
        _ = try post("/api/v1/namespaces/gc/configmaps", owned("child", by: owner))
        XCTAssertEqual(try http.request("DELETE", "/api/v1/namespaces/gc/configmaps/owner").status, 200)
        XCTAssertEqual(try http.request("GET", "/api/v1/namespaces/gc/configmaps/child").status, 404)
        r = try http.request("DELETE", "/api/v1/namespaces/gc/configmaps/x?propagationPolicy=Sideways")
        XCTAssertEqual(r.status, 422)
        // deletecollection by label.
        r = try http.request("DELETE", "/api/v1/namespaces/gc/configmaps?labelSelector=set%3Dx")
        XCTAssertEqual(r.json["items"]?.arrayValue?.compactMap { $0.meta("name") }, ["kept"])
        XCTAssertEqual(try http.request("GET", "/api/v1/namespaces/gc/configmaps/kept").status, 404)
    }

    func testGenerateNameAndConcurrentWritersKeepEveryUpdate() throws {
        try createNamespace("load")
        let made = try post("/api/v1/namespaces/load/configmaps", ["metadata": ["generateName": "gen-"]])
        XCTAssertTrue(made.meta("name")?.hasPrefix("gen-") ?? false)
        XCTAssertEqual(made.meta("name")?.count, 9)
        _ = try post("/api/v1/namespaces/load/configmaps", configMap("counter", data: ["n": "0"]))
        let client = http
        let writers = 8, perWriter = 15
        let versions = Locked<[[Int64]]>(Array(repeating: [], count: writers))
        // Each writer does read-modify-write with the resourceVersion, retrying on 409.
        DispatchQueue.concurrentPerform(iterations: writers) { w in
            for i in 0..<perWriter {
                _ = try? client.request("POST", "/api/v1/namespaces/load/configmaps", body: ["metadata": ["name": .string("w\(w)-\(i)")]])
                for _ in 0..<200 {
                    guard let current = try? client.request("GET", "/api/v1/namespaces/load/configmaps/counter").json else { continue }
                    let n = Int(current[path: ["data", "n"]]?.stringValue ?? "0") ?? 0
                    var next = current
                    next["data"]?["n"] = .string(String(n + 1))
                    guard let r = try? client.request("PUT", "/api/v1/namespaces/load/configmaps/counter", body: next) else { continue }
                    if r.status == 200 {
                        versions.mutate { $0[w].append(Int64(r.json.meta("resourceVersion") ?? "") ?? 0) }
                        break
                    }
                }
            }
        }
        let final = try http.request("GET", "/api/v1/namespaces/load/configmaps/counter").json
        XCTAssertEqual(final[path: ["data", "n"]], .string(String(writers * perWriter)))
        for own in versions.value {
            XCTAssertEqual(own, own.sorted(), "each writer sees its resourceVersions rise")
            XCTAssertEqual(Set(own).count, own.count)
        }
        let rvs = versions.value.flatMap { $0 }
        XCTAssertEqual(rvs.count, writers * perWriter)
        XCTAssertEqual(Set(rvs).count, rvs.count, "resourceVersions are unique")
        let list = try http.request("GET", "/api/v1/namespaces/load/configmaps").json
        XCTAssertEqual(list["items"]?.arrayValue?.count, writers * perWriter + 2)
        let listRV = Int64(list.meta("resourceVersion") ?? "") ?? 0
        XCTAssertGreaterThanOrEqual(listRV, rvs.max() ?? 0)
    }
}

/// A value shared between threads in a test.
final class Locked<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: T
    init(_ v: T) { stored = v }
    var value: T { lock.withLock { stored } }
    func mutate(_ f: (inout T) -> Void) { lock.withLock { f(&stored) } }
}
