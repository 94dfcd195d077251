import PlumbCore
import XCTest

@testable import PlumbManifests

/// sops' rules for which values are encrypted, and the text it hashes for the MAC, as
/// getsops/sops' sops.go (`shouldBeEncrypted`, `ToBytes`) has them.
final class SopsRulesTests: XCTestCase {
    func tree(
        unencryptedSuffix: String? = nil, encryptedSuffix: String? = nil, unencryptedRegex: String? = nil,
        encryptedRegex: String? = nil
    ) throws -> SopsTree {
        let metadata = SopsMetadata(
            keyGroups: [], lastModified: "2026-01-01T00:00:00Z", mac: nil, unencryptedSuffix: unencryptedSuffix,
            encryptedSuffix: encryptedSuffix, unencryptedRegex: unencryptedRegex, encryptedRegex: encryptedRegex,
            macOnlyEncrypted: false)
        return try SopsTree(metadata: metadata, dataKey: [UInt8](repeating: 1, count: 32))
    }

    func testRulesLookAtEveryKeyOfThePath() throws {
        let suffix = try tree(unencryptedSuffix: "_unencrypted")
        XCTAssertTrue(suffix.shouldBeEncrypted(["a", "b"]))
        XCTAssertFalse(suffix.shouldBeEncrypted(["a_unencrypted", "b"]))
        XCTAssertFalse(suffix.shouldBeEncrypted(["a", "b_unencrypted"]))

        let encSuffix = try tree(encryptedSuffix: "_secret")
        XCTAssertFalse(encSuffix.shouldBeEncrypted(["a", "b"]))
        XCTAssertTrue(encSuffix.shouldBeEncrypted(["db_secret", "password"]))

        // Regexes match anywhere in a key unless anchored (Go's regexp.Match).
        let encRegex = try tree(encryptedRegex: "^(data|stringData)$")
        XCTAssertTrue(encRegex.shouldBeEncrypted(["data", "url"]))
        XCTAssertTrue(encRegex.shouldBeEncrypted(["stringData", "password"]))
        XCTAssertFalse(encRegex.shouldBeEncrypted(["metadata", "name"]))
        XCTAssertFalse(encRegex.shouldBeEncrypted(["binaryData", "x"]))

        let unencRegex = try tree(unencryptedRegex: "name")
        XCTAssertFalse(unencRegex.shouldBeEncrypted(["metadata", "name"]))
        XCTAssertFalse(unencRegex.shouldBeEncrypted(["metadata", "namespace"]))
        XCTAssertTrue(unencRegex.shouldBeEncrypted(["data", "password"]))

        XCTAssertThrowsError(try tree(encryptedRegex: "(unclosed"))
    }

    func testMacBytesAreGoToBytes() {
        XCTAssertEqual(SopsTree.macBytes(.bool(true)), "True")
        XCTAssertEqual(SopsTree.macBytes(.bool(false)), "False")
        XCTAssertEqual(SopsTree.macBytes(.int(-42)), "-42")
        XCTAssertEqual(SopsTree.macBytes(.string("x y")), "x y")
        // strconv.FormatFloat(f, 'f', -1, 64)
        let floats: [(Double, String)] = [
            (1.0, "1"), (0.5, "0.5"), (-0.25, "-0.25"), (123.456, "123.456"), (1e21, "1000000000000000000000"),
            (1.5e-7, "0.00000015"), (100, "100"), (0.1, "0.1"), (3.0e10, "30000000000"), (2.5e-3, "0.0025"),
        ]
        for (d, text) in floats { XCTAssertEqual(SopsTree.goFormatFloat(d), text, "\(d)") }
    }

    func testMetadataRefusesWhatSopsRefuses() {
        let both: Value = ["lastmodified": "x", "mac": "y", "encrypted_regex": "a", "unencrypted_suffix": "b"]
        XCTAssertThrowsError(try SopsMetadata.parse(both))
        let comments: Value = ["lastmodified": "x", "encrypted_comment_regex": "sops:enc"]
        XCTAssertThrowsError(try SopsMetadata.parse(comments))
        // No rule at all: sops' default unencrypted suffix.
        let none = try? SopsMetadata.parse(["lastmodified": "2020-01-01T00:00:00.5+00:00"])
        XCTAssertEqual(none?.unencryptedSuffix, "_unencrypted")
        XCTAssertEqual(none?.macAdditionalData, "2020-01-01T00:00:00Z")
        // Several key groups are Shamir shares.
        let groups: Value = ["lastmodified": "x", "key_groups": [["age": []], ["age": []]]]
        let metadata = try? SopsMetadata.parse(groups)
        XCTAssertEqual(metadata?.keyGroups.count, 2)
        XCTAssertThrowsError(try SopsDataKey.recover(metadata!, keys: .none)) { error in
            XCTAssertTrue((error as? SopsFailure)?.message.contains("Shamir") == true)
        }
    }
}
