import PlumbCore
import PlumbYAML
import XCTest

/// What kubectl (sigs.k8s.io/yaml on its go-yaml v2 fork) makes of each scalar.
final class ScalarTypingTests: XCTestCase {
    static let table: [(yaml: String, expected: Value)] = [
        // YAML 1.1 booleans, every spelling go-yaml v2 knows.
        ("y", true), ("Y", true), ("yes", true), ("Yes", true), ("YES", true),
        ("n", false), ("N", false), ("no", false), ("No", false), ("NO", false),
        ("true", true), ("True", true), ("TRUE", true),
        ("false", false), ("False", false), ("FALSE", false),
        ("on", true), ("On", true), ("ON", true),
        ("off", false), ("Off", false), ("OFF", false),
        ("yES", "yES"), ("tRUE", "tRUE"), ("nO", "nO"), ("oFF", "oFF"), ("FaLsE", "FaLsE"), ("NuLL", "NuLL"), ("nope", "nope"), ("onion", "onion"),
        // Nulls.
        ("~", nil), ("null", nil), ("Null", nil), ("NULL", nil), ("", nil), ("nULL", "nULL"),
        // Integers: Go's ParseInt with base 0 after dropping underscores.
        ("0", 0), ("42", 42), ("-17", -17), ("+1", 1), ("-0", 0),
        ("0x1F", 31), ("0X1f", 31), ("-0x10", -16), ("0o17", 15), ("0O17", 15), ("0777", 511),
        ("0b1010", 10), ("-0b11", -3), ("1_000", 1000), ("1_000_000", 1_000_000), ("0x_FF", 255),
        ("9223372036854775807", .int(Int64.max)), ("-9223372036854775808", .int(Int64.min)),
        ("9223372036854775808", .double(9_223_372_036_854_775_808.0)),
        ("18446744073709551615", .double(18_446_744_073_709_551_615.0)),
        ("08", .double(8)), ("09.5", 9.5), ("0x", "0x"), ("0xFFFFFFFFFFFFFFFFFF", "0xFFFFFFFFFFFFFFFFFF"), ("0xFFFFFFFFFFFFFFFF", .double(18_446_744_073_709_551_615.0)), ("+", "+"), ("1__0", 10),
        // Floats.
        ("1.5", 1.5), ("1.10", 1.1), (".5", 0.5), ("-.5", -0.5), ("+.5", 0.5), ("1.0", 1.0),
        ("1e3", 1000.0), ("1E+3", 1000.0), ("1.5e-3", 0.0015), ("1.", 1.0), (".5e3", 500.0),
        ("1_000.5", 1000.5), ("1.0e+999", "1.0e+999"), (".", "."), (".5.5", ".5.5"),
        (".inf", .double(.infinity)), (".Inf", .double(.infinity)), (".INF", .double(.infinity)),
        ("+.inf", .double(.infinity)), ("-.inf", .double(-.infinity)), ("-.Inf", .double(-.infinity)),
        (".nan", .double(.nan)), (".NaN", .double(.nan)), (".NAN", .double(.nan)), (".Nan", ".Nan"),
        ("inf", "inf"), ("nan", "nan"),
        (".iNF", ".iNF"), ("-.nan", "-.nan"), ("+.nan", "+.nan"), ("+.INF", .double(.infinity)),
        // Things that stay strings in kubectl.
        ("190:20:30", "190:20:30"), ("12:30", "12:30"), ("2001-12-14", "2001-12-14"),
        ("2001-12-14T21:59:43.10-05:00", "2001-12-14T21:59:43.10-05:00"), ("1.2.3", "1.2.3"),
        ("v1", "v1"), ("nginx:1.25", "nginx:1.25"), ("10Mi", "10Mi"), ("100m", "100m"),
        ("<<", "<<"), ("=", "="), ("-1-", "-1-"), ("0.0.0.0/0", "0.0.0.0/0"),
        // Quoted, literal and folded scalars stay strings.
        ("\"yes\"", "yes"), ("'true'", "true"), ("\"0x1F\"", "0x1F"), ("'123'", "123"),
        ("\"null\"", "null"), ("''", ""), ("\"1.10\"", "1.10"), ("\"~\"", "~"),
        ("|-\n  42", "42"), (">-\n  no", "no"),
        // Tags.
        ("!!str 123", "123"), ("!!str yes", "yes"), ("!!int \"12\"", 12), ("!!float 1", 1.0),
        ("!!float \"2.5\"", 2.5), ("!!bool \"yes\"", true), ("!!null ''", nil),
        ("!!binary aGVsbG8=", "hello"), ("!foo 12", "12"), ("!foo yes", "yes"), ("! 12", "12"),
        ("!!timestamp 2001-12-14", "2001-12-14"), ("!!int 18446744073709551615", .double(18_446_744_073_709_551_615.0)),
    ]

    func testScalarTable() throws {
        XCTAssertGreaterThanOrEqual(Self.table.count, 40)
        for (yaml, expected) in Self.table {
            let docs = try YAML.parseDocuments("v: \(yaml)\n", file: "t.yaml")
            XCTAssertEqual(docs.count, 1, yaml)
            let got = docs.first?.value["v"]
            XCTAssertEqual(got, expected, "v: \(yaml)")
            // Int and double are different values; equality already checks the case.
            if case .double = expected, case .int = got { XCTFail("\(yaml) should be a double") }
        }
    }

    func testTagMismatchIsAnError() {
        XCTAssertThrowsError(try YAML.parseDocuments("a: 1\nb: !!int abc\n", file: "t.yaml")) { e in
            XCTAssertEqual("\(e)", "t.yaml:2:4: cannot decode !!str `abc` as a !!int")
        }
        XCTAssertThrowsError(try YAML.parseDocuments("b: !!bool 1\n", file: "t.yaml")) { e in
            XCTAssertEqual("\(e)", "t.yaml:1:4: cannot decode !!int `1` as a !!bool")
        }
        XCTAssertThrowsError(try YAML.parseDocuments("b: !!int 08\n", file: "t.yaml")) { e in
            XCTAssertEqual("\(e)", "t.yaml:1:4: cannot decode !!float `08` as a !!int")
        }
        XCTAssertThrowsError(try YAML.parseDocuments("b: !!binary '%%%'\n", file: "t.yaml")) { e in
            XCTAssertEqual("\(e)", "t.yaml:1:4: !!binary value contains invalid base64 data")
        }
    }

    func testKeysBecomeStrings() throws {
        let yaml = """
            1: int
            true: bool
            1.5: float
            0x10: hex
            ~x: plain
            1e6: big
            .inf: inf
            "quoted": q

            """
        let v = try YAML.parseDocuments(yaml, file: "k.yaml")[0].value
        XCTAssertEqual(v.objectValue?.keys, ["1", "true", "1.5", "16", "~x", "1e+06", ".inf", "quoted"])
        XCTAssertEqual(v["1"], "int")
    }

    func testKeysThatCannotBeStrings() {
        XCTAssertThrowsError(try YAML.parseDocuments("a: 1\n~: x\n", file: "k.yaml")) { e in
            XCTAssertEqual("\(e)", "k.yaml:2:1: map key must be a string, number or boolean, not null")
        }
        XCTAssertThrowsError(try YAML.parseDocuments("? [a, b]\n: x\n", file: "k.yaml")) { e in
            XCTAssertEqual("\(e)", "k.yaml:1:3: map key must be a string, number or boolean, not a list")
        }
        XCTAssertThrowsError(try YAML.parseDocuments("{a: 1}: x\n", file: "k.yaml")) { e in
            XCTAssertEqual("\(e)", "k.yaml:1:1: map key must be a string, number or boolean, not a map")
        }
    }
}
