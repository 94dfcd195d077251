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
