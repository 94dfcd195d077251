import Foundation
import PlumbCore
import PlumbManifests
import PlumbTesting
import PlumbYAML
import XCTest

/// SOPS decryption against files the real `sops` CLI encrypted (`fixtures/sops/`, from
/// getsops/sops' functional tests, with its PGP test key): each decrypts to the plaintext sops
/// ships beside it, compared as values; a changed file or a file without a MAC is an error
/// naming the file, never a half-decrypted file.
final class SopsTests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("fixtures/sops")

    var dir: TempDir!
    var pgpKeys: SopsKeys!

    override func setUpWithError() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/gpg") else {
            throw XCTSkip("gpg is not installed (Debian package gnupg)")
        }
        dir = try TempDir("plumb-sops")
        let home = dir.sub("gnupg")
        try FileManager.default.createDirectory(
            atPath: home, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        try runTool(
            "/usr/bin/gpg", ["--batch", "--quiet", "--import", Self.fixture("sops_functional_tests_key.asc").path],
            env: ["GNUPGHOME": home, "PATH": "/usr/bin:/bin"])
        pgpKeys = SopsKeys(gnupgHome: home)
    }

    override func tearDown() {
        // gpg-agent started for the temporary home ends with it.
        if let home = dir?.sub("gnupg") {
            _ = try? runTool(
                "/usr/bin/gpgconf", ["--kill", "gpg-agent"], env: ["GNUPGHOME": home, "PATH": "/usr/bin:/bin"],
                check: false)
        }
    }

    static func fixture(_ name: String) -> URL { fixtures.appendingPathComponent(name) }

    static func bytes(_ name: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: fixture(name))) }

    func yaml(_ bytes: [UInt8]) throws -> [Value] { try YAML.parseDocuments(bytes, file: "x.yaml").map(\.value) }

    func decrypt(_ name: String, keys: SopsKeys? = nil) throws -> SopsResult? {
        try Sops.decryptIfEncrypted(try Self.bytes(name), file: "repo/" + name, keys: keys ?? pgpKeys)
    }

    func testYAMLFixturesDecryptToSopsPlaintext() throws {
        let expected = try yaml(try Self.bytes("comments.yaml"))
        for name in ["comments.enc.yaml", "comments_unencrypted_comments.yaml"] {
            let result = try XCTUnwrap(try decrypt(name), name)
            XCTAssertEqual(try yaml(result.plaintext), expected, name)
            XCTAssertEqual(Set(result.secrets), ["ipsum", "sit"], name)
            XCTAssertFalse(String(decoding: result.plaintext, as: UTF8.self).contains("sops"), name)
        }
        let format = try XCTUnwrap(try decrypt("format.enc.yaml"))
        XCTAssertEqual(try yaml(format.plaintext), [["foo": "bar"]])
    }

    func testJSONAndDotenvFixtures() throws {
        let json = try XCTUnwrap(try decrypt("format.enc.json"))
        XCTAssertEqual(try JSONReader().parse(json.plaintext), ["foo": "bar"])
        XCTAssertEqual(json.secrets, ["bar"])
        // sops keeps the key as written (`foo `) and the value after `=` (` bar`).
        let env = try XCTUnwrap(try decrypt("format.enc.env"))
        XCTAssertEqual(String(decoding: env.plaintext, as: UTF8.self), "foo = bar\n")
    }

    func testMultipleRecipientsUseTheKeyThatIsThere() throws {
        // Two PGP recipients; only the first key is in the keyring.
        let result = try XCTUnwrap(try decrypt("multiple_keys.yaml"))
        let doc = try yaml(result.plaintext)
        XCTAssertEqual(doc.count, 1)
        XCTAssertEqual(doc[0].objectValue?.keys, ["message"])
        XCTAssertEqual(doc[0]["message"]?.stringValue.map { $0.utf8.count }, 5)
    }

    func testPlainFilesAreNotDecrypted() throws {
        for name in ["plainfile.yaml", "comments.yaml", "comments_list.yaml", "README.md"] {
            XCTAssertNil(try decrypt(name), name)
        }
        // A value that mentions sops, in a file without a sops section, is plain.
        XCTAssertNil(try Sops.decryptIfEncrypted(Array("a: sops\nb: [sops]\n".utf8), file: "a.yaml", keys: .none))
        XCTAssertNil(try Sops.decryptIfEncrypted(Array(#"{"a": "sops"}"#.utf8), file: "a.json", keys: .none))
    }

    func testNoMacIsRefused() throws {
        XCTAssertThrowsError(try decrypt("no_mac.yaml")) { error in
            XCTAssertTrue("\(error)".hasPrefix("repo/no_mac.yaml: sops: the file has no MAC"), "\(error)")
        }
    }

    func testChangedFilesAreRefusedWhole() throws {
        let text = String(decoding: try Self.bytes("comments.enc.yaml"), as: UTF8.self)
        // A value added without sops (unencrypted by its suffix) changes the MAC.
        let added = text.replacingOccurrences(of: "sops:\n", with: "note_unencrypted: added later\nsops:\n")
        XCTAssertThrowsError(try Sops.decryptIfEncrypted(Array(added.utf8), file: "c.yaml", keys: pgpKeys)) { error in
            XCTAssertEqual(
                "\(error)", "c.yaml: sops: MAC mismatch: the file's values were changed after it was encrypted")
        }
        // A value removed changes it too.
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let removed = lines.filter { !$0.hasPrefix("dolor:") }.joined(separator: "\n")
        XCTAssertThrowsError(try Sops.decryptIfEncrypted(Array(removed.utf8), file: "c.yaml", keys: pgpKeys)) { error in
            XCTAssertTrue("\(error)".contains("MAC mismatch"), "\(error)")
        }
        // An encrypted value moved to another key does not open (its path is its additional data).
        let lorem = lines.first { $0.hasPrefix("lorem:") }!.dropFirst("lorem: ".count)
        let dolor = lines.first { $0.hasPrefix("dolor:") }!.dropFirst("dolor: ".count)
        let swapped = lines.map { line -> String in
            if line.hasPrefix("lorem:") { return "lorem: " + dolor }
            if line.hasPrefix("dolor:") { return "dolor: " + lorem }
            return String(line)
        }.joined(separator: "\n")
        XCTAssertThrowsError(try Sops.decryptIfEncrypted(Array(swapped.utf8), file: "c.yaml", keys: pgpKeys)) { error in
            XCTAssertEqual(
                "\(error)",
                "c.yaml: sops: lorem: the value does not decrypt with the file's data key (it was changed or moved)")
        }
        // A changed lastmodified no longer opens the MAC.
        let redated = text.replacingOccurrences(of: "2020-10-07T15:49:13Z", with: "2020-10-07T15:49:14Z")
        XCTAssertThrowsError(try Sops.decryptIfEncrypted(Array(redated.utf8), file: "c.yaml", keys: pgpKeys))
    }

    func testWithoutTheKeyTheErrorNamesTheRecipients() throws {
        let emptyHome = dir.sub("empty-gnupg")
        try FileManager.default.createDirectory(
            atPath: emptyHome, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        XCTAssertThrowsError(try decrypt("format.enc.yaml", keys: SopsKeys(gnupgHome: emptyHome))) { error in
            let text = "\(error)"
            XCTAssertTrue(
                text.hasPrefix(
                    "repo/format.enc.yaml: sops: cannot decrypt the data key: pgp FBC7B9E2A4F9289AC0C1D4843D16CEE4A27381B4: "
                ), text)
        }
        XCTAssertThrowsError(try decrypt("format.enc.json", keys: SopsKeys.none))
        _ = try? runTool(
            "/usr/bin/gpgconf", ["--kill", "gpg-agent"], env: ["GNUPGHOME": emptyHome, "PATH": "/usr/bin:/bin"],
            check: false)
    }

    func testINIIsRefusedNotPassedThrough() throws {
        XCTAssertThrowsError(try decrypt("format.enc.ini")) { error in
            XCTAssertTrue("\(error)".contains("INI files encrypted by sops are not supported"), "\(error)")
        }
    }

    // MARK: age

    /// `comments.enc.yaml` with its data key wrapped for an age recipient by the real `age`
    /// instead of PGP: the values and MAC are sops' own, the key stanza age's own.
    func ageVersion(of name: String, recipient: String) throws -> [UInt8] {
        let text = String(decoding: try Self.bytes(name), as: UTF8.self)
        let begin = text.range(of: "-----BEGIN PGP MESSAGE-----")!.lowerBound
        let end = text.range(of: "-----END PGP MESSAGE-----")!.upperBound
        let message =
            text[begin..<end].split(separator: "\n", omittingEmptySubsequences: false).map {
                $0.trimmingCharacters(in: .whitespaces)
            }.joined(separator: "\n") + "\n"
        let home = dir.sub("gnupg")
        let key = dir.sub("datakey")
        try runTool(
            "/usr/bin/gpg", ["--batch", "--quiet", "--output", key, "--decrypt"],
            env: ["GNUPGHOME": home, "PATH": "/usr/bin:/bin"], input: Array(message.utf8))
        let wrapped = try runTool("/usr/bin/age", ["-r", recipient, "-a", key], env: [:]).stdout
        var doc = try yaml(try Self.bytes(name))[0]
        var sops = doc["sops"]!.objectValue!
        _ = sops.removeValue(forKey: "pgp")
        sops["age"] = [["recipient": .string(recipient), "enc": .string(wrapped)]]
        doc["sops"] = .object(sops)
        return Array(YAMLWriter().string(doc).utf8)
    }

    func keygen(_ name: String) throws -> (file: String, recipient: String, secret: String) {
        let file = dir.sub(name)
        try runTool("/usr/bin/age-keygen", ["-o", file], env: [:])
        let text = try String(contentsOfFile: file, encoding: .utf8)
        let lines = text.split(separator: "\n")
        let recipient = String(lines.first { $0.hasPrefix("# public key: ") }!.dropFirst("# public key: ".count))
        return (file, recipient, String(lines.first { $0.hasPrefix("AGE-SECRET-KEY-1") }!))
    }

    func testAgeRecipientFromKeyFileAndEnvironment() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/age") else {
            throw XCTSkip("age is not installed")
        }
        let me = try keygen("me.txt")
        let file = try ageVersion(of: "comments.enc.yaml", recipient: me.recipient)
        let expected = try yaml(try Self.bytes("comments.yaml"))
        let read: (String) throws -> [UInt8] = { [UInt8](try Data(contentsOf: URL(fileURLWithPath: $0))) }
        let fromFile = try SopsKeys.fromEnvironment(["SOPS_AGE_KEY_FILE": me.file], readFile: read)
        let fromFlag = try SopsKeys.fromEnvironment([:], ageKeyFiles: [me.file], readFile: read)
        let inline = try SopsKeys.fromEnvironment(["SOPS_AGE_KEY": "# mine\n" + me.secret + "\n"], readFile: read)
        for keys in [fromFile, fromFlag, inline] {
            XCTAssertEqual(keys.ageIdentities.count, 1)
            let result = try XCTUnwrap(try Sops.decryptIfEncrypted(file, file: "c.yaml", keys: keys))
            XCTAssertEqual(try yaml(result.plaintext), expected)
        }
        // Another identity: one error naming the recipient, no key material in it.
        let other = try keygen("other.txt")
        let keys = try SopsKeys.fromEnvironment(["SOPS_AGE_KEY_FILE": other.file], readFile: read)
        XCTAssertThrowsError(try Sops.decryptIfEncrypted(file, file: "c.yaml", keys: keys)) { error in
            let text = "\(error)"
            XCTAssertTrue(
                text.hasPrefix("c.yaml: sops: cannot decrypt the data key: age \(me.recipient): no identity matched"),
                text)
            XCTAssertFalse(text.contains("AGE-SECRET-KEY"), text)
        }
        XCTAssertThrowsError(try Sops.decryptIfEncrypted(file, file: "c.yaml", keys: .none)) { error in
            XCTAssertTrue("\(error)".contains("no age identity given"), "\(error)")
        }
    }

    func testSopsDefaultKeyFileIsReadWhenNothingElseIsGiven() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/age-keygen") else {
            throw XCTSkip("age is not installed")
        }
        let config = dir.sub("config")
        try FileManager.default.createDirectory(atPath: config + "/sops/age", withIntermediateDirectories: true)
        try runTool("/usr/bin/age-keygen", ["-o", config + "/sops/age/keys.txt"], env: [:])
        let read: (String) throws -> [UInt8] = { [UInt8](try Data(contentsOf: URL(fileURLWithPath: $0))) }
        XCTAssertEqual(try SopsKeys.fromEnvironment(["XDG_CONFIG_HOME": config], readFile: read).ageIdentities.count, 1)
        // Absent, it is not an error; an explicit file wins over it.
        XCTAssertEqual(try SopsKeys.fromEnvironment(["HOME": dir.sub("nohome")], readFile: read).ageIdentities.count, 0)
        try runTool("/usr/bin/age-keygen", ["-o", dir.sub("explicit.txt")], env: [:])
        let explicit = try SopsKeys.fromEnvironment(
            ["XDG_CONFIG_HOME": config, "SOPS_AGE_KEY_FILE": dir.sub("explicit.txt")], readFile: read)
        let expected = try AgeIdentity.parseFile(try String(contentsOfFile: dir.sub("explicit.txt"), encoding: .utf8))
        XCTAssertEqual(explicit.ageIdentities.map(\.recipient), expected.map(\.recipient))
    }

    func testKeyFileErrorsNameTheFileNotTheContent() throws {
        let bad = dir.sub("bad.txt")
        try "AGE-SECRET-KEY-1NOTAKEY\n".write(toFile: bad, atomically: true, encoding: .utf8)
        let read: (String) throws -> [UInt8] = { [UInt8](try Data(contentsOf: URL(fileURLWithPath: $0))) }
        XCTAssertThrowsError(try SopsKeys.fromEnvironment(["SOPS_AGE_KEY_FILE": bad], readFile: read)) { error in
            XCTAssertEqual("\(error)", "\(bad): line 1 is not an age X25519 identity (AGE-SECRET-KEY-1...)")
        }
        XCTAssertThrowsError(try SopsKeys.fromEnvironment([:], ageKeyFiles: [dir.sub("missing")], readFile: read)) {
            error in
            XCTAssertTrue("\(error)".hasPrefix("\(dir.sub("missing")): cannot read the age key file"), "\(error)")
        }
    }
}

/// Files made with `Sops.encrypt` (the data key wrapped by the real `age`) open again, with
/// `encrypted_regex` leaving the rest of a Kubernetes object in clear.
final class SopsEncryptTests: XCTestCase {
    func testKubernetesObjectWithEncryptedRegex() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/age") else {
            throw XCTSkip("age is not installed")
        }
        let dir = try TempDir("plumb-sops-enc")
        try runTool("/usr/bin/age-keygen", ["-o", dir.sub("key.txt")], env: [:])
        let keyText = try String(contentsOfFile: dir.sub("key.txt"), encoding: .utf8)
        let recipient = String(keyText.split(separator: "\n").first { $0.hasPrefix("# public key: ") }!.dropFirst(14))
        let dataKey = (0..<32).map { _ in UInt8.random(in: 0...255) }
        _ = FileManager.default.createFile(atPath: dir.sub("dk"), contents: Data(dataKey))
        let wrapped = try runTool("/usr/bin/age", ["-r", recipient, "-a", dir.sub("dk")], env: [:]).stdout
        let object: Value = [
            "apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "settings", "namespace": "web"],
            "data": ["url": "postgres://app:Sup3r-S3cret@db/app", "empty": "", "list": ["one-secret", "two-secret"]],
            "spec": ["replicas": 3, "enabled": true, "ratio": 0.5],
        ]
        let encrypted = try Sops.encrypt(
            object, dataKey: dataKey, age: [.init(recipient: recipient, enc: wrapped)],
            lastModified: "2026-01-02T03:04:05Z",
            encryptedRegex: "^(data|stringData)$")
        let text = YAMLWriter().string(encrypted)
        XCTAssertFalse(text.contains("Sup3r-S3cret"))
        XCTAssertTrue(text.contains("name: settings"), text)
        XCTAssertTrue(text.contains("replicas: 3"), text)
        let keys = try SopsKeys.fromEnvironment(
            ["SOPS_AGE_KEY_FILE": dir.sub("key.txt")],
            readFile: { [UInt8](try Data(contentsOf: URL(fileURLWithPath: $0))) })
        let result = try XCTUnwrap(try Sops.decryptIfEncrypted(Array(text.utf8), file: "cm.yaml", keys: keys))
        XCTAssertEqual(try YAML.parseDocuments(result.plaintext, file: "cm.yaml").map(\.value), [object])
        XCTAssertEqual(Set(result.secrets), ["postgres://app:Sup3r-S3cret@db/app", "one-secret", "two-secret"])
        // sops' binary store (any other extension): the plaintext is the data value itself.
        let pem = "-----BEGIN PRIVATE KEY-----\nMIIBVAIBADANBgkqhkiG9w0BAQEFAASCAT4wggE6\n-----END PRIVATE KEY-----\n"
        let binary = try Sops.encrypt(
            ["data": .string(pem)], dataKey: dataKey, age: [.init(recipient: recipient, enc: wrapped)],
            lastModified: "2026-01-02T03:04:05Z")
        let binaryFile = try JSONWriter(style: .pretty(indent: 4)).bytes(binary)
        let opened = try XCTUnwrap(try Sops.decryptIfEncrypted(binaryFile, file: "certs/tls.key", keys: keys))
        XCTAssertEqual(String(decoding: opened.plaintext, as: UTF8.self), pem)
        // The same bytes named .json are a JSON document with a data key.
        let asJSON = try XCTUnwrap(try Sops.decryptIfEncrypted(binaryFile, file: "tls.json", keys: keys))
        XCTAssertEqual(try JSONReader().parse(asJSON.plaintext), ["data": .string(pem)])
        // A value outside the regex changed in clear breaks the MAC.
        let changed = text.replacingOccurrences(of: "replicas: 3", with: "replicas: 4")
        XCTAssertThrowsError(try Sops.decryptIfEncrypted(Array(changed.utf8), file: "cm.yaml", keys: keys)) { error in
            XCTAssertTrue("\(error)".contains("MAC mismatch"), "\(error)")
        }
        // With mac_only_encrypted the MAC covers the encrypted values only: a value in clear may
        // change, an encrypted one may not.
        let macOnly = YAMLWriter().string(
            try Sops.encrypt(
                object, dataKey: dataKey, age: [.init(recipient: recipient, enc: wrapped)],
                lastModified: "2026-01-02T03:04:05Z",
                encryptedRegex: "^(data|stringData)$", macOnlyEncrypted: true))
        XCTAssertTrue(macOnly.contains("mac_only_encrypted: true"), macOnly)
        let clearChanged = macOnly.replacingOccurrences(of: "replicas: 3", with: "replicas: 4")
        let reopened = try XCTUnwrap(try Sops.decryptIfEncrypted(Array(clearChanged.utf8), file: "cm.yaml", keys: keys))
        XCTAssertEqual(
            try YAML.parseDocuments(reopened.plaintext, file: "cm.yaml").map(\.value)[0]["spec"]?["replicas"], 4)
        let dropped = macOnly.split(separator: "\n").filter { !$0.contains("- ENC[") }.joined(separator: "\n")
        XCTAssertThrowsError(try Sops.decryptIfEncrypted(Array(dropped.utf8), file: "cm.yaml", keys: keys))
    }
}
