import Foundation
import PlumbController
import PlumbCore
import PlumbGit
import XCTest

/// An Application's secretRef Secret in the forms `plumb render` takes.
final class GitCredentialsSecretTests: XCTestCase {
    func secret(_ data: [String: String]) -> Value {
        var d = ValueObject()
        for (k, v) in data.sorted(by: { $0.key < $1.key }) { d[k] = .string(Data(v.utf8).base64EncodedString()) }
        return ["apiVersion": "v1", "kind": "Secret", "metadata": ["name": "git", "namespace": "team-a"], "data": .object(d)]
    }

    func testUsernameAndPasswordStayInMemory() throws {
        let base = GitSourceOptions(cacheDirectory: "/tmp/c")
        let o = try GitCredentialsSecret.options(secret(["username": "ada", "password": "s3cret"]), base: base, scratch: "/nonexistent")
        XCTAssertEqual(o.credentials, .basic(username: "ada", password: .environment("PLUMB_GIT_PASSWORD")))
        XCTAssertEqual(o.environment, ["PLUMB_GIT_PASSWORD": "s3cret"], "the process environment is not used")
        XCTAssertEqual(o.cacheDirectory, "/tmp/c")
    }

    func testBearerToken() throws {
        let o = try GitCredentialsSecret.options(secret(["bearerToken": "tok"]), base: GitSourceOptions(), scratch: "/nonexistent")
        XCTAssertEqual(o.credentials, .token(.environment("PLUMB_GIT_TOKEN"), username: "x-access-token"))
        XCTAssertEqual(o.environment["PLUMB_GIT_TOKEN"], "tok")
    }

    func testIdentityAndKnownHostsGoToPrivateFiles() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("plumb-cred-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let o = try GitCredentialsSecret.options(
            secret(["identity": "-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----", "known_hosts": "h ssh-ed25519 AAAA\n"]),
            base: GitSourceOptions(), scratch: dir)
        let key = try XCTUnwrap(o.ssh.privateKeyPath)
        XCTAssertTrue(try String(contentsOfFile: key, encoding: .utf8).hasSuffix("-----\n"))
        let mode = (try FileManager.default.attributesOfItem(atPath: key)[.posixPermissions] as? NSNumber)?.intValue
        XCTAssertEqual(mode, 0o600)
        XCTAssertEqual(try String(contentsOfFile: o.ssh.knownHostsPath, encoding: .utf8), "h ssh-ed25519 AAAA\n")
        XCTAssertTrue(o.ssh.strictHostKeyChecking)
    }

    func testUnusableSecretsSayWhy() {
        XCTAssertThrowsError(try GitCredentialsSecret.options(secret(["password": "x"]), base: GitSourceOptions(), scratch: "/x")) {
            XCTAssertEqual("\($0)", "Secret team-a/git: password needs username")
        }
        XCTAssertThrowsError(try GitCredentialsSecret.options(secret(["identity": "k"]), base: GitSourceOptions(), scratch: "/x")) {
            XCTAssertTrue("\($0)".contains("identity needs known_hosts"))
        }
        XCTAssertThrowsError(try GitCredentialsSecret.options(secret(["other": "x"]), base: GitSourceOptions(), scratch: "/x")) {
            XCTAssertFalse("\($0)".contains("x\""), "no value in the message")
        }
    }
}
