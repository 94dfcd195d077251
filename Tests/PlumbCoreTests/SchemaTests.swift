import PlumbCore
import XCTest

/// The built-in schema table: where each kind keeps its associative lists.
final class SchemaTests: XCTestCase {
    static let container = #"{"name":"c","ports":[{"containerPort":80}],"env":[{"name":"E","value":"1"}],"volumeMounts":[{"mountPath":"/m","name":"v"}]}"#
    static let podSpec = #"{"containers":["# + container + #"],"initContainers":["# + container
        + #"],"volumes":[{"name":"v"}],"imagePullSecrets":[{"name":"s"}],"tolerations":[{"key":"k"}]}"#

    func testPodSpecListsAreKeyedForEveryWorkloadKind() throws {
        let kinds: [(String, String, String, String)] = [
            ("", "Pod", #"{"spec":"# + Self.podSpec + "}", ".spec"),
            ("apps", "Deployment", #"{"spec":{"template":{"spec":"# + Self.podSpec + "}}}", ".spec.template.spec"),
            ("apps", "StatefulSet", #"{"spec":{"template":{"spec":"# + Self.podSpec + "}}}", ".spec.template.spec"),
            ("apps", "DaemonSet", #"{"spec":{"template":{"spec":"# + Self.podSpec + "}}}", ".spec.template.spec"),
            ("apps", "ReplicaSet", #"{"spec":{"template":{"spec":"# + Self.podSpec + "}}}", ".spec.template.spec"),
            ("batch", "Job", #"{"spec":{"template":{"spec":"# + Self.podSpec + "}}}", ".spec.template.spec"),
            ("batch", "CronJob", #"{"spec":{"jobTemplate":{"spec":{"template":{"spec":"# + Self.podSpec + "}}}}}",
             ".spec.jobTemplate.spec.template.spec"),
        ]
        for (group, kind, object, prefix) in kinds {
            let set = try FieldSet.fromObject(json(object), schema: .forKind(group: group, kind: kind))
            let paths = Set(set.paths.map(\.description))
            for expected in [
                #"\#(prefix).containers[name="c"]"#,
                #"\#(prefix).initContainers[name="c"].ports[containerPort=80,protocol="TCP"]"#,
                #"\#(prefix).containers[name="c"].env[name="E"].value"#,
                #"\#(prefix).containers[name="c"].volumeMounts[mountPath="/m"]"#,
                #"\#(prefix).volumes[name="v"]"#,
                #"\#(prefix).imagePullSecrets[name="s"]"#,
                "\(prefix).tolerations",
            ] {
                XCTAssertTrue(paths.contains(expected), "\(kind): \(expected) not in\n\(set)")
            }
        }
    }

    func testMetadataAndStatusLists() throws {
        let object = json(#"{"metadata":{"ownerReferences":[{"uid":"u1","name":"o"}],"finalizers":["a/b"],"annotations":{"x":"1"}},"#
            + #""status":{"conditions":[{"type":"Ready","status":"True"}]}}"#)
        let set = try FieldSet.fromObject(object, schema: .forKind(group: "", kind: "Service"))
        XCTAssertEqual(set.paths.map(\.description), [
            ".metadata.annotations.x", #".metadata.finalizers[="a/b"]"#,
            #".metadata.ownerReferences[uid="u1"]"#, #".metadata.ownerReferences[uid="u1"].name"#,
            #".metadata.ownerReferences[uid="u1"].uid"#,
            #".status.conditions[type="Ready"]"#, #".status.conditions[type="Ready"].status"#,
            #".status.conditions[type="Ready"].type"#,
        ])
    }

    func testUnknownKindsAreDeduced() throws {
        let set = try FieldSet.fromObject(
            json(#"{"apiVersion":"x.io/v1","kind":"K","metadata":{"labels":{"a":"1"}},"spec":{"list":[1],"m":{"k":"v"}}}"#),
            schema: .forKind(group: "x.io", kind: "K"))
        XCTAssertEqual(
            set.fieldsV1JSON,
            #"{"f:apiVersion":{},"f:kind":{},"f:metadata":{"f:labels":{"f:a":{}}},"#
                + #""f:spec":{".":{},"f:list":{},"f:m":{".":{},"f:k":{}}}}"#)
    }

    /// A create through a non-apply write, as the watch capture's ConfigMap was made.
    func testUpdateOnCreateMatchesTheWatchCapture() throws {
        let added = try XCTUnwrap(KubeWire.load("watch-stream")["events"]?.arrayValue?.first?["object"])
        let expected = try KubeWire.managedFields(added)
        let managed = try ServerSideApply.update(
            old: nil, new: added, manager: "unknown", managedFields: [],
            schema: .forObject(added), time: try XCTUnwrap(expected.first?.time))
        XCTAssertEqual(managed, expected)
    }
}
