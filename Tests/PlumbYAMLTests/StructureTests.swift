import PlumbCore
import PlumbYAML
import XCTest

final class StructureTests: XCTestCase {
    private func one(_ yaml: String) throws -> Value {
        let docs = try YAML.parseDocuments(yaml, file: "s.yaml")
        XCTAssertEqual(docs.count, 1)
        return docs.first?.value ?? nil
    }

    func testBlockAndFlowCollections() throws {
        let v = try one("""
            # a comment
            apiVersion: v1   # trailing comment
            kind: ConfigMap
            metadata: {name: web, labels: {app: web, tier: "front"}}
            list: [1, two, [3, 4], {five: 5}]
            nested:
            - - a
              - b
            - name: x
              ports:
              - 80
              - 443
            empty: {}
            none: []

            """)
        XCTAssertEqual(v["metadata"], ["name": "web", "labels": ["app": "web", "tier": "front"]])
        XCTAssertEqual(v["list"], [1, "two", [3, 4], ["five": 5]])
        XCTAssertEqual(v["nested"], [["a", "b"], ["name": "x", "ports": [80, 443]]])
        XCTAssertEqual(v["empty"], .object(ValueObject()))
        XCTAssertEqual(v["none"], .array([]))
        XCTAssertEqual(v.objectValue?.keys, ["apiVersion", "kind", "metadata", "list", "nested", "empty", "none"])
    }

    func testScalarStyles() throws {
        let v = try one("""
            plain: hello world
            single: 'it''s'
            double: "tab\\there \\u00e9 \\x41"
            literal: |
              line 1
                indented
              line 3
            strip: |-
              no newline
            keep: |+
              kept

            folded: >
              folded
              text

              new paragraph
            foldedStrip: >-
              a
              b
            multi: plain
              continued
            last: end

            """)
        XCTAssertEqual(v["plain"], "hello world")
        XCTAssertEqual(v["single"], "it's")
        XCTAssertEqual(v["double"], "tab\there é A")
        XCTAssertEqual(v["literal"], "line 1\n  indented\nline 3\n")
        XCTAssertEqual(v["strip"], "no newline")
        XCTAssertEqual(v["keep"], "kept\n\n")
        XCTAssertEqual(v["folded"], "folded text\nnew paragraph\n")
        XCTAssertEqual(v["foldedStrip"], "a b")
        XCTAssertEqual(v["multi"], "plain continued")
    }

    func testAnchorsAndAliases() throws {
        let v = try one("""
            base: &b {cpu: 100m, memory: 64Mi}
            a: *b
            list: &l [1, 2]
            again: *l
            scalar: &s hello
            s2: *s
            *s : aliased key

            """)
        XCTAssertEqual(v["a"], ["cpu": "100m", "memory": "64Mi"])
        XCTAssertEqual(v["again"], [1, 2])
        XCTAssertEqual(v["s2"], "hello")
        XCTAssertEqual(v["hello"], "aliased key")
    }

    func testMergeKeys() throws {
        let v = try one("""
            defaults: &d {a: 1, b: 2, c: 3}
            other: &o {c: 30, d: 40}
            single:
              b: explicit
              <<: *d
            list:
              <<: [*o, *d]
              a: explicit
            inline:
              <<: {x: 1}
              y: 2

            """)
        XCTAssertEqual(v["single"], ["a": 1, "b": "explicit", "c": 3])
        XCTAssertEqual(v["single"]?.objectValue?.keys, ["b", "a", "c"])
        XCTAssertEqual(v["list"], ["a": "explicit", "b": 2, "c": 30, "d": 40])
        // `y` is YAML 1.1's "yes": kubectl turns that key into "true".
        XCTAssertEqual(v["inline"], ["x": 1, "true": 2])
        // A quoted "<<" is an ordinary key.
        XCTAssertEqual(try one("\"<<\": {a: 1}\n"), ["<<": ["a": 1]])
        XCTAssertThrowsError(try one("a: 1\n<<: 5\n")) { e in
            XCTAssertEqual("\(e)", "s.yaml:2:5: map merge requires map or sequence of maps as the value")
        }
        XCTAssertThrowsError(try one("a: 1\n<<: [{x: 1}, 2]\n")) { e in
            XCTAssertEqual("\(e)", "s.yaml:2:5: map merge requires map or sequence of maps as the value")
        }
    }

    func testMultipleDocumentsAndEmptyOnes() throws {
        let docs = try YAML.parseDocuments("""
            ---
            a: 1
            ---
            # only a comment
            ---
            ---
            null
            ---
            b: 2
            ...
            ---
            - x

            """, file: "m.yaml")
        XCTAssertEqual(docs.map(\.value), [["a": 1], ["b": 2], ["x"]])
        XCTAssertEqual(docs.map(\.index), [1, 5, 6])
        XCTAssertEqual(docs.map(\.location.line), [2, 9, 12])
        XCTAssertEqual(try YAML.parseDocuments("", file: "e.yaml").count, 0)
        XCTAssertEqual(try YAML.parseDocuments("# nothing\n\n", file: "e.yaml").count, 0)
        XCTAssertEqual(try YAML.parseDocuments([UInt8](), file: "e.yaml").count, 0)
    }

    func testParseObjectsExpandsLists() throws {
        let docs = try YAML.parseObjects("""
            apiVersion: v1
            kind: List
            items:
            - {apiVersion: v1, kind: ConfigMap, metadata: {name: a}}
            - apiVersion: v1
              kind: ServiceList
              items:
              - {apiVersion: v1, kind: Service, metadata: {name: b}}
            ---
            apiVersion: v1
            kind: Secret

            """, file: "l.yaml")
        XCTAssertEqual(docs.map { $0.value["kind"] }, ["ConfigMap", "Service", "Secret"])
        XCTAssertEqual(docs.map(\.index), [1, 1, 2])
    }

    func testParseObjectsRefusesNonObjects() {
        XCTAssertThrowsError(try YAML.parseObjects("a: 1\n---\n- x\n", file: "o.yaml")) { e in
            XCTAssertEqual("\(e)", "o.yaml:3:1: document 2 is an array, not an object")
        }
        XCTAssertThrowsError(try YAML.parseObjects("---\n---\n  hello\n", file: "o.yaml")) { e in
            XCTAssertEqual("\(e)", "o.yaml:3:3: document 2 is a string, not an object")
        }
        XCTAssertThrowsError(try YAML.parseObjects("kind: List\nitems: [1]\n", file: "o.yaml")) { e in
            XCTAssertEqual("\(e)", "o.yaml:1:1: document 1.items[0] is an integer, not an object")
        }
    }

    func testLineEndingsAndByteOrderMark() throws {
        let crlf = try YAML.parseDocuments("a: 1\r\nb:\r\n  - x\r\n  - |\r\n    text\r\n", file: "w.yaml")
        XCTAssertEqual(crlf.first?.value, ["a": 1, "b": ["x", "text\n"]])
        let bom = try YAML.parseDocuments([0xEF, 0xBB, 0xBF] + Array("a: é\n".utf8), file: "b.yaml")
        XCTAssertEqual(bom.first?.value, ["a": "é"])
        XCTAssertThrowsError(try YAML.parseDocuments("a:\r\n\tb: 1\r\n", file: "w.yaml")) { e in
            XCTAssertEqual("\(e)", "w.yaml:2:1: found character that cannot start any token (while scanning for the next token at line 2, column 1)")
        }
    }
}
