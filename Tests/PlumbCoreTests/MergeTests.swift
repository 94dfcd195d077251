import PlumbCore
import XCTest

/// Merging by the built-in schema: associative lists by key, sets, atomic lists and maps.
final class MergeTests: XCTestCase {
    let deployment = MergeSchema.forKind(group: "apps", kind: "Deployment")

    /// A Deployment whose pod spec is `podSpec` (JSON).
    func deploy(_ podSpec: String, spec: String = "") -> Value {
        json(#"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},"spec":{"# + spec
            + #""template":{"spec":"# + podSpec + "}}}")
    }

    func podSpec(_ v: Value) -> Value? { v[path: ["spec", "template", "spec"]] }

    func testTable() throws {
        let cases: [(String, String, String, String)] = [
            ("containers by name, live-only kept, new appended",
             #"{"containers":[{"name":"a","image":"a:1"},{"name":"b","image":"b:1"}]}"#,
             #"{"containers":[{"name":"b","image":"b:2"},{"name":"c","image":"c:1"}]}"#,
             #"{"containers":[{"name":"a","image":"a:1"},{"name":"b","image":"b:2"},{"name":"c","image":"c:1"}]}"#),
            ("rhs order for shared items",
             #"{"containers":[{"name":"a"},{"name":"b"}]}"#,
             #"{"containers":[{"name":"b"},{"name":"a"}]}"#,
             #"{"containers":[{"name":"b"},{"name":"a"}]}"#),
            ("env by name, fields merged",
             #"{"containers":[{"name":"w","env":[{"name":"X","value":"1"},{"name":"Y","value":"2"}]}]}"#,
             #"{"containers":[{"name":"w","env":[{"name":"Y","value":"3"}]}]}"#,
             #"{"containers":[{"name":"w","env":[{"name":"X","value":"1"},{"name":"Y","value":"3"}]}]}"#),
            ("ports keyed by containerPort and protocol, TCP by default",
             #"{"containers":[{"name":"w","ports":[{"containerPort":80,"protocol":"TCP","name":"http"},{"containerPort":53,"protocol":"UDP"}]}]}"#,
             #"{"containers":[{"name":"w","ports":[{"containerPort":80,"hostPort":8080},{"containerPort":53}]}]}"#,
             #"{"containers":[{"name":"w","ports":[{"containerPort":80,"protocol":"TCP","name":"http","hostPort":8080},{"containerPort":53,"protocol":"UDP"},{"containerPort":53}]}]}"#),
            ("volumeMounts by mountPath",
             #"{"containers":[{"name":"w","volumeMounts":[{"mountPath":"/a","name":"x"}]}]}"#,
             #"{"containers":[{"name":"w","volumeMounts":[{"mountPath":"/a","name":"y"},{"mountPath":"/b","name":"z"}]}]}"#,
             #"{"containers":[{"name":"w","volumeMounts":[{"mountPath":"/a","name":"y"},{"mountPath":"/b","name":"z"}]}]}"#),
            ("tolerations are atomic",
             #"{"tolerations":[{"key":"a"},{"key":"b"}]}"#,
             #"{"tolerations":[{"key":"c"}]}"#,
             #"{"tolerations":[{"key":"c"}]}"#),
            ("unknown lists are atomic",
             #"{"containers":[{"name":"w","args":["a","b"]}]}"#,
             #"{"containers":[{"name":"w","args":["c"]}]}"#,
             #"{"containers":[{"name":"w","args":["c"]}]}"#),
            ("nodeSelector is atomic",
             #"{"nodeSelector":{"a":"1","b":"2"}}"#,
             #"{"nodeSelector":{"c":"3"}}"#,
             #"{"nodeSelector":{"c":"3"}}"#),
            ("structs merge field by field",
             #"{"securityContext":{"runAsUser":1,"fsGroup":2}}"#,
             #"{"securityContext":{"runAsUser":3}}"#,
             #"{"securityContext":{"runAsUser":3,"fsGroup":2}}"#),
        ]
        for (why, live, config, expected) in cases {
            let merged = try deployment.merge(deploy(live), deploy(config))
            XCTAssertEqual(podSpec(merged), json(expected), why)
        }
    }

    func testMetadataMapsAndSets() throws {
        let live = json(#"{"metadata":{"labels":{"a":"1"},"finalizers":["x"]},"spec":{"selector":{"matchLabels":{"a":"1","b":"2"}}}}"#)
        let config = json(#"{"metadata":{"labels":{"b":"2"},"finalizers":["y","x"]},"spec":{"selector":{"matchLabels":{"a":"1"}}}}"#)
        let merged = try deployment.merge(live, config)
        XCTAssertEqual(merged[path: ["metadata", "labels"]], json(#"{"a":"1","b":"2"}"#))
        XCTAssertEqual(merged[path: ["metadata", "finalizers"]], json(#"["y","x"]"#))
        XCTAssertEqual(merged[path: ["spec", "selector"]], json(#"{"matchLabels":{"a":"1"}}"#), "selector is atomic")
    }

    func testServicePortsAndCustomResources() throws {
        let service = MergeSchema.forKind(group: "", kind: "Service")
        let merged = try service.merge(
            json(#"{"spec":{"ports":[{"port":80,"protocol":"TCP","targetPort":8080}],"selector":{"a":"1","b":"2"}}}"#),
            json(#"{"spec":{"ports":[{"port":80,"name":"http"},{"port":443}],"selector":{"a":"1"}}}"#))
        XCTAssertEqual(merged["spec"], json(
            #"{"ports":[{"port":80,"protocol":"TCP","targetPort":8080,"name":"http"},{"port":443}],"selector":{"a":"1"}}"#))
        let cr = MergeSchema.forObject(json(#"{"apiVersion":"x.io/v1","kind":"Gadget"}"#))
        let crMerged = try cr.merge(json(#"{"spec":{"a":1,"list":[1,2]}}"#), json(#"{"spec":{"b":2,"list":[3]}}"#))
        XCTAssertEqual(crMerged["spec"], json(#"{"a":1,"list":[3],"b":2}"#))
    }

    func testFieldSetOfAConfig() throws {
        let config = deploy(
            #"{"containers":[{"name":"w","image":"i","ports":[{"containerPort":80}],"securityContext":{}}],"tolerations":[{"key":"a"}]}"#,
            spec: #""replicas":1,"selector":{"matchLabels":{"a":"1"}},"#)
        let set = try FieldSet.fromObject(config, schema: deployment)
        let w = key(("name", "w"))
        let containers = path("spec", "template", "spec", "containers")
        XCTAssertEqual(set.paths.map(\.description), [
            ".apiVersion", ".kind", ".metadata.name", ".spec.replicas", ".spec.selector",
            ".spec.template.spec.tolerations",
            #".spec.template.spec.containers[name="w"]"#,
            #".spec.template.spec.containers[name="w"].image"#,
            #".spec.template.spec.containers[name="w"].name"#,
            #".spec.template.spec.containers[name="w"].securityContext"#,
            #".spec.template.spec.containers[name="w"].ports[containerPort=80,protocol="TCP"]"#,
            #".spec.template.spec.containers[name="w"].ports[containerPort=80,protocol="TCP"].containerPort"#,
        ])
        XCTAssertTrue(set.contains(FieldPath(containers.elements + [w])))
    }

    func testInvalidListsAreRejected() {
        let cases = [
            (#"{"containers":[{"image":"x"}]}"#, #"omits key field "name""#),
            (#"{"containers":[{"name":"a"},{"name":"a"}]}"#, #"duplicate entries for key [name="a"]"#),
            (#"{"containers":["a"]}"#, "may not have non-map elements"),
        ]
        for (spec, message) in cases {
            XCTAssertThrowsError(try deployment.merge(nil, deploy(spec))) { error in
                XCTAssertTrue("\(error)".contains(message), "\(error)")
                XCTAssertTrue("\(error)".hasPrefix(".spec.template.spec.containers: "), "\(error)")
            }
        }
    }

    func testCompare() {
        let old = deploy(#"{"containers":[{"name":"a","image":"1"}]}"#, spec: #""replicas":1,"#)
        let new = deploy(#"{"containers":[{"name":"a","image":"2"},{"name":"b"}]}"#, spec: #""paused":true,"#)
        let c = deployment.compare(old, new)
        let containers = ["spec", "template", "spec", "containers"]
        XCTAssertEqual(c.modified.paths, [FieldPath(containers.map(PathElement.field) + [key(("name", "a")), .field("image")])])
        XCTAssertEqual(c.added.paths.map(\.description), [
            ".spec.paused", #".spec.template.spec.containers[name="b"]"#, #".spec.template.spec.containers[name="b"].name"#,
        ])
        XCTAssertEqual(c.removed.paths, [path("spec", "replicas")])
        XCTAssertTrue(deployment.compare(old, old).isSame)
    }
}
