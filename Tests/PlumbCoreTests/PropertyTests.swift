import PlumbCore
import XCTest

/// Laws that hold for every object the real server returned in the captures.
final class PropertyTests: XCTestCase {
    /// Every Kubernetes object in the captures (response bodies, watch events, list items).
    func capturedObjects() throws -> [(String, Value)] {
        var out: [(String, Value)] = []
        func walk(_ name: String, _ v: Value) {
            if case .object(let o) = v, o["apiVersion"] != nil, o["kind"] != nil, o["metadata"] != nil {
                out.append((name, v))
            }
            switch v {
            case .object(let o): o.forEach { walk(name, $0.value) }
            case .array(let a): a.forEach { walk(name, $0) }
            default: break
            }
        }
        for (name, doc) in try KubeWire.all() { walk(name, doc) }
        return out
    }

    /// structured-merge-diff's ToFieldSet records null and empty maps under named fields but
    /// not empty lists, so `containers: []` is no field (the laws above assume none).
    func testEmptyListsUnderNamedFieldsAreNotFields() throws {
        let object = json(#"{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "x"}, "spec": {"template": {"spec": {"containers": []}}}}"#)
        let set = try FieldSet.fromObject(object, schema: MergeSchema.forObject(object))
        XCTAssertFalse(set.fieldsV1JSON.contains("containers"), set.fieldsV1JSON)
    }

    func testLawsOverCapturedObjects() throws {
        let objects = try capturedObjects()
        XCTAssertGreaterThan(objects.count, 20)
        for (name, object) in objects {
            let schema = MergeSchema.forObject(object)
            let set = try FieldSet.fromObject(object, schema: schema)
            XCTAssertFalse(set.isEmpty, name)
            XCTAssertEqual(try FieldSet(fieldsV1: set.fieldsV1), set, "\(name): FieldsV1 round trip")
            XCTAssertEqual(try schema.merge(object, object), object, "\(name): merge is idempotent")
            XCTAssertEqual(try schema.merge(nil, object), object, "\(name): merge into nothing")
            XCTAssertTrue(schema.compare(object, object).isSame, name)
            XCTAssertEqual(schema.compare(nil, object).added.leaves.count, set.leaves.count, "\(name): all leaves added")
            XCTAssertEqual(schema.removing(set, from: object), json("{}"), "\(name): removing every field")
            XCTAssertEqual(schema.extracting(set, from: object), object, "\(name): extracting every field")
            for leaf in set.leaves {
                XCTAssertNotNil(schema.value(at: leaf, in: object), "\(name): \(leaf)")
            }
        }
    }
}
