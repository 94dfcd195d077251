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

    func testCustomResourceSchemaFromTheCRD() throws {
        // The capture's CRD keeps unknown fields: the same as the deduced schema.
        let crd = try KubeWire.load("crd-create")
        let body = try XCTUnwrap(crd[path: ["request", "body"]])
        let openAPI = try XCTUnwrap(body[path: ["spec", "versions"]]?.arrayValue?.first?[path: ["schema", "openAPIV3Schema"]])
        let config = try KubeWire.applyConfig("cr-ssa")
        let expected = try KubeWire.managedFields(KubeWire.response("cr-ssa"))
        let (_, managed) = try ServerSideApply.apply(
            live: nil, config: config, manager: "plumb", force: false, managedFields: [],
            schema: MergeSchema(openAPIV3Schema: openAPI), time: try XCTUnwrap(expected.first?.time))
        XCTAssertEqual(managed, expected)

        let structural = json(#"""
            {"type":"object","properties":{"spec":{"type":"object","properties":{
              "size":{"type":"integer"},
              "ports":{"type":"array","x-kubernetes-list-type":"map","x-kubernetes-list-map-keys":["port","protocol"],
                "items":{"type":"object","properties":{"port":{"type":"integer"},"protocol":{"type":"string","default":"TCP"}}}},
              "tags":{"type":"array","x-kubernetes-list-type":"set","items":{"type":"string"}},
              "args":{"type":"array","items":{"type":"string"}},
              "labels":{"type":"object","additionalProperties":{"type":"string"}},
              "selector":{"type":"object","x-kubernetes-map-type":"atomic","properties":{"a":{"type":"string"}}},
              "extra":{"type":"object","x-kubernetes-preserve-unknown-fields":true}}}}}
            """#)
        let object = json(#"""
            {"apiVersion":"x.io/v1","kind":"K","metadata":{"name":"k","labels":{"l":"1"}},"spec":{"size":1,
             "ports":[{"port":80}],"tags":["a"],"args":["x"],"labels":{"k":"v"},"selector":{"a":"b"},"extra":{"q":{"r":1}}}}
            """#)
        let set = try FieldSet.fromObject(object, schema: MergeSchema(openAPIV3Schema: structural))
        XCTAssertEqual(set.fieldsV1JSON, #"{"f:apiVersion":{},"f:kind":{},"f:metadata":{"f:labels":{"f:l":{}},"f:name":{}},"#
            + #""f:spec":{"f:args":{},"f:extra":{"f:q":{".":{},"f:r":{}}},"f:labels":{"f:k":{}},"#
            + #""f:ports":{"k:{\"port\":80,\"protocol\":\"TCP\"}":{".":{},"f:port":{}}},"f:selector":{},"f:size":{},"#
            + #""f:tags":{"v:\"a\"":{}}}}"#)
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
