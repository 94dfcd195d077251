import PlumbCore
import PlumbYAML
import XCTest

final class WriterTests: XCTestCase {
    private func roundTrip(_ v: Value, file: StaticString = #filePath, line: UInt = #line) {
        let text = YAMLWriter().string(v)
        do {
            let docs = try YAML.parseDocuments(text, file: "rt.yaml")
            let back = docs.first?.value ?? .null
            XCTAssertEqual(back, v, "wrote:\n\(text)", file: file, line: line)
        } catch {
            XCTFail("\(error) reading back:\n\(text)", file: file, line: line)
        }
    }

    func testKubectlShape() {
        let v: Value = [
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": ["name": "web", "labels": ["app": "web"], "annotations": [:]],
            "spec": [
                "replicas": 3,
                "template": [
                    "spec": [
                        "containers": [
                            [
                                "name": "web", "image": "nginx:1.25",
                                "args": ["--port", "80"],
                                "ports": [["containerPort": 80]],
                                "env": [["name": "DEBUG", "value": "yes"], ["name": "N", "value": "1"]],
                            ]
                        ],
                        "nodeSelector": ["": ""],
                    ]
                ],
                "matrix": [[1, 2], [], [3]],
            ],
        ]
        let expected = """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: web
              labels:
                app: web
              annotations: {}
            spec:
              replicas: 3
              template:
                spec:
                  containers:
                  - name: web
                    image: nginx:1.25
                    args:
                    - --port
                    - "80"
                    ports:
                    - containerPort: 80
                    env:
                    - name: DEBUG
                      value: "yes"
                    - name: "N"
                      value: "1"
                  nodeSelector:
                    "": ""
              matrix:
              - - 1
                - 2
              - []
              - - 3

            """
        XCTAssertEqual(YAMLWriter().string(v), expected)
        roundTrip(v)
    }

    func testSortedKeysAndDocuments() {
        let docs: [Value] = [["b": 1, "a": 2], "text", [1]]
        XCTAssertEqual(YAMLWriter(sortKeys: true).string(documents: docs), "a: 2\nb: 1\n---\ntext\n---\n- 1\n")
    }

    func testScalarSpellings() {
        let w = YAMLWriter()
        XCTAssertEqual(w.string(["a": 1000.0]), "a: 1000.0\n")
        XCTAssertEqual(w.string(["a": 1e-7]), "a: 1e-07\n")
        XCTAssertEqual(w.string(["a": .double(.nan), "b": .double(-.infinity)]), "a: .nan\nb: -.inf\n")
        XCTAssertEqual(w.string(["a": "multi\nline\n"]), "a: |\n  multi\n  line\n")
        XCTAssertEqual(w.string(["a": ["x\ny"]]), "a:\n- |-\n  x\n  y\n")
        XCTAssertEqual(w.string(["a": "it's: here"]), "a: 'it''s: here'\n")
        XCTAssertEqual(w.string(["a": "tab\tcontrol\u{01}"]), "a: \"tab\\tcontrol\\x01\"\n")
        XCTAssertEqual(w.string(["a": nil, "b": true, "c": ""]), "a: null\nb: true\nc: \"\"\n")
        XCTAssertEqual(w.string(["a": "190:20:30"]), "a: \"190:20:30\"\n")
    }

    func testRoundTrips() {
        let strings: [String] = [
            "", " ", "yes", "No", "on", "y", "~", "null", "NULL", "1", "-1", "+1", "0x1F", "0o17", "0777",
            "0b101", "1_000", "1.10", "1e3", ".5", ".inf", "-.Inf", ".nan", "1.", "2001-12-14", "12:30",
            "190:20:30", "<<", "-", "--", "---", "...", "- x", "? x", ":x", "-x", "?x", "a: b", "a #b", "a#b",
            "#c", "&a", "*a", "!t", "|", ">", "'q'", "\"dq\"", "%p", "@x", "`x", "[x]", "{x}", ",x", "x,",
            " lead", "trail ", "end:", "tab\there", "\t", "a\r\nb", "\u{85}", "\u{2028}", "\u{FEFF}x",
            "\u{7F}", "\u{9F}", "\u{FFFE}", "é", "日本語", "emoji 🎉", "multi\nline", "multi\nline\n",
            "keep\n\n\n", "\nleading newline", "  indented\nfirst", "\n  indented after blank",
            "  \nspaces line first", "a\n  \nb", "trailing spaces  \nx", "\n", "\n\n", " \n ",
            "line\n# not a comment\n", "line\n---\n...\n", String(repeating: "long ", count: 300),
            "back\\slash", "quote\"d", "nul\u{0}x",
        ]
        for s in strings {
            roundTrip(["v": .string(s)])
            roundTrip(["list": [.string(s), [.string(s)], ["k": .string(s)]]])
            roundTrip(.object(ValueObject(uniqueEntries: [.init(key: s, value: .string(s))])))
            roundTrip(.string(s))
        }
        let scalars: [Value] = [
            nil, true, false, 0, -1, .int(Int64.max), .int(Int64.min), 1000.0, 1e-7, 1.5e300, -0.0, 0.1,
            .double(.nan), .double(.infinity), .double(-.infinity), .double(.leastNonzeroMagnitude), 1e16, 123456789.125,
        ]
        for v in scalars {
            roundTrip(["v": v])
            roundTrip([v])
            roundTrip(v)
        }
        roundTrip([:])
        roundTrip([])
        roundTrip(["a": [:], "b": [], "c": [[], [:], [[]]], "d": [["x": [:]]]])
        roundTrip([[[["deep"]]], [["k": [["k2": ["k3": [1]]]]]]])
        let longKey = String(repeating: "k", count: 1100)
        roundTrip(.object(ValueObject(uniqueEntries: [.init(key: longKey, value: ["a": [1, "x\ny"]])])))
        roundTrip(.object(ValueObject(uniqueEntries: [.init(key: longKey, value: "multi\nline")])))
    }

    func testMultiDocumentRoundTrip() throws {
        let docs: [Value] = [["a": 1], ["b": ["c", "d"]], ["e": "---"]]
        let text = YAMLWriter().string(documents: docs)
        XCTAssertEqual(try YAML.parseDocuments(text, file: "m.yaml").map(\.value), docs)
    }
}
