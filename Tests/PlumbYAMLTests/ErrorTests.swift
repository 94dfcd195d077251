import PlumbCore
import PlumbYAML
import XCTest

final class ErrorTests: XCTestCase {
    private func error(_ yaml: String, file: String = "bad.yaml") -> String? {
        do {
            _ = try YAML.parseDocuments(yaml, file: file)
            return nil
        } catch {
            return error.description
        }
    }

    func testDuplicateKeys() {
        XCTAssertEqual(
            error("a: 1\nb:\n  x: 1\n  y: 2\n  x: 3\n"),
            "bad.yaml:5:3: mapping key \"x\" already defined at line 3")
        XCTAssertEqual(error("{a: 1, a: 2}"), "bad.yaml:1:8: mapping key \"a\" already defined at line 1")
        // Keys are compared after they become strings, as in the JSON kubectl sends.
        XCTAssertEqual(error("1: a\n\"1\": b\n"), "bad.yaml:2:1: mapping key \"1\" already defined at line 1")
        // Big maps switch to an index; the check still holds.
        var big = ""
        for i in 0..<40 { big += "k\(i): \(i)\n" }
        big += "k7: again\n"
        XCTAssertEqual(error(big), "bad.yaml:41:1: mapping key \"k7\" already defined at line 8")
        // The same key in different maps is fine.
        XCTAssertNil(error("a: {x: 1}\nb: {x: 1}\n"))
    }

    func testSyntaxErrorsCarryLibyamlsPlace() {
        XCTAssertEqual(
            error("a: 1\nb: [1, 2\nc: 3\n"),
            "bad.yaml:3:2: did not find expected ',' or ']' (while parsing a flow sequence at line 2, column 4)")
        XCTAssertEqual(
            error("key: value\n  bad: indent\n"),
            "bad.yaml:2:6: mapping values are not allowed in this context")
        XCTAssertEqual(
            error("a:\n  - 1\n  b: 2\n"),
            "bad.yaml:3:3: did not find expected '-' indicator (while parsing a block collection at line 2, column 3)")
        XCTAssertEqual(error("a: \"unterminated\n"), "bad.yaml:2:1: found unexpected end of stream (while scanning a quoted scalar at line 1, column 4)")
        XCTAssertEqual(error("a: \u{07}\n"), "bad.yaml:1:4: control characters are not allowed")
    }

    func testInvalidUTF8() {
        var bytes = Array("a: 1\nb: é".utf8)
        bytes += [0xFF, 0x0A]
        XCTAssertThrowsError(try YAML.parseDocuments(bytes, file: "u.yaml")) { e in
            XCTAssertEqual("\(e)", "u.yaml:2:5: invalid UTF-8")
        }
        // Surrogates encoded in UTF-8 and overlong forms are not UTF-8 either.
        XCTAssertThrowsError(try YAML.parseDocuments(Array("x: ".utf8) + [0xED, 0xA0, 0x80], file: "u.yaml")) { e in
            XCTAssertEqual("\(e)", "u.yaml:1:4: invalid UTF-8")
        }
        XCTAssertThrowsError(try YAML.parseDocuments([0xC0, 0xAF], file: "u.yaml")) { e in
            XCTAssertEqual("\(e)", "u.yaml:1:1: invalid UTF-8")
        }
    }

    func testUnknownAndRecursiveAliases() {
        XCTAssertEqual(error("a: 1\nb: *nope\n"), "bad.yaml:2:4: unknown anchor 'nope' referenced")
        XCTAssertEqual(error("a: &x [1, *x]\n"), "bad.yaml:1:11: anchor 'x' value contains itself")
        XCTAssertEqual(error("a: &x 1\nb: &x {c: *x}\n"), "bad.yaml:2:11: anchor 'x' value contains itself")
        // Anchors do not carry over to the next document.
        XCTAssertEqual(error("a: &x 1\n---\nb: *x\n"), "bad.yaml:3:4: unknown anchor 'x' referenced")
    }

    func testAliasBombFailsFastAndBounded() {
        var yaml = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for i in 1...12 {
            let prev = "*a\(i - 1)"
            yaml += "a\(i): &a\(i) [\(Array(repeating: prev, count: 10).joined(separator: ", "))]\n"
        }
        let start = ContinuousClock.now
        let message = error(yaml)
        XCTAssertLessThan(ContinuousClock.now - start, .seconds(2))
        XCTAssertNotNil(message)
        XCTAssertTrue(message?.hasPrefix("bad.yaml:") ?? false, message ?? "")
        XCTAssertTrue(message?.hasSuffix("through aliases (alias bomb?)") ?? false, message ?? "")
    }

    func testAbsoluteValueLimit() {
        let yaml = "a: &a [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\nb: [*a, *a, *a]\n"
        do {
            _ = try YAML.parseDocuments(yaml, file: "b.yaml", options: YAMLOptions(maxValues: 30))
            XCTFail("expected the value limit to stop this document")
        } catch {
            XCTAssertEqual(error.description, "b.yaml:2:9: document expands to more than 30 values through aliases (alias bomb?)")
        }
        XCTAssertNoThrow(try YAML.parseDocuments(yaml, file: "b.yaml", options: YAMLOptions(maxValues: 100)))
    }

    func testDepthLimit() {
        let deep = String(repeating: "[", count: 50) + String(repeating: "]", count: 50)
        XCTAssertThrowsError(try YAML.parseDocuments(deep, file: "d.yaml", options: YAMLOptions(maxDepth: 20))) { e in
            XCTAssertEqual("\(e)", "d.yaml:1:21: nesting deeper than 20 levels")
        }
        XCTAssertNoThrow(try YAML.parseDocuments(deep, file: "d.yaml"))
    }

    func testErrorPrintsAsOneLine() {
        let e = YAMLError(SourceLocation(file: "apps/web.yaml", line: 14, column: 7), "duplicate key \"image\"")
        XCTAssertEqual(e.description, "apps/web.yaml:14:7: duplicate key \"image\"")
        XCTAssertEqual(e.located, LocatedError(e.location, e.message))
    }
}
