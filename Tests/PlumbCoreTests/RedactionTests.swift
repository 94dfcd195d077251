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

    func testChangesOfNonSecretKindsAreMaskedLikeSecretData() {
        let values = SensitiveValues(["postgres://app:hunter22@db/app"])
        let ref = ObjectRef(group: "", version: "v1", kind: "ConfigMap", namespace: "web", name: "settings")
        let leaking = FieldChange(path: "data.url", old: "postgres://old", new: "postgres://app:hunter22@db/app")
        let plain = FieldChange(path: "data.mode", old: "a", new: "b")
        let set = ChangeSet(
            [
                ObjectChange(
                    ref: ref, action: .failed, changes: [leaking, plain],
                    error: "Invalid value: \"postgres://app:hunter22@db/app\"")
            ])
        let masked = values.masked(set)
        XCTAssertEqual(masked.objects[0].changes[0].valueText, "(changed, 14 → 30 bytes masked)")
        XCTAssertEqual(masked.objects[0].changes[1], plain)
        XCTAssertEqual(masked.objects[0].error, "Invalid value: \"(30 bytes masked)\"")
        let diff = values.masked(
            ObjectDiff(
                ref: ref, changes: [leaking], before: ["data": ["url": "x"]],
                after: ["data": ["url": "postgres://app:hunter22@db/app"]]))
        XCTAssertFalse(values.leaks(diff.after!))
        XCTAssertEqual(diff.after, ["data": ["url": "(30 bytes masked)"]])
    }
}
