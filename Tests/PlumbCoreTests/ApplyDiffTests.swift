import PlumbCore
import XCTest

/// Predicted server-side apply diffs over the kube-wire captures: live is what the API server
/// answered, desired is an apply configuration, edited per case.
final class ApplyDiffTests: XCTestCase {
    struct Case: Sendable {
        var name: String
        var live: String?
        var config: String
        var edit: @Sendable (inout Value) -> Void = { _ in }
        var ignore: [IgnoreRule] = []
        var expected: [String]
    }

    static let container = ["spec", "template", "spec", "containers"]

    /// Edits the first container of a Deployment config.
    static func container(_ edit: @escaping @Sendable (inout Value) -> Void) -> @Sendable (inout Value) -> Void {
        { config in
            var items = config[path: container]!.arrayValue!
            edit(&items[0])
            config["spec"]?["template"]?["spec"]?["containers"] = .array(items)
        }
    }

    static let cases: [Case] = [
        Case(name: "same config as created", live: "ssa-create-deployment", config: "ssa-create-deployment", expected: []),
        Case(
            name: "image bump", live: "ssa-create-deployment", config: "ssa-create-deployment",
            edit: container { $0["image"] = "nginx:1.26" },
            expected: ["spec.template.spec.containers[web].image nginx:1.25 → nginx:1.26"]),
        Case(
            name: "env var plumb owned is removed; replicas owned by hpa-like stays", live: "ssa-force",
            config: "ssa-remove-field",
            expected: [#"spec.template.spec.containers[web].env[LEVEL] {"name":"LEVEL","value":"3"} → (none)"#]),
        Case(
            name: "field of another manager absent from Git is no drift", live: "ssa-force",
            config: "ssa-create-deployment", edit: { $0["spec"]?["replicas"] = nil }, expected: []),
        Case(
            name: "forced apply takes a field back", live: "ssa-force", config: "ssa-create-deployment",
            expected: ["spec.replicas 5 → 2"]),
        Case(
            name: "quantities compare by value", live: "ssa-create-deployment", config: "ssa-create-deployment",
            edit: container { $0["resources"] = ["requests": ["cpu": 1, "memory": "1073741824"], "limits": ["cpu": "2000m", "memory": "2Gi"]] },
            expected: []),
        Case(
            name: "a quantity that differs", live: "ssa-create-deployment", config: "ssa-create-deployment",
            edit: container { $0["resources"]?["limits"]?["cpu"] = "1500m" },
            expected: [#"spec.template.spec.containers[web].resources.limits.cpu "2" → 1500m"#]),
        Case(
            name: "empty maps and lists are absent", live: "ssa-create-deployment", config: "ssa-create-deployment",
            edit: {
                $0["spec"]?["template"]?["metadata"]?["annotations"] = [:]
                $0["spec"]?["template"]?["spec"]?["volumes"] = []
                $0["spec"]?["template"]?["spec"]?["securityContext"] = [:]
            },
            expected: []),
        Case(
            name: "status in Git is not drift", live: "ssa-create-deployment", config: "ssa-create-deployment",
            edit: { $0["status"] = ["replicas": 9] }, expected: []),
        Case(
            name: "int-or-string stays apart", live: "ssa-service-defaults", config: "ssa-service-defaults",
            edit: { $0["spec"]?["ports"] = [["port": 80, "targetPort": "80"]] },
            expected: [#"spec.ports[80,TCP].targetPort 80 → "80""#]),
        Case(name: "server defaults are no drift", live: "ssa-service-defaults", config: "ssa-service-defaults", expected: []),
        Case(
            name: "label with a dotted key", live: "ssa-create-deployment", config: "ssa-create-deployment",
            edit: { $0["metadata"]?["labels"]?["plumb.dev/app"] = "shop" },
            expected: [#"metadata.labels["plumb.dev/app"] demo → shop"#]),
        Case(
            name: "ignored field", live: "ssa-create-deployment", config: "ssa-create-deployment",
            edit: { $0["spec"]?["replicas"] = 3; $0["metadata"]?["annotations"] = ["foo/bar": "x"] },
            ignore: [
                IgnoreRule(group: "apps", kind: "Deployment", jsonPointers: ["/spec/replicas"]),
                IgnoreRule(name: "web", jsonPointers: ["/metadata/annotations/foo~1bar"]),
            ],
            expected: []),
        Case(
            name: "rule for another kind does not apply", live: "ssa-create-deployment", config: "ssa-create-deployment",
            edit: { $0["spec"]?["replicas"] = 3 },
            ignore: [IgnoreRule(kind: "StatefulSet", jsonPointers: ["/spec/replicas"])],
            expected: ["spec.replicas 2 → 3"]),
        Case(name: "secret stringData as stored", live: "ssa-secret-stringdata", config: "ssa-secret-stringdata", expected: []),
        Case(
            name: "secret value of the same length", live: "ssa-secret-stringdata", config: "ssa-secret-stringdata",
            edit: { $0["stringData"]?["password"] = "hunter3" },
            expected: ["data.password (changed, 7 → 7 bytes masked)"]),
        Case(
            name: "secret data added", live: "ssa-secret-stringdata", config: "ssa-secret-stringdata",
            edit: { $0["data"] = ["token": "c2VjcmV0LXRva2VuLTEy"] },
            expected: ["data.token (added, 15 bytes masked)"]),
    ]

    func testCases() throws {
        for c in Self.cases {
            let diff = try predict(c)
            XCTAssertEqual(diff.changes.map(\.description), c.expected, c.name)
            XCTAssertEqual(diff.diff.action, c.expected.isEmpty ? .unchanged : .configured, c.name)
        }
    }

    private func predict(_ c: Case) throws -> ApplyDiff {
        var config = try KubeWire.applyConfig(c.config)
        c.edit(&config)
        let live = try c.live.map { try KubeWire.response($0) }
        return try ApplyDiff.predict(desired: Resource(config), live: live, ignoring: c.ignore)
    }

    func testNoSecretValueInAnyOutput() throws {
        let c = Case(
            name: "", live: "ssa-secret-stringdata", config: "ssa-secret-stringdata",
            edit: { $0["stringData"]?["password"] = "correct-horse" }, expected: [])
        let diff = try predict(c)
        let text = diff.changes.map(\.description).joined()
            + (try JSONWriter().string(diff.diff.before ?? .null)) + (try JSONWriter().string(diff.diff.after ?? .null))
        for secret in ["hunter2", "aHVudGVyMg==", "correct-horse", SecretData.base64Encode(Array("correct-horse".utf8))] {
            XCTAssertFalse(text.contains(secret), secret)
        }
        XCTAssertEqual(diff.changes.map(\.valueText), ["(changed, 7 → 13 bytes masked)"])
        XCTAssertEqual(diff.diff.after?[path: ["data", "password"]], "(13 bytes masked, changed)")
        // What is applied still carries the value.
        XCTAssertEqual(diff.predicted[path: ["data", "password"]], .string(SecretData.base64Encode(Array("correct-horse".utf8))))
    }

    func testCreateListsEveryLeafAndPredictsTheObject() throws {
        let config = try KubeWire.applyConfig("ssa-create-deployment")
        let diff = try ApplyDiff.predict(desired: Resource(config), live: nil)
        XCTAssertEqual(diff.diff.action, .created)
        XCTAssertNil(diff.diff.before)
        XCTAssertTrue(diff.changes.contains(FieldChange(path: "spec.replicas", old: nil, new: 2)))
        XCTAssertEqual(diff.managedFields.map(\.manager), ["plumb"])
        XCTAssertEqual(diff.predicted[path: ["spec", "replicas"]], 2)
    }

    func testBadListKeysAreInvalid() throws {
        var config = try KubeWire.applyConfig("ssa-create-deployment")
        config["spec"]?["template"]?["spec"]?["containers"] = [["image": "x"]]
        XCTAssertThrowsError(try ApplyDiff.predict(desired: Resource(config), live: nil)) { error in
            guard case .invalid(let message)? = error as? ApplyError else { return XCTFail("\(error)") }
            XCTAssertTrue(message.contains("name"), message)
        }
    }

    func testJSONPointers() {
        let v: Value = ["a": ["b/c": 1, "d~e": 2, "f": [1, 2, 3]]]
        XCTAssertEqual(JSONPointer("/a/b~1c")!.removing(from: v), ["a": ["d~e": 2, "f": [1, 2, 3]]])
        XCTAssertEqual(JSONPointer("/a/d~0e")!.removing(from: v), ["a": ["b/c": 1, "f": [1, 2, 3]]])
        XCTAssertEqual(JSONPointer("/a/f/1")!.removing(from: v), ["a": ["b/c": 1, "d~e": 2, "f": [1, 3]]])
        XCTAssertEqual(JSONPointer("/a/missing/x")!.removing(from: v), v)
        XCTAssertNil(JSONPointer("a/b"))
        XCTAssertEqual(JSONPointer("/~01")?.tokens, ["~1"])
    }

    func testBase64() {
        XCTAssertEqual(SecretData.base64Encode(Array("hunter2".utf8)), "aHVudGVyMg==")
        XCTAssertEqual(SecretData.base64Encode(Array("abc".utf8)), "YWJj")
        XCTAssertEqual(SecretData.decodedLength("aHVudGVyMg=="), 7)
        XCTAssertEqual(SecretData.decodedLength("YWJj"), 3)
        XCTAssertEqual(SecretData.decodedLength("not base64!"), 11)
    }
}
