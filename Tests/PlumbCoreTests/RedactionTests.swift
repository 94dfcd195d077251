import PlumbCore
import XCTest

final class RedactionTests: XCTestCase {
    func testEveryOccurrenceIsMaskedWithTheSecretMask() {
        let values = SensitiveValues(["hunter22", "s3cr3t-token"])
        XCTAssertEqual(
            values.redact("password=hunter22 token: s3cr3t-token, again hunter22"),
            "password=(8 bytes masked) token: (12 bytes masked), again (8 bytes masked)")
        XCTAssertFalse(values.leaks(values.redact("hunter22 s3cr3t-token")))
        XCTAssertEqual(values.redact("nothing here"), "nothing here")
    }

    func testLongerValuesWinOverTheirParts() {
        let values = SensitiveValues(["abcd", "abcdefgh"])
        XCTAssertEqual(values.redact("x abcdefgh y abcd"), "x (8 bytes masked) y (4 bytes masked)")
    }

    func testShortValuesAreNotMaskedAlone() {
        let values = SensitiveValues(["1", "yes", "True"])
        XCTAssertEqual(values.values, ["True"])
        XCTAssertEqual(values.redact("replicas: 1, enabled: yes"), "replicas: 1, enabled: yes")
    }

    func testLinesAndBase64FormsAreMaskedToo() {
        // A multi-line value can be printed a line at a time; a Secret's data holds it in base64.
        let pem = "-----BEGIN KEY-----\nMIIBOgIBAAJBAKj34GkxFhD9\n-----END KEY-----"
        let values = SensitiveValues([pem, "aHVudGVyMjJodW50ZXIyMg=="])
        XCTAssertEqual(values.redact("+ MIIBOgIBAAJBAKj34GkxFhD9"), "+ (24 bytes masked)")
        XCTAssertEqual(values.redact("decoded: hunter22hunter22"), "decoded: (16 bytes masked)")
        XCTAssertFalse(values.redact(pem).contains("MIIB"))
    }
}
