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
}
