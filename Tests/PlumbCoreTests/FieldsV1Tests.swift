import PlumbCore
import XCTest

final class FieldsV1Tests: XCTestCase {
    /// Every managedFields entry the real server wrote decodes and re-encodes byte for byte.
    func testEveryCapturedEntryRoundTrips() throws {
        var count = 0
        for (name, doc) in try KubeWire.all() {
            for raw in KubeWire.managedFieldsEntries(in: doc) {
                let entry = try ManagedFieldsEntry(raw)
                let original = try XCTUnwrap(raw["fieldsV1"], name)
                XCTAssertEqual(entry.fields.fieldsV1JSON, try JSONWriter().string(original), name)
                XCTAssertEqual(try FieldSet(fieldsV1: entry.fields.fieldsV1), entry.fields, name)
                XCTAssertEqual(entry.value, raw, name)
                count += 1
            }
        }
        XCTAssertGreaterThan(count, 30)
    }

    func testDecodesMembersChildrenAndSelfMarker() throws {
        let set = try FieldSet(fieldsV1: json(#"""
            {"f:spec":{"f:replicas":{},"f:containers":{"k:{\"name\":\"web\"}":{".":{},"f:image":{}}}},
             "f:metadata":{"f:finalizers":{"v:\"a\"":{}}},"f:list":{"i:3":{}}}
            """#))
        let web = key(("name", "web"))
        XCTAssertEqual(set.paths.map(\.description), [
            ".list[3]", ".metadata.finalizers[=\"a\"]", ".spec.replicas", ".spec.containers[name=\"web\"]",
            ".spec.containers[name=\"web\"].image",
        ], "a level's members come before its children, as structured-merge-diff iterates")
        XCTAssertTrue(set.contains(path("spec", "containers", web)))
        XCTAssertFalse(set.contains(path("spec", "containers")))
        XCTAssertEqual(set.leaves.count, 4)
        XCTAssertEqual(
            set.fieldsV1JSON,
            #"{"f:list":{"i:3":{}},"f:metadata":{"f:finalizers":{"v:\"a\"":{}}},"#
                + #""f:spec":{"f:containers":{"k:{\"name\":\"web\"}":{".":{},"f:image":{}}},"f:replicas":{}}}"#)
    }

    func testKeysAreSortedByFieldName() throws {
        let set = try FieldSet(fieldsV1: json(#"{"k:{\"protocol\":\"TCP\",\"containerPort\":80}":{}}"#))
        XCTAssertEqual(set.fieldsV1JSON, #"{"k:{\"containerPort\":80,\"protocol\":\"TCP\"}":{}}"#)
        XCTAssertEqual(set.paths.map(\.description), [#"[containerPort=80,protocol="TCP"]"#])
    }

    func testRejectsMalformedDocuments() {
        for bad in [#"{"x:a":{}}"#, #"{"f:a":1}"#, #"{"k:notjson":{}}"#, #"{"i:x":{}}"#, "[]"] {
            XCTAssertThrowsError(try FieldSet(fieldsV1: json(bad)), bad)
        }
    }

    func testSetOperations() {
        let a = FieldSet([path("spec", "replicas"), path("spec", "paused"), path("metadata", "labels", "x")])
        let b = FieldSet([path("spec", "replicas"), path("metadata", "labels", "y")])
        XCTAssertEqual(a.union(b).paths.count, 4)
        XCTAssertEqual(a.intersection(b).paths, [path("spec", "replicas")])
        XCTAssertEqual(a.subtracting(b).paths, [path("metadata", "labels", "x"), path("spec", "paused")])
        XCTAssertTrue(a.subtracting(a).isEmpty)
        XCTAssertTrue(a.intersection(FieldSet()).isEmpty)
        // RecursiveDifference drops everything below a member of the other set too.
        XCTAssertEqual(a.recursivelySubtracting(FieldSet([path("spec")])).paths, [path("metadata", "labels", "x")])
        XCTAssertEqual(a.subtracting(FieldSet([path("spec")])), a)
        // Removing a member keeps what is below it, as structured-merge-diff's Difference.
        let item = FieldSet([path("c", key(("name", "w"))), path("c", key(("name", "w")), "image")])
        XCTAssertEqual(item.subtracting(FieldSet([path("c", key(("name", "w")))])).paths, [path("c", key(("name", "w")), "image")])
    }

    func testPathOrderMatchesTheServer() {
        let ordered: [PathElement] = [.field("a"), .field("b"), key(("name", "a")), .value(1.5), .value(2), .value("s"), .index(0)]
        XCTAssertEqual(ordered.shuffled().sorted(), ordered)
    }
}
