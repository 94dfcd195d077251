import PlumbCore
import XCTest

/// What a manager owns of a live object.
final class ExtractTests: XCTestCase {
    func testExtractsWhatPlumbOwnsOfTheCapturedDeployment() throws {
        let live = try KubeWire.response("ssa-remove-field")
        let plumb = try XCTUnwrap(KubeWire.managedFields(live).first { $0.manager == "plumb" })
        let schema = MergeSchema.forObject(live)
        let owned = try XCTUnwrap(schema.extracting(plumb.fields, from: live))
        XCTAssertEqual(owned, json(#"""
            {"metadata":{"labels":{"app.kubernetes.io/managed-by":"plumb","plumb.dev/app":"demo"}},
             "spec":{"selector":{"matchLabels":{"app":"web"}},"template":{"metadata":{"labels":{"app":"web"}},
              "spec":{"containers":[{"name":"web","image":"nginx:1.25","ports":[{"containerPort":80,"protocol":"TCP"}],
               "env":[{"name":"MODE","value":"blue"}],
               "resources":{"limits":{"cpu":"2","memory":"2Gi"},"requests":{"cpu":"1","memory":"1Gi"}}}]}}}}
            """#))
        // Against what plumb applies, the owned part differs only by the server's key default and quantities.
        var desired = try KubeWire.applyConfig("ssa-remove-field")
        desired["apiVersion"] = nil
        desired["kind"] = nil
        desired["metadata"]?["name"] = nil
        desired["metadata"]?["namespace"] = nil
        XCTAssertFalse(Normalize.equal(owned, desired), "ports carry protocol: TCP only on the server")
        var container = try XCTUnwrap(desired[path: ["spec", "template", "spec", "containers"]]?.arrayValue?.first)
        container["ports"] = json(#"[{"containerPort":80,"protocol":"TCP"}]"#)
        desired["spec"]?["template"]?["spec"]?["containers"] = .array([container])
        XCTAssertTrue(Normalize.equal(owned, desired), "1000m and 1024Mi are the server's 1 and 1Gi")
    }

    func testValueAtAPath() throws {
        let live = try KubeWire.response("ssa-remove-field")
        let schema = MergeSchema.forObject(live)
        let web = key(("name", "web"))
        let containers = ["spec", "template", "spec", "containers"].map(PathElement.field)
        XCTAssertEqual(schema.value(at: FieldPath(containers + [web, .field("image")]), in: live), "nginx:1.25")
        XCTAssertEqual(
            schema.value(at: FieldPath(containers + [web, .field("ports"), key(("containerPort", 80), ("protocol", "TCP")), .field("protocol")]), in: live),
            "TCP")
        XCTAssertEqual(schema.value(at: FieldPath(containers + [.index(0), .field("name")]), in: live), "web")
        XCTAssertNil(schema.value(at: FieldPath(containers + [key(("name", "nope"))]), in: live))
        XCTAssertEqual(schema.value(at: path("spec", "replicas"), in: live), 5)
    }
}
