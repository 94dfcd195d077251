import Foundation
import PlumbManifests
import PlumbTesting
import XCTest

/// Plumb's age decryption against Debian's `age` and `age-keygen`: files the real CLI encrypts
/// (binary and armored, empty to several STREAM chunks, several recipients) open with Plumb's
/// code to the same bytes; a wrong key or a changed byte is refused.
final class AgeTests: XCTestCase {
    struct Key {
        var identity: AgeIdentity
        var recipient: String
        var file: String
    }

    var dir: TempDir!

    override func setUpWithError() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/age") else {
            throw XCTSkip("age is not installed (Debian package age)")
        }
        dir = try TempDir("plumb-age")
    }

    func keygen(_ name: String) throws -> Key {
        let file = dir.sub(name + ".txt")
        try runTool("/usr/bin/age-keygen", ["-o", file], env: [:])
        let text = try String(contentsOfFile: file, encoding: .utf8)
        let identities = try AgeIdentity.parseFile(text)
        XCTAssertEqual(identities.count, 1)
        let recipient = text.split(separator: "\n").first { $0.hasPrefix("# public key: ") }!.dropFirst(
            "# public key: ".count)
        return Key(identity: identities[0], recipient: String(recipient), file: file)
    }

    func encrypt(_ plaintext: [UInt8], to recipients: [String], armor: Bool) throws -> [UInt8] {
        let input = dir.sub("plain-\(UUID().uuidString)")
        let output = input + ".age"
        _ = FileManager.default.createFile(atPath: input, contents: Data(plaintext))
        var args = recipients.flatMap { ["-r", $0] }
        if armor { args.append("-a") }
        try runTool("/usr/bin/age", args + ["-o", output, input], env: [:])
        return [UInt8](try Data(contentsOf: URL(fileURLWithPath: output)))
    }

    func testIdentityGivesTheRecipientAgeKeygenPrints() throws {
        for i in 0..<3 {
            let key = try keygen("k\(i)")
            XCTAssertEqual(key.identity.recipient, key.recipient)
        }
    }

    func testDecryptsWhatAgeEncryptsAtEveryChunkBoundary() throws {
        let key = try keygen("me")
        var generator = SystemRandomNumberGenerator()
        for size in [0, 1, 32, 65_535, 65_536, 65_537, 131_072, 200_000] {
            let plaintext = (0..<size).map { _ in UInt8.random(in: 0...255, using: &generator) }
            for armor in [false, true] {
                let file = try encrypt(plaintext, to: [key.recipient], armor: armor)
                if armor {
                    XCTAssertTrue(
                        String(decoding: file.prefix(40), as: UTF8.self).hasPrefix("-----BEGIN AGE ENCRYPTED FILE-----")
                    )
                }
                let opened = try Age.decrypt(file, identities: [key.identity])
                XCTAssertEqual(opened, plaintext, "size \(size), armor \(armor)")
            }
        }
    }

    func testSeveralRecipientsAndIdentities() throws {
        let a = try keygen("a")
        let b = try keygen("b")
        let c = try keygen("c")
        let plaintext = Array("the data key of a sops file.....".utf8)
        let file = try encrypt(plaintext, to: [a.recipient, b.recipient], armor: true)
        XCTAssertEqual(try Age.decrypt(file, identities: [b.identity]), plaintext)
        XCTAssertEqual(try Age.decrypt(file, identities: [c.identity, a.identity]), plaintext)
        XCTAssertThrowsError(try Age.decrypt(file, identities: [c.identity])) { error in
            XCTAssertTrue("\(error)".contains("no identity matched"), "\(error)")
        }
    }

    func testAChangedByteIsRefused() throws {
        let key = try keygen("me")
        let plaintext = Array(repeating: UInt8(ascii: "x"), count: 70_000)
        let file = try encrypt(plaintext, to: [key.recipient], armor: false)
        // A byte of the header (inside the stanza body), of the header MAC, and of the payload.
        let macLine =
            (0..<(file.count - 4)).first { file[$0] == 10 && file[($0 + 1)...($0 + 3)].elementsEqual("---".utf8) }! + 1
        for offset in [macLine - 5, macLine + 6, file.count - 20, file.count / 2] {
            var changed = file
            changed[offset] ^= 0x01
            XCTAssertThrowsError(try Age.decrypt(changed, identities: [key.identity]), "offset \(offset)")
        }
        // A truncated file (the last chunk cut) is refused, not half-returned.
        XCTAssertThrowsError(try Age.decrypt(Array(file.dropLast(100)), identities: [key.identity]))
    }

    func testIdentityFileParsing() throws {
        let key = try keygen("me")
        let text = try String(contentsOfFile: key.file, encoding: .utf8)
        XCTAssertEqual(try AgeIdentity.parseFile("\n# comment\n" + text + "\n\n").count, 1)
        XCTAssertThrowsError(try AgeIdentity.parseFile(text + "\nnot a key\n")) { error in
            XCTAssertEqual("\(error)", "line 5 is not an age X25519 identity (AGE-SECRET-KEY-1...)")
        }
        // A checksum error is caught.
        let line = text.split(separator: "\n").last!
        var broken = Array(line.utf8)
        broken[broken.count - 1] = broken[broken.count - 1] == UInt8(ascii: "Q") ? UInt8(ascii: "P") : UInt8(ascii: "Q")
        XCTAssertNil(AgeIdentity(String(decoding: broken, as: UTF8.self)))
        XCTAssertNotNil(AgeIdentity(String(line)))
    }
}
