import Foundation
import PlumbCore
import XCTest

@testable import PlumbLocalCluster

/// Creates through server-side apply, compared with kube-apiserver's answers field by field.
final class DefaultsTests: ClusterTestCase {
    override var clusterOptions: LocalCluster.Options { .init(port: 0, tls: false, simulateWorkloads: false) }

    /// Removes what differs between any two servers: identity, versions, times, allocated IPs.
    func scrub(_ object: Value) -> Value {
        var o = object
        for key in ["uid", "resourceVersion", "creationTimestamp"] { setMeta(&o, key, nil) }
        if let entries = o[path: ["metadata", "managedFields"]]?.arrayValue {
            setMeta(&o, "managedFields", .array(entries.map { e in var e = e; e["time"] = nil; return e }))
        }
        if o[path: ["spec", "clusterIP"]] != nil {
            o["spec"]?["clusterIP"] = "<ip>"
            o["spec"]?["clusterIPs"] = ["<ip>"]
        }
        return o
    }

    func replay(_ name: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let c = try capture(name)
        let request = c["request"]!
        let r = try http.request(
            request["method"]!.stringValue!, request["path"]!.stringValue!, body: request["body"],
            contentType: request[path: ["headers", "Content-Type"]]?.stringValue ?? "application/json")
        XCTAssertEqual(r.status, Int(c[path: ["response", "status"]]!.intValue!), String(decoding: r.body, as: UTF8.self), file: file, line: line)
        let want = scrub(c[path: ["response", "body"]]!)
        let got = scrub(r.json)
        for key in Set(want.objectValue!.keys + got.objectValue!.keys) {
            XCTAssertEqual(got[key], want[key], "\(name): .\(key)\n got: \(got[key].map { (try? JSONWriter().string($0)) ?? "" } ?? "nil")\nwant: \(want[key].map { (try? JSONWriter().string($0)) ?? "" } ?? "nil")", file: file, line: line)
        }
    }

    func testDeploymentServiceSecretDefaultsMatchTheRealServer() throws {
        try createNamespace("wire")
        try replay("ssa-create-deployment")
        try replay("ssa-service-defaults")
        try replay("ssa-secret-stringdata")
    }

    /// The capture's spec, generation and applier managedFields (the controller's status entry aside).
    func applied(_ v: Value) -> Value {
        let o = scrub(v)
        // Entries sort by time first; the capture's writes were seconds apart, ours are not.
        let managers = (o[path: ["metadata", "managedFields"]]?.arrayValue ?? [])
            .filter { $0["manager"] != "kube-controller-manager" }
            .sorted { ($0["manager"]?.stringValue ?? "") < ($1["manager"]?.stringValue ?? "") }
        return ["generation": o[path: ["metadata", "generation"]] ?? .null, "spec": o["spec"] ?? .null, "managedFields": .array(managers)]
    }

    func testServerSideApplySequenceMatchesTheRealServer() throws {
        try createNamespace("wire")
        try replay("ssa-create-deployment")
        let created = try http.request("GET", "/apis/apps/v1/namespaces/wire/deployments/web").json
        for name in ["ssa-reapply-unchanged", "ssa-dry-run", "ssa-conflict", "ssa-force", "ssa-remove-field"] {
            let c = try capture(name)
            let r = try http.request(
                "PATCH", c[path: ["request", "path"]]!.stringValue!, body: c[path: ["request", "body"]],
                contentType: "application/apply-patch+yaml")
            XCTAssertEqual(r.status, Int(c[path: ["response", "status"]]!.intValue!), name)
            if r.status == 409 {
                XCTAssertEqual(r.json, c[path: ["response", "body"]], name)
                continue
            }
            let want = applied(c[path: ["response", "body"]]!)
            let got = applied(r.json)
            for key in ["generation", "spec", "managedFields"] {
                XCTAssertEqual(got[key], want[key], "\(name): \(key)\n got: \((try? JSONWriter().string(got[key]!)) ?? "")\nwant: \((try? JSONWriter().string(want[key]!)) ?? "")")
            }
            if name == "ssa-reapply-unchanged" {
                XCTAssertEqual(r.json.meta("resourceVersion"), created.meta("resourceVersion"), "a no-op apply writes nothing")
            }
            if name == "ssa-dry-run" {
                let stored = try http.request("GET", "/apis/apps/v1/namespaces/wire/deployments/web").json
                XCTAssertEqual(stored[path: ["spec", "replicas"]], 2)
                XCTAssertEqual(stored.meta("resourceVersion"), created.meta("resourceVersion"))
            }
        }
    }

    func testCustomResourceApplyMatchesTheRealServer() throws {
        try createNamespace("wire")
        let crd = try capture("crd-create")
        var r = try http.request("POST", crd[path: ["request", "path"]]!.stringValue!, body: crd[path: ["request", "body"]])
        XCTAssertEqual(r.status, 201)
        // Created without conditions or accepted names; established a few milliseconds later.
        XCTAssertNil(r.json[path: ["status", "conditions"]]?.arrayValue)
        for key in ["acceptedNames", "storedVersions"] {
            XCTAssertEqual(r.json[path: ["status", key]], crd[path: ["response", "body", "status", key]], key)
        }
        let path = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/gadgets.wire.plumb.test"
        for _ in 0..<200 where try http.request("GET", path).json[path: ["status", "conditions"]]?.arrayValue == nil {
            usleep(5_000)
        }
        try replay("cr-ssa")
        r = try http.request("GET", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/gadgets.wire.plumb.test")
        let established = try capture("crd-established")[path: ["response", "body"]]!
        XCTAssertEqual(scrub(r.json)["spec"], scrub(established)["spec"])
        let conditions = { (v: Value) in v[path: ["status", "conditions"]]?.arrayValue?.map { c in var c = c; c["lastTransitionTime"] = nil; return c } }
        XCTAssertEqual(conditions(r.json), conditions(established))
        XCTAssertEqual(r.json[path: ["status", "acceptedNames"]], established[path: ["status", "acceptedNames"]])
    }

    func testPodTemplateDefaultsAndPullPolicy() {
        XCTAssertEqual(Defaults.pullPolicy(for: "nginx"), "Always")
        XCTAssertEqual(Defaults.pullPolicy(for: "nginx:latest"), "Always")
        XCTAssertEqual(Defaults.pullPolicy(for: "registry:5000/nginx"), "Always")
        XCTAssertEqual(Defaults.pullPolicy(for: "registry:5000/nginx:1.2"), "IfNotPresent")
        XCTAssertEqual(Defaults.pullPolicy(for: "nginx@sha256:abc"), "IfNotPresent")
        var job: Value = ["spec": ["template": ["spec": ["restartPolicy": "Never", "containers": [["name": "x", "image": "busybox"]]]]]]
        Defaults.apply(&job, type: ResourceType.builtins.first { $0.resource == "jobs" }!)
        XCTAssertEqual(job[path: ["spec", "backoffLimit"]], 6)
        XCTAssertEqual(job[path: ["spec", "template", "spec", "restartPolicy"]], "Never")
        XCTAssertEqual(job[path: ["spec", "template", "spec", "containers"]]?.arrayValue?.first?["imagePullPolicy"], "Always")
    }
}
