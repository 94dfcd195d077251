import XCTest

@testable import PlumbCore

/// `ApplyDiff.diff` skips the full apply for objects that already hold what Git says; its
/// answer must be the full prediction's, whichever way it goes.
final class ApplyDiffShortcutTests: XCTestCase {
    func testShortcutAgreesWithTheFullPredictionOnEveryCase() throws {
        var shortcuts: [String] = []
        for c in ApplyDiffTests.cases {
            var config = try KubeWire.applyConfig(c.config)
            c.edit(&config)
            let desired = try Resource(config)
            let live = try c.live.map { try KubeWire.response($0) }
            let full = try ApplyDiff.predict(desired: desired, live: live, ignoring: c.ignore).diff
            XCTAssertEqual(try ApplyDiff.diff(desired: desired, live: live, ignoring: c.ignore), full, c.name)
            if let live, ApplyDiff.appliesNothing(desired: desired, live: live, manager: "plumb") {
                XCTAssertEqual(full.changes, [], "\(c.name): the shortcut only answers for objects without changes")
                shortcuts.append(c.name)
            }
        }
        XCTAssertTrue(shortcuts.contains("same config as created"), "\(shortcuts)")
        XCTAssertTrue(shortcuts.contains("server defaults are no drift"), "\(shortcuts)")
    }

    /// Objects applied by the prediction itself, then edited in Git or on the server.
    func testShortcutOnAppliedObjects() throws {
        let base: Value = [
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": ["name": "cm", "namespace": "ns", "labels": ["app": "a"]],
            "data": ["a": "1", "b": "2"],
        ]
        let created = try ApplyDiff.predict(desired: Resource(base), live: nil)
        var live = created.predicted
        live["metadata"]?["managedFields"] = ManagedFieldsEntry.encode(created.managedFields)
        live["metadata"]?["resourceVersion"] = "7"

        var serverEdited = live
        serverEdited["data"]?["c"] = "someone else's"
        var gitDropped = base
        gitDropped["data"]?["b"] = nil
        var gitChanged = base
        gitChanged["data"]?["a"] = "2"
        var otherManager = live
        otherManager["metadata"]?["managedFields"] = .array(
            (live[path: ["metadata", "managedFields"]]?.arrayValue ?? []).map { e in
                var e = e
                e["manager"] = "kubectl"
                return e
            })
        let cases: [(String, Value, Value, Bool)] = [
            ("applied as it is", base, live, true),
            ("a field another manager added", base, serverEdited, true),
            ("a field deleted from Git is pruned", gitDropped, live, false),
            ("a changed value", gitChanged, live, false),
            ("fields owned by another manager only", base, otherManager, false),
        ]
        for (name, desired, live, shortcut) in cases {
            let resource = try Resource(desired)
            XCTAssertEqual(ApplyDiff.appliesNothing(desired: resource, live: live, manager: "plumb"), shortcut, name)
            XCTAssertEqual(
                try ApplyDiff.diff(desired: resource, live: live), try ApplyDiff.predict(desired: resource, live: live).diff, name)
        }
        XCTAssertEqual(
            try ApplyDiff.diff(desired: Resource(gitDropped), live: live).changes.map(\.description),
            [#"data.b "2" → (none)"#])
    }

    /// Quantities spelled another way hold the same amount; another amount is a change.
    func testShortcutComparesQuantitiesByAmount() throws {
        func quota(_ cpu: String) -> Value {
            ["apiVersion": "v1", "kind": "ResourceQuota", "metadata": ["name": "q", "namespace": "ns"],
             "spec": ["hard": ["cpu": .string(cpu), "pods": "10"]]]
        }
        let created = try ApplyDiff.predict(desired: Resource(quota("1")), live: nil)
        var live = created.predicted
        live["metadata"]?["managedFields"] = ManagedFieldsEntry.encode(created.managedFields)
        for (cpu, unchanged) in [("1000m", true), ("1", true), ("1500m", false)] {
            let desired = try Resource(quota(cpu))
            XCTAssertEqual(ApplyDiff.appliesNothing(desired: desired, live: live, manager: "plumb"), unchanged, cpu)
            let full = try ApplyDiff.predict(desired: desired, live: live).diff
            XCTAssertEqual(try ApplyDiff.diff(desired: desired, live: live), full, cpu)
            XCTAssertEqual(full.changes.isEmpty, unchanged, cpu)
        }
    }

    /// The one-pass check of a manager's FieldsV1 says what encoding the configuration's
    /// field set would: yes for that encoding, no for every one-entry edit of it.
    func testOwnedFieldsCheckAgreesWithTheEncodedFieldSet() throws {
        var configs = try ApplyDiffTests.cases.map { c in
            var config = try KubeWire.applyConfig(c.config)
            c.edit(&config)
            return config
        }
        configs += [
            ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "only-a-name"]],
            // Stripped fields that hold more than a leaf keep what is below them.
            ["apiVersion": "v1", "kind": "ConfigMap",
             "metadata": ["name": "odd", "generation": ["x": 1], "managedFields": [["manager": "m"]]], "data": ["a": "b"]],
            ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "cm", "namespace": "ns", "labels": [:]],
             "data": [:], "binaryData": .null],
            ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "cm", "annotations": ["a": "1"]],
             "data": .object(ValueObject(uniqueEntries: (0..<40).map { .init(key: "key-\($0)", value: "v") }))],
            ["apiVersion": "apps/v1", "kind": "Deployment", "metadata": ["name": "d", "labels": ["app": "d"]],
             "spec": ["replicas": 2, "selector": ["matchLabels": ["app": "d"]],
                      "template": ["metadata": [:], "spec": ["containers": [
                        ["name": "a", "image": "x", "ports": [["containerPort": 80, "protocol": "TCP"]], "args": ["-v"],
                         "resources": ["limits": ["cpu": "1"]], "env": []],
                        ["name": "b", "image": "y"],
                      ], "tolerations": [["key": "k", "operator": "Exists"]]]]]],
        ]
        for config in configs {
            let schema = MergeSchema.forObject(config)
            var path: [PathElement] = []
            let expected = try StructuredMerge.toFieldSet(config, node: schema.root, path: &path)
                .subtracting(ServerSideApply.strippedFields).fieldsV1
            let name = config[path: ["metadata", "name"]]?.stringValue ?? "?"
            XCTAssertTrue(OwnedFields.matches(config, schema: schema, owned: expected.objectValue ?? ValueObject()), name)
            for edited in Self.oneEntryEdits(of: expected) where edited != expected {
                XCTAssertFalse(
                    OwnedFields.matches(config, schema: schema, owned: edited.objectValue ?? ValueObject()), "\(name): \(edited.compactJSON)")
            }
        }
    }

    /// Every FieldsV1 document one entry away from `fields`: an entry removed, an unknown one
    /// added, or a `.` marker added or removed, at every level.
    static func oneEntryEdits(of fields: Value) -> [Value] {
        guard case .object(let level) = fields else { return [] }
        var out: [Value] = []
        var added = level
        added["f:unknown"] = .object(ValueObject())
        out.append(.object(added))
        var marked = level
        marked["."] = marked["."] == nil ? .object(ValueObject()) : nil
        out.append(.object(marked))
        for entry in level.entries {
            var removed = level
            removed[entry.key] = nil
            out.append(.object(removed))
            for below in oneEntryEdits(of: entry.value) {
                var edited = level
                edited[entry.key] = below
                out.append(.object(edited))
            }
        }
        return out
    }
}
