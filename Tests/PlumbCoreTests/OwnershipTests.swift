import PlumbCore
import XCTest

/// Field ownership across appliers and updaters, on small Deployments.
final class OwnershipTests: XCTestCase {
    let schema = MergeSchema.forKind(group: "apps", kind: "Deployment")
    let t1 = "2026-01-01T00:00:01Z"
    let t2 = "2026-01-01T00:00:02Z"

    func deploy(_ spec: String, labels: String? = nil) -> Value {
        let meta = labels.map { #","labels":"# + $0 } ?? ""
        return json(#"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web""# + meta
            + #"},"spec":"# + spec + "}")
    }

    func apply(
        _ config: Value, to live: Value?, as manager: String, managed: [ManagedFieldsEntry],
        force: Bool = false, time: String? = nil
    ) throws(ApplyError) -> (merged: Value, managedFields: [ManagedFieldsEntry]) {
        try ServerSideApply.apply(
            live: live, config: config, manager: manager, force: force, managedFields: managed,
            schema: schema, time: time ?? t2)
    }

    func fields(_ entries: [ManagedFieldsEntry], _ manager: String) -> String? {
        entries.first { $0.manager == manager }?.fields.description
    }

    func testRemovesWhatTheApplierNoLongerSends() throws {
        let first = deploy(
            #"{"replicas":1,"template":{"spec":{"containers":[{"name":"a","image":"x","resources":{"limits":{"cpu":"1"}}},"#
                + #"{"name":"b","image":"y"}]}}}"#,
            labels: #"{"keep":"1","drop":"2"}"#)
        let (live, managed) = try apply(first, to: nil, as: "plumb", managed: [], time: t1)
        let second = deploy(#"{"template":{"spec":{"containers":[{"name":"a","image":"x"}]}}}"#, labels: #"{"keep":"1"}"#)
        let (merged, after) = try apply(second, to: live, as: "plumb", managed: managed)
        XCTAssertEqual(merged, json(
            #"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","labels":{"keep":"1"}},"#
                + #""spec":{"template":{"spec":{"containers":[{"name":"a","image":"x"}]}}}}"#))
        XCTAssertEqual(after.first?.time, t2, "the object changed")
    }

    func testKeepsWhatAnotherManagerStillOwns() throws {
        let (live, managed) = try apply(deploy(#"{"replicas":1,"paused":true}"#), to: nil, as: "plumb", managed: [], time: t1)
        // Another applier sets the same value: shared ownership, no conflict.
        let (shared, sharedManaged) = try apply(deploy(#"{"replicas":1}"#), to: live, as: "hpa", managed: managed)
        XCTAssertEqual(fields(sharedManaged, "plumb"), ".spec.paused\n.spec.replicas")
        XCTAssertEqual(fields(sharedManaged, "hpa"), ".spec.replicas")
        let bare = json(#"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"}}"#)
        let (merged, after) = try apply(bare, to: shared, as: "plumb", managed: sharedManaged)
        XCTAssertEqual(merged["spec"], json(#"{"replicas":1}"#), "replicas kept (hpa owns it), paused removed")
        XCTAssertNil(fields(after, "plumb"), "an empty entry is dropped")
        XCTAssertEqual(fields(after, "hpa"), ".spec.replicas")
    }

    func testUpdaterOwnershipKeepsFieldsToo() throws {
        let (live, managed) = try apply(deploy(#"{"replicas":1}"#), to: nil, as: "plumb", managed: [], time: t1)
        var edited = live
        edited["spec"]?["replicas"] = 3
        let afterEdit = try ServerSideApply.update(
            old: live, new: edited, manager: "kubectl-edit", managedFields: managed, schema: schema, time: t2)
        XCTAssertNil(fields(afterEdit, "plumb"), "the edit took the only field plumb owned")
        XCTAssertEqual(fields(afterEdit, "kubectl-edit"), ".spec.replicas")
        XCTAssertEqual(afterEdit.first?.operation, .update)
        XCTAssertEqual(afterEdit.first?.apiVersion, "apps/v1")
        // Plumb applying a different value now conflicts with the updater, named with its API version.
        XCTAssertThrowsError(try apply(deploy(#"{"replicas":1}"#), to: edited, as: "plumb", managed: afterEdit)) { error in
            XCTAssertEqual(
                "\(error)", #"Apply failed with 1 conflict: conflict with "kubectl-edit" using apps/v1: .spec.replicas"#)
        }
    }

    func testManyConflictsAreGroupedByManager() throws {
        let (live, m1) = try apply(deploy(#"{"replicas":1,"paused":true}"#), to: nil, as: "x", managed: [], time: t1)
        let (live2, m2) = try apply(
            deploy(#"{"minReadySeconds":5,"template":{"spec":{"containers":[{"name":"web","image":"a"}]}}}"#),
            to: live, as: "y", managed: m1, time: t1)
        let config = deploy(#"{"replicas":2,"paused":false,"minReadySeconds":6,"template":{"spec":{"containers":[{"name":"web","image":"b"}]}}}"#)
        XCTAssertThrowsError(try apply(config, to: live2, as: "z", managed: m2)) { error in
            guard case .conflict(let c)? = error as? ApplyError else { return XCTFail("\(error)") }
            XCTAssertEqual(c.message, """
                Apply failed with 4 conflicts: conflicts with "x":
                - .spec.paused
                - .spec.replicas
                conflicts with "y":
                - .spec.minReadySeconds
                - .spec.template.spec.containers[name="web"].image
                """)
            XCTAssertEqual(c.causes.map(\.field), [
                ".spec.paused", ".spec.replicas", ".spec.minReadySeconds", #".spec.template.spec.containers[name="web"].image"#,
            ])
        }
        let (merged, forced) = try apply(config, to: live2, as: "z", managed: m2, force: true)
        XCTAssertEqual(merged[path: ["spec", "replicas"]], 2)
        XCTAssertNil(fields(forced, "x"))
        XCTAssertEqual(fields(forced, "y"), #".spec.template.spec.containers[name="web"]"# + "\n"
            + #".spec.template.spec.containers[name="web"].name"#)
        XCTAssertEqual(forced.map(\.manager), ["y", "z"], "Apply entries by time, then manager")
    }

    func testConflictPathsFollowTheServersSetOrder() throws {
        // Members of a level come before deeper paths, unlike a plain sort.
        let mine = #"{"template":{"spec":{"terminationGracePeriodSeconds":1,"containers":[{"name":"w","image":"a"}]}}}"#
        let theirs = #"{"template":{"spec":{"terminationGracePeriodSeconds":2,"containers":[{"name":"w","image":"b"}]}}}"#
        let (live, managed) = try apply(deploy(mine), to: nil, as: "x", managed: [], time: t1)
        XCTAssertThrowsError(try apply(deploy(theirs), to: live, as: "y", managed: managed)) { error in
            XCTAssertEqual("\(error)", """
                Apply failed with 2 conflicts: conflicts with "x":
                - .spec.template.spec.terminationGracePeriodSeconds
                - .spec.template.spec.containers[name="w"].image
                """)
        }
    }

    func testUnchangedApplyKeepsTheTime() throws {
        let config = deploy(#"{"replicas":1}"#)
        let (live, managed) = try apply(config, to: nil, as: "plumb", managed: [], time: t1)
        let (merged, again) = try apply(config, to: live, as: "plumb", managed: managed, time: t2)
        XCTAssertEqual(merged, live)
        XCTAssertEqual(again, managed, "no change: the entry keeps its time")
        // A new co-owner changes no field but does change managedFields: it is stamped.
        let (_, shared) = try apply(config, to: live, as: "other", managed: managed, time: t2)
        XCTAssertEqual(shared.map(\.time), [t1, t2])
    }

    func testFirstApplyToAnUnmanagedObject() throws {
        // The server gives an object without managedFields to "before-first-apply" first,
        // so changing its fields conflicts until forced.
        let live = deploy(#"{"replicas":1,"paused":true}"#)
        XCTAssertThrowsError(try apply(deploy(#"{"replicas":2}"#), to: live, as: "plumb", managed: [])) { error in
            XCTAssertEqual(
                "\(error)",
                #"Apply failed with 1 conflict: conflict with "before-first-apply" using apps/v1: .spec.replicas"#)
        }
        let (merged, managed) = try apply(deploy(#"{"replicas":2}"#), to: live, as: "plumb", managed: [], force: true)
        XCTAssertEqual(merged["spec"], json(#"{"replicas":2,"paused":true}"#))
        XCTAssertEqual(fields(managed, ServerSideApply.beforeFirstApplyManager), ".spec.paused")
        XCTAssertEqual(fields(managed, "plumb"), ".spec.replicas")
    }

    func testUpdateRecordsAddedMapsAndRemovals() throws {
        let old = deploy(#"{"replicas":1}"#)
        let new = deploy(#"{"template":{"metadata":{"annotations":{"a":"1"}}}}"#, labels: #"{"x":"1"}"#)
        let managed = try ServerSideApply.update(
            old: nil, new: old, manager: "creator", managedFields: [], schema: schema, time: t1)
        XCTAssertEqual(fields(managed, "creator"), ".spec.replicas")
        let after = try ServerSideApply.update(
            old: old, new: new, manager: "editor", managedFields: managed, schema: schema, time: t2)
        XCTAssertNil(fields(after, "creator"), "replicas was removed")
        XCTAssertEqual(
            after.first { $0.manager == "editor" }?.fields.fieldsV1JSON,
            #"{"f:metadata":{"f:labels":{".":{},"f:x":{}}},"f:spec":{"f:template":{"f:metadata":{"f:annotations":{".":{},"f:a":{}}}}}}"#)
        let unchanged = try ServerSideApply.update(
            old: new, new: new, manager: "editor", managedFields: after, schema: schema, time: "2027-01-01T00:00:00Z")
        XCTAssertEqual(unchanged, after, "a write that changes nothing keeps the time")
    }

    func testIgnoredFieldsAreNeverOwnedNorConflict() throws {
        let status = FieldSet([path("status")])
        let config = json(#"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},"spec":{"replicas":1},"status":{"replicas":9}}"#)
        let (live, managed) = try ServerSideApply.apply(
            live: nil, config: config, manager: "plumb", force: false, managedFields: [], schema: schema,
            time: t1, ignoring: status)
        XCTAssertEqual(fields(managed, "plumb"), ".spec.replicas")
        var observed = live
        observed["status"] = json(#"{"replicas":1}"#)
        let afterStatus = try ServerSideApply.update(
            old: live, new: observed, manager: "kube-controller-manager", managedFields: managed, schema: schema,
            time: t2, subresource: "status", ignoring: FieldSet([path("spec"), path("metadata")]))
        XCTAssertEqual(afterStatus.last?.subresource, "status")
        XCTAssertEqual(fields(afterStatus, "kube-controller-manager"), ".status.replicas")
        // Applying a different status to the main resource ignores it instead of conflicting.
        XCTAssertNoThrow(try ServerSideApply.apply(
            live: observed, config: config, manager: "plumb", force: false, managedFields: afterStatus,
            schema: schema, time: t2, ignoring: status))
        XCTAssertThrowsError(try ServerSideApply.apply(
            live: observed, config: config, manager: "plumb", force: false, managedFields: afterStatus,
            schema: schema, time: t2))
    }

    func testNullOverAGranularMapDropsOnlyTheAppliersEntries() throws {
        let (live, managed) = try apply(deploy(#"{"replicas":1}"#, labels: #"{"mine":"1"}"#), to: nil, as: "plumb", managed: [], time: t1)
        var edited = live
        edited["metadata"]?["labels"]?["theirs"] = "2"
        let afterEdit = try ServerSideApply.update(
            old: live, new: edited, manager: "kubectl-edit", managedFields: managed, schema: schema, time: t1)
        let (merged, after) = try apply(deploy(#"{"replicas":1}"#, labels: "null"), to: edited, as: "plumb", managed: afterEdit)
        XCTAssertEqual(merged[path: ["metadata", "labels"]], json(#"{"theirs":"2"}"#))
        XCTAssertEqual(fields(after, "plumb"), ".metadata.labels\n.spec.replicas")
        XCTAssertEqual(fields(after, "kubectl-edit"), ".metadata.labels.theirs")
    }

    func testInvalidInput() {
        XCTAssertThrowsError(try apply(.string("x"), to: nil, as: "p", managed: [])) { error in
            XCTAssertEqual(error as? ApplyError, .invalid("apply configuration is not an object"))
        }
        let withManaged = json(#"{"metadata":{"managedFields":[{"manager":"x"}]}}"#)
        XCTAssertThrowsError(try apply(withManaged, to: nil, as: "p", managed: [])) { error in
            XCTAssertEqual(error as? ApplyError, .invalid("metadata.managedFields must be nil"))
        }
        XCTAssertThrowsError(try apply(deploy(#"{"template":{"spec":{"containers":[{"image":"x"}]}}}"#), to: nil, as: "p", managed: []))
    }
}
