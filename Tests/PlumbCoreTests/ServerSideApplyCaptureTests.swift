import PlumbCore
import XCTest

/// Replays the kube-wire server-side apply captures and holds the results against what the
/// real kube-apiserver answered. Defaulting is not part of merge, so merged objects are
/// checked as subsets of the responses (after canonical quantities).
final class ServerSideApplyCaptureTests: XCTestCase {
    static let t46 = "2026-11-21T19:36:46Z"
    static let t47 = "2026-11-21T19:36:47Z"

    private func apply(
        _ capture: String, live: Value?, manager: String, force: Bool = false, time: String = t47
    ) throws -> (merged: Value, managedFields: [ManagedFieldsEntry]) {
        let config = try KubeWire.applyConfig(capture)
        return try ServerSideApply.apply(
            live: live, config: config, manager: manager, force: force,
            managedFields: live.map { try KubeWire.managedFields($0) } ?? [],
            schema: MergeSchema.forObject(config), time: time)
    }

    private func entry(_ entries: [ManagedFieldsEntry], _ manager: String) throws -> ManagedFieldsEntry {
        try XCTUnwrap(entries.first { $0.manager == manager }, "no entry for \(manager)")
    }

    /// Every member of `a` is in `b` with the same value; lists match item by item.
    private func assertSubset(_ a: Value, of b: Value?, at path: String = "", file: StaticString = #filePath, line: UInt = #line) {
        switch (a, b) {
        case let (.object(x), .object(y)?):
            for e in x { assertSubset(e.value, of: y[e.key], at: "\(path).\(e.key)", file: file, line: line) }
        case let (.array(x), .array(y)?):
            XCTAssertEqual(x.count, y.count, "\(path): list length", file: file, line: line)
            for (i, (p, q)) in zip(x, y).enumerated() { assertSubset(p, of: q, at: "\(path)[\(i)]", file: file, line: line) }
        default:
            XCTAssertEqual(a, b, path, file: file, line: line)
        }
    }

    private func withoutManagedFields(_ v: Value) -> Value {
        var v = v
        v["metadata"]?["managedFields"] = nil
        return v
    }

    func testCreateProducesTheCapturedObjectAndManagedFields() throws {
        let response = try KubeWire.response("ssa-create-deployment")
        let (merged, managed) = try apply("ssa-create-deployment", live: nil, manager: "plumb", time: Self.t46)
        XCTAssertEqual(ManagedFieldsEntry.encode(managed), response[path: ["metadata", "managedFields"]])
        assertSubset(Normalize.canonicalQuantities(merged), of: response)
        XCTAssertEqual(merged[path: ["spec", "template", "spec", "containers"]]?.arrayValue?.first?["resources"], json(
            #"{"requests":{"cpu":"1000m","memory":"1024Mi"},"limits":{"cpu":"2","memory":"2Gi"}}"#))
    }

    func testReapplyingTheSameConfigIsANoOp() throws {
        let live = try KubeWire.response("ssa-create-deployment")
        let (merged, managed) = try apply("ssa-reapply-unchanged", live: live, manager: "plumb")
        XCTAssertEqual(Normalize.canonicalQuantities(merged), withoutManagedFields(live))
        XCTAssertEqual(try entry(managed, "plumb").fields, try entry(KubeWire.managedFields(live), "plumb").fields)
    }

    func testConflictMatchesTheServersStatus() throws {
        let live = try KubeWire.response("ssa-create-deployment")
        let status = try KubeWire.response("ssa-conflict")
        XCTAssertThrowsError(try apply("ssa-conflict", live: live, manager: "hpa-like")) { error in
            guard case .conflict(let conflict)? = error as? ApplyError else {
                return XCTFail("expected a conflict, got \(error)")
            }
            XCTAssertEqual(conflict.message, status["message"]?.stringValue)
            let cause = status[path: ["details", "causes"]]?.arrayValue?.first
            XCTAssertEqual(conflict.causes.map(\.message), [cause?["message"]?.stringValue].compactMap { $0 })
            XCTAssertEqual(conflict.causes.map(\.field), [cause?["field"]?.stringValue].compactMap { $0 })
        }
    }

    func testForceMovesOwnership() throws {
        let live = try KubeWire.response("ssa-reapply-unchanged")
        let response = try KubeWire.response("ssa-force")
        let (merged, managed) = try apply("ssa-force", live: live, manager: "hpa-like", force: true)
        XCTAssertEqual(merged[path: ["spec", "replicas"]], 5)
        let expected = try KubeWire.managedFields(response)
        for manager in ["plumb", "hpa-like"] {
            XCTAssertEqual(try entry(managed, manager), try entry(expected, manager), manager)
        }
        XCTAssertEqual(managed.map(\.manager), ["plumb", "hpa-like", "kube-controller-manager"])
    }

    func testFieldsNoLongerAppliedAreRemovedUnlessAnotherManagerOwnsThem() throws {
        let live = try KubeWire.response("ssa-force")
        let response = try KubeWire.response("ssa-remove-field")
        let (merged, managed) = try apply("ssa-remove-field", live: live, manager: "plumb", force: true)
        XCTAssertEqual(ManagedFieldsEntry.encode(managed), response[path: ["metadata", "managedFields"]])
        // resourceVersion and generation are the server's; spec and labels are merge's.
        XCTAssertEqual(Normalize.canonicalQuantities(merged)["spec"], response["spec"])
        XCTAssertEqual(merged[path: ["metadata", "labels"]], response[path: ["metadata", "labels"]])
        XCTAssertEqual(merged[path: ["spec", "replicas"]], 5, "kept: hpa-like owns it")
        let env = merged[path: ["spec", "template", "spec", "containers"]]?.arrayValue?.first?["env"]
        XCTAssertEqual(env, json(#"[{"name":"MODE","value":"blue"}]"#), "LEVEL removed: plumb was its only owner")
    }

    func testServiceKeysDefaultTheProtocolAndSelectorIsAtomic() throws {
        let response = try KubeWire.response("ssa-service-defaults")
        let (merged, managed) = try apply("ssa-service-defaults", live: nil, manager: "plumb")
        XCTAssertEqual(ManagedFieldsEntry.encode(managed), response[path: ["metadata", "managedFields"]])
        assertSubset(merged, of: response)
    }

    func testSecretAndCustomResource() throws {
        for capture in ["ssa-secret-stringdata", "cr-ssa"] {
            let response = try KubeWire.response(capture)
            let time = try XCTUnwrap(KubeWire.managedFields(response).first?.time)
            let (_, managed) = try apply(capture, live: nil, manager: "plumb", time: time)
            XCTAssertEqual(ManagedFieldsEntry.encode(managed), response[path: ["metadata", "managedFields"]], capture)
        }
    }

    func testStrategicMergePatchUpdateTakesTheImage() throws {
        let old = try KubeWire.response("ssa-remove-field")
        let expected = try KubeWire.managedFields(KubeWire.response("strategic-merge-patch"))
        var new = old
        new["metadata"]?["generation"] = 4
        new["spec"]?["template"]?["spec"]?["containers"] = json(
            #"[{"name":"web","image":"nginx:1.26","ports":[{"containerPort":80,"protocol":"TCP"}],"#
                + #""env":[{"name":"MODE","value":"blue"}],"resources":{"limits":{"cpu":"2","memory":"2Gi"},"#
                + #""requests":{"cpu":"1","memory":"1Gi"}},"terminationMessagePath":"/dev/termination-log","#
                + #""terminationMessagePolicy":"File","imagePullPolicy":"IfNotPresent"}]"#)
        let managed = try ServerSideApply.update(
            old: old, new: new, manager: "unknown", managedFields: KubeWire.managedFields(old),
            schema: .forKind(group: "apps", kind: "Deployment"), time: Self.t47)
        for manager in ["plumb", "unknown", "hpa-like"] {
            XCTAssertEqual(try entry(managed, manager), try entry(expected, manager), manager)
        }
    }
}
