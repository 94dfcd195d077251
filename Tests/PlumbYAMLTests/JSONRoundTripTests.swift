import PlumbCore
import PlumbYAML
import XCTest

/// PlumbCore's JSON reader and writer, and their agreement with the YAML side.
final class JSONRoundTripTests: XCTestCase {
    private let samples: [Value] = [
        nil, true, 0, -42, .int(Int64.max), .int(Int64.min), 1.5, 1000.0, 1e-7, 1e300, "", "é \"q\" \\ \n\t\u{01}",
        [], [:], [1, "two", [3.0], ["four": nil]],
        ["apiVersion": "v1", "kind": "ConfigMap", "data": ["a": "1", "b": "yes"], "n": [["x": [:]]]],
    ]

    func testCompactAndPrettyRoundTrip() throws {
        for v in samples {
            for style in [JSONWriter.Style.compact, .pretty(indent: 4)] {
                let text = try JSONWriter(style: style).string(v)
                XCTAssertEqual(try JSONReader().parse(text), v, text)
            }
        }
    }

    func testDoublesStayDoubles() throws {
        let text = try JSONWriter().string(["a": 1000.0, "b": 1000])
        XCTAssertEqual(text, "{\"a\":1000.0,\"b\":1000}")
        XCTAssertEqual(try JSONReader().parse(text)["a"], .double(1000))
        XCTAssertEqual(try JSONReader().parse(text)["b"], .int(1000))
    }

    func testJSONIsYAML() throws {
        // Every JSON text Plumb writes is also YAML that reads back the same.
        for v in samples {
            let text = try JSONWriter(style: .pretty(indent: 2)).string(v)
            let docs = try YAML.parseDocuments(text, file: "j.yaml")
            XCTAssertEqual(docs.first?.value ?? .null, v, text)
        }
    }

    func testYAMLToJSONToYAML() throws {
        let yaml = "a: [1, 2.5, yes, ~, 'x']\nb: {c: 0x10}\n"
        let v = try YAML.parseDocuments(yaml, file: "y.yaml")[0].value
        let json = try JSONWriter(sortKeys: true).string(v)
        XCTAssertEqual(json, "{\"a\":[1,2.5,true,null,\"x\"],\"b\":{\"c\":16}}")
        XCTAssertEqual(try YAML.parseDocuments(YAMLWriter().string(try JSONReader().parse(json)), file: "y.yaml")[0].value, v)
    }

    func testJSONReaderErrors() {
        XCTAssertThrowsError(try JSONReader().parse("{\"a\": 1, \"a\": 2}"))
        XCTAssertThrowsError(try JSONReader().parse("[1, 2"))
    }
}
