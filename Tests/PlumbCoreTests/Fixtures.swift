import Foundation
import PlumbCore
import XCTest

/// The kube-wire captures copied into `fixtures/kube-wire/`.
enum KubeWire {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("fixtures/kube-wire")

    static func load(_ name: String) throws -> Value {
        let data = try Data(contentsOf: directory.appendingPathComponent(name.hasSuffix(".json") ? name : "\(name).json"))
        return try JSONReader().parse([UInt8](data))
    }

    static func all() throws -> [(name: String, value: Value)] {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { $0.hasSuffix(".json") }.sorted()
        return try names.map { ($0, try load($0)) }
    }

    /// The response body of a capture.
    static func response(_ name: String) throws -> Value {
        try XCTUnwrap(try load(name)[path: ["response", "body"]], "\(name): no response body")
    }

    /// The apply configuration a capture sent (its YAML body, converted to JSON).
    static func applyConfig(_ name: String) throws -> Value {
        try XCTUnwrap(try load("apply-configs")[name], "no apply config for \(name)")
    }

    /// The managedFields of a response body.
    static func managedFields(_ object: Value) throws -> [ManagedFieldsEntry] {
        try ManagedFieldsEntry.decode(object[path: ["metadata", "managedFields"]])
    }

    /// Every managedFields entry anywhere in a document.
    static func managedFieldsEntries(in value: Value) -> [Value] {
        var out: [Value] = []
        func walk(_ v: Value) {
            switch v {
            case .object(let o):
                for e in o {
                    if e.key == "managedFields", case .array(let items) = e.value { out += items }
                    walk(e.value)
                }
            case .array(let items): items.forEach(walk)
            default: break
            }
        }
        walk(value)
        return out
    }
}

/// Shorthand for paths in tests: `path("spec", "replicas")`.
func path(_ elements: PathElementConvertible...) -> FieldPath {
    FieldPath(elements.map(\.pathElement))
}

protocol PathElementConvertible { var pathElement: PathElement { get } }
extension String: PathElementConvertible { var pathElement: PathElement { .field(self) } }
extension PathElement: PathElementConvertible { var pathElement: PathElement { self } }

/// `key("name", "web")` as a path element.
func key(_ pairs: (String, Value)...) -> PathElement {
    .key(sorting: pairs.map { KeyField(name: $0.0, value: $0.1) })
}

func json(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> Value {
    do {
        return try JSONReader().parse(text)
    } catch {
        XCTFail("bad JSON in test: \(error)", file: file, line: line)
        return .null
    }
}
