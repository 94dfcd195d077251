import Foundation
import PlumbController
import PlumbCore
import XCTest

/// The Application CRD's schema says what the issue asks of it: bad specs are refused by the
/// schema where a schema can say it, the status the controller writes is valid, and the
/// schema's defaults are the controller's. The local cluster does not validate custom resources
/// against their schema, so these tests check the schema with `SchemaCheck`, the subset of
/// OpenAPI v3 validation kube-apiserver applies to the keywords the CRD uses.
final class InstallCRDSchemaTests: XCTestCase {
    var schema: Value {
        InstallManifests.applicationCRD[path: ["spec", "versions"]]?.arrayValue?.first?[path: [
            "schema", "openAPIV3Schema",
        ]] ?? .null
    }

    private func app(_ spec: Value) -> Value {
        ["apiVersion": "plumb.dev/v1alpha1", "kind": "Application", "metadata": ["name": "web"], "spec": spec]
    }

    static let goodSpec: Value = [
        "source": [
            "repoURL": "https://git.example.com/deploy.git", "revision": "main", "path": "apps/web",
            "include": ["*.yaml"], "exclude": ["test/*"], "secretRef": ["name": "git"],
        ],
        "destination": ["namespace": "web"],
        "interval": "1m30s",
        "syncPolicy": [
            "automated": true, "prune": true, "selfHeal": false, "retry": ["limit": 3, "backoff": "500ms"],
        ],
        "suspend": false, "wait": true, "timeout": "10m",
        "ignoreDifferences": [["group": "apps", "kind": "Deployment", "jsonPointers": ["/spec/replicas"]]],
    ]

    func testAGoodSpecIsAccepted() {
        XCTAssertEqual(SchemaCheck.errors(app(Self.goodSpec), schema), [])
    }

    func testBadSpecsAreRefusedNamingTheField() {
        func with(_ path: [String], _ value: Value?) -> Value {
            var spec = Self.goodSpec
            SchemaCheck.set(&spec, path, value)
            return spec
        }
        let cases: [(Value, String)] = [
            (with(["source", "repoURL"], nil), "spec.source.repoURL: Required value"),
            (with(["source", "repoURL"], ""), "spec.source.repoURL: Invalid value"),
            (with(["source", "secretRef"], [:]), "spec.source.secretRef.name: Required value"),
            (with(["interval"], "3 minutes"), "spec.interval: Invalid value"),
            (with(["interval"], 180), "spec.interval: Invalid value"),
            (with(["timeout"], "5x"), "spec.timeout: Invalid value"),
            (with(["syncPolicy", "automated"], "yes"), "spec.syncPolicy.automated: Invalid value"),
            (with(["syncPolicy", "retry", "limit"], -1), "spec.syncPolicy.retry.limit: Invalid value"),
            (with(["syncPolicy", "retry", "backoff"], "soon"), "spec.syncPolicy.retry.backoff: Invalid value"),
            (with(["source", "include"], "*.yaml"), "spec.source.include: Invalid value"),
            (
                with(["ignoreDifferences"], [["kind": "Deployment"]]),
                "spec.ignoreDifferences[0].jsonPointers: Required value"
            ),
            (
                with(["ignoreDifferences"], [["jsonPointers": ["spec/replicas"]]]),
                "spec.ignoreDifferences[0].jsonPointers[0]: Invalid value"
            ),
            (with(["source"], nil), "spec.source: Required value"),
        ]
        for (spec, expected) in cases {
            let errors = SchemaCheck.errors(app(spec), schema)
            XCTAssertTrue(errors.contains { $0.hasPrefix(expected) }, "\(expected) not in \(errors)")
        }
        XCTAssertTrue(
            SchemaCheck.errors(["apiVersion": "plumb.dev/v1alpha1", "kind": "Application"], schema).contains(
                "spec: Required value"))
    }

    func testTheStatusTheControllerWritesIsValid() {
        var status = ApplicationStatus()
        status.syncStatus = .outOfSync
        status.syncRevision = String(repeating: "a", count: 40)
        status.health = .degraded
        status.healthMessage = "apps/v1 Deployment web/web: 0 of 1 replicas available"
        status.lastAuditID = 42
        status.lastHandledReconcileAt = "2026-12-07T00:41:02.317Z"
        status.set(
            Condition(
                type: Condition.ready, status: .false, observedGeneration: 2, reason: ConditionReason.dryRunFailed,
                message: "x"))
        status.set(
            Condition(
                type: Condition.reconciling, status: .true, observedGeneration: 2, reason: "ProgressingWithRetry",
                message: "y"))
        status.resources = [
            .init(
                group: "apps", kind: "Deployment", namespace: "web", name: "web", status: .outOfSync, health: .degraded)
        ]
        var object = app(Self.goodSpec)
        object["status"] = status.value
        XCTAssertEqual(SchemaCheck.errors(object, schema), [])
        for reason in [
            ConditionReason.succeeded, ConditionReason.gitFetchFailed, ConditionReason.renderFailed,
            ConditionReason.dryRunFailed,
            ConditionReason.syncFailed, ConditionReason.healthCheckFailed, ConditionReason.invalidSpec,
        ] {
            let pattern = schema[path: [
                "properties", "status", "properties", "conditions", "items", "properties", "reason", "pattern",
            ]]
            XCTAssertEqual(
                SchemaCheck.errors(.string(reason), ["type": "string", "pattern": pattern ?? .null]), [], reason)
        }
        var bad = object
        SchemaCheck.set(&bad, ["status", "health", "status"], "Fine")
        XCTAssertEqual(
            SchemaCheck.errors(bad, schema).first?.hasPrefix("status.health.status: Unsupported value"), true)
    }

    func testSchemaDefaultsAreTheControllersDefaults() {
        let spec = schema[path: ["properties", "spec", "properties"]]
        XCTAssertEqual(
            spec?[path: ["interval", "default"]]?.stringValue, GoDuration.format(ApplicationSpec.defaultInterval))
        XCTAssertEqual(
            spec?[path: ["timeout", "default"]]?.stringValue, GoDuration.format(ApplicationSpec.defaultTimeout))
        let retry = spec?[path: ["syncPolicy", "properties", "retry", "properties"]]
        XCTAssertEqual(retry?[path: ["limit", "default"]]?.intValue, Int64(ApplicationSpec.defaultRetry.limit))
        XCTAssertEqual(
            retry?[path: ["backoff", "default"]]?.stringValue, GoDuration.format(ApplicationSpec.defaultRetry.backoff))
        // Each default passes its own field's schema (kube-apiserver refuses a CRD otherwise).
        for field in ["interval", "timeout"] {
            XCTAssertEqual(
                SchemaCheck.errors(spec?[path: [field, "default"]] ?? .null, spec?[field] ?? .null), [], field)
        }
    }

    /// kube-apiserver accepts only structural schemas: every node says its type.
    func testTheSchemaIsStructural() {
        func walk(_ node: Value, _ path: String) {
            if node["x-kubernetes-preserve-unknown-fields"]?.boolValue != true {
                XCTAssertNotNil(node["type"]?.stringValue, "\(path) has no type")
            }
            for entry in node["properties"]?.objectValue?.entries ?? [] { walk(entry.value, path + "." + entry.key) }
            if let items = node["items"] { walk(items, path + "[]") }
        }
        walk(schema, "")
    }
}

/// The OpenAPI v3 keywords the CRD uses, checked as kube-apiserver's validator does, with its
/// error words (`Required value`, `Invalid value`, `Unsupported value`).
enum SchemaCheck {
    static func errors(_ value: Value, _ schema: Value, _ path: String = "") -> [String] {
        var out: [String] = []
        let at = path.isEmpty ? "" : path
        func fail(_ text: String) { out.append("\(at): \(text)") }
        switch (schema["type"]?.stringValue, value) {
        case ("object", .object(let o)):
            for key in schema["required"]?.arrayValue?.compactMap(\.stringValue) ?? [] where o[key] == nil {
                out.append("\(path.isEmpty ? key : path + "." + key): Required value")
            }
            for entry in o.entries {
                if let sub = schema[path: ["properties", entry.key]] {
                    out += errors(entry.value, sub, path.isEmpty ? entry.key : path + "." + entry.key)
                }
            }
        case ("array", .array(let items)):
            if let min = schema["minItems"]?.intValue, items.count < min {
                fail("Invalid value: must have at least \(min) items")
            }
            for (i, item) in items.enumerated() { out += errors(item, schema["items"] ?? .null, "\(path)[\(i)]") }
        case ("string", .string(let s)):
            if let min = schema["minLength"]?.intValue, s.count < min {
                fail("Invalid value: \"\(s)\": should be at least \(min) chars long")
            }
            if let max = schema["maxLength"]?.intValue, s.count > max {
                fail("Too long: may not be more than \(max) bytes")
            }
            if let pattern = schema["pattern"]?.stringValue, s.range(of: pattern, options: .regularExpression) == nil {
                fail("Invalid value: \"\(s)\": should match '\(pattern)'")
            }
        case ("integer", .int(let i)):
            if let min = schema["minimum"]?.intValue, i < min {
                fail("Invalid value: \(i): should be greater than or equal to \(min)")
            }
        case ("boolean", .bool):
            break
        case (let type?, _):
            fail("Invalid value: must be of type \(type)")
            return out
        case (nil, _):
            return out
        }
        if let allowed = schema["enum"]?.arrayValue, !allowed.contains(value) {
            fail("Unsupported value: \(value.stringValue.map { "\"\($0)\"" } ?? "value")")
        }
        return out
    }

    /// Sets (or with nil removes) the value at `path`, creating objects on the way.
    static func set(_ value: inout Value, _ path: [String], _ new: Value?) {
        guard let first = path.first else { return }
        if path.count == 1 {
            guard case .object(var o) = value else { return }
            if let new { o[first] = new } else { _ = o.removeValue(forKey: first) }
            value = .object(o)
            return
        }
        var child = value[first] ?? .object(ValueObject())
        set(&child, Array(path.dropFirst()), new)
        value[first] = child
    }
}
