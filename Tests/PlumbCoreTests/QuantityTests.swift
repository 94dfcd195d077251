import PlumbCore
import XCTest

final class QuantityTests: XCTestCase {
    /// Input and the canonical form kube-apiserver writes back (resource.Quantity.String()).
    static let canonical: [(String, String)] = [
        ("0", "0"), ("-0", "0"), ("0Gi", "0"), ("0.0m", "0"),
        ("1", "1"), ("-1", "-1"),
        ("100m", "100m"), ("1000m", "1"), ("1500m", "1500m"), ("-1500m", "-1500m"),
        ("1.5", "1500m"), ("0.5", "500m"), (".5", "500m"),
        ("1000", "1k"), ("1k", "1k"), ("1000k", "1M"), ("1M", "1M"), ("1500", "1500"), ("2500k", "2500k"),
        ("1u", "1u"), ("1000u", "1m"), ("1n", "1n"), ("0.1n", "1n"), ("1.5n", "2n"), ("-0.1n", "-1n"),
        ("1Ki", "1Ki"), ("100Ki", "100Ki"), ("1023Ki", "1023Ki"), ("0.5Ki", "512"), ("1.5Ki", "1536"),
        ("1024Mi", "1Gi"), ("1536Mi", "1536Mi"), ("2048Ki", "2Mi"), ("0.5Gi", "512Mi"), ("1.5Gi", "1536Mi"),
        ("1Gi", "1Gi"), ("2Gi", "2Gi"), ("-1Gi", "-1Gi"), ("1024Ti", "1Pi"), ("5Ei", "5Ei"), ("512", "512"),
        ("1e3", "1e3"), ("12e2", "1200"), ("1e-3", "1e-3"), ("1.5e3", "1500"), ("100e-2", "1"),
        ("1E", "1E"), ("1P", "1P"), ("1T", "1T"), ("1G", "1G"),
        // Binary amounts are capped at the largest int64.
        ("8Ei", "9223372036854775807"), ("10Ei", "9223372036854775807"),
    ]

    /// The server's parser keeps text it finds already canonical, even when the computed
    /// canonical form differs (its fast path caches the input string).
    static let keptAsWritten: [(String, String)] = [
        ("+1", "1"), ("007", "7"), ("1.", "1"), ("1.G", "1G"), ("1E3", "1e3"), ("1e0", "1"), ("1e+6", "1e6"),
    ]

    func testCanonicalForms() throws {
        for (input, expected) in Self.canonical {
            XCTAssertEqual(try Quantity(parsing: input).canonical, expected, input)
            XCTAssertEqual(try Quantity(parsing: input).computedCanonical, expected, input)
        }
        for (input, computed) in Self.keptAsWritten {
            XCTAssertEqual(try Quantity(parsing: input).canonical, input, input)
            XCTAssertEqual(try Quantity(parsing: input).computedCanonical, computed, input)
            XCTAssertEqual(try Quantity(parsing: input), try Quantity(parsing: computed), input)
        }
    }

    func testCanonicalFormIsStable() throws {
        for (input, _) in Self.canonical + Self.keptAsWritten {
            let q = try Quantity(parsing: input)
            XCTAssertEqual(try Quantity(parsing: q.canonical), q, input)
            XCTAssertEqual(try Quantity(parsing: q.canonical).canonical, q.canonical, input)
        }
    }

    func testRejectsWhatTheServerRejects() {
        for bad in ["", "1Gb", "1 Gi", " 1", "abc", "1.2.3", "1e", "1e1.5", "1ki", "1K", "--1", "1Mi5", "1e++2", String(repeating: "9", count: 40), "99999999999999999999Ei"] {
            XCTAssertThrowsError(try Quantity(parsing: bad), bad)
        }
    }

    func testEqualityAndOrderAreByValue() throws {
        let equal: [(String, String)] = [("1000m", "1"), ("1Gi", "1073741824"), ("1e3", "1k"), ("0.5", "500m"), ("1Ki", "1024")]
        for (a, b) in equal {
            XCTAssertEqual(try Quantity(parsing: a), try Quantity(parsing: b), "\(a) == \(b)")
            XCTAssertEqual(try Quantity(parsing: a).hashValue, try Quantity(parsing: b).hashValue)
        }
        let ascending = ["-1Gi", "-1", "0", "1n", "1m", "999m", "1", "1k", "1Ki", "1Mi", "1G", "1Gi", "1E", "1Ei"]
        let parsed = try ascending.map { try Quantity(parsing: $0) }
        XCTAssertEqual(parsed.shuffled().sorted(), parsed)
        XCTAssertNotEqual(try Quantity(parsing: "1"), try Quantity(parsing: "1001m"))
    }

    /// The resources of ssa-create-deployment come back canonical: `1000m` → `1`, `1024Mi` → `1Gi`.
    func testKubeWireCreateDeploymentResources() throws {
        let config = try KubeWire.applyConfig("ssa-create-deployment")
        let response = try KubeWire.response("ssa-create-deployment")
        let container = ["spec", "template", "spec", "containers"]
        let sent = try XCTUnwrap(config[path: container]?.arrayValue?.first?["resources"])
        let stored = try XCTUnwrap(response[path: container]?.arrayValue?.first?["resources"])
        XCTAssertNotEqual(sent, stored)
        XCTAssertEqual(Normalize.canonicalQuantities(.object(["resources": sent].valueObject))["resources"], stored)
    }
}

extension Dictionary where Key == String, Value == PlumbCore.Value {
    var valueObject: ValueObject {
        var o = ValueObject()
        for (k, v) in self { o[k] = v }
        return o
    }
}
