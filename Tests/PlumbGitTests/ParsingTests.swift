import Foundation
import PlumbTesting
import XCTest

@testable import PlumbGit

final class ParsingTests: XCTestCase {
    func testSHA1AndHMACVectors() {
        XCTAssertEqual(SHA1.hex(SHA1.hash(Array("abc".utf8))), "a9993e364706816aba3e25717850c26c9cd0d89d")
        XCTAssertEqual(SHA1.hex(SHA1.hash([])), "da39a3ee5e6b4b0d3255bfef95601890afd80709")
        let long = Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)
        XCTAssertEqual(SHA1.hex(SHA1.hash(long)), "84983e441c3bd26ebaae4aa1f95129e5e54670f1")
        // RFC 2202 test case 2.
        XCTAssertEqual(
            SHA1.hex(SHA1.hmac(key: Array("Jefe".utf8), message: Array("what do ya want for nothing?".utf8))),
            "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79")
        // RFC 2202 test case 6: a key longer than the block size.
        XCTAssertEqual(
            SHA1.hex(
                SHA1.hmac(
                    key: [UInt8](repeating: 0xAA, count: 80),
                    message: Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8))),
            "aa4ae5e15272d00e95705637ce8a3b55ed402112")
    }

    static let key1 = "AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl"
    static let key2 = "AAAAC3NzaC1lZDI1NTE5AAAAIBrwqsgIZY3GsVfRTmSa4J54yEnqWuDVZK3tvzkvL2ix"

    func testKnownHostsPlainBracketWildcardNegatedAndRevoked() throws {
        let k1 = Array(Data(base64Encoded: Self.key1)!)
        let k2 = Array(Data(base64Encoded: Self.key2)!)
        let hosts = KnownHosts(
            parsing: """
                # comment
                git.example.com,10.0.0.1 ssh-ed25519 \(Self.key1) comment
                [127.0.0.1]:2222 ssh-ed25519 \(Self.key2)
                *.corp.example,!bad.corp.example ssh-ed25519 \(Self.key1)
                @revoked old.example.com ssh-ed25519 \(Self.key2)
                old.example.com ssh-ed25519 \(Self.key1)
                garbage line
                """)
        XCTAssertEqual(hosts.entries.count, 5)
        XCTAssertEqual(hosts.check(host: "git.example.com", port: 22, key: k1), .match)
        XCTAssertEqual(hosts.check(host: "GIT.example.com", port: 22, key: k1), .match)
        XCTAssertEqual(hosts.check(host: "10.0.0.1", port: 22, key: k2), .mismatch)
        XCTAssertEqual(hosts.check(host: "git.example.com", port: 2222, key: k1), .unknown)
        XCTAssertEqual(hosts.check(host: "127.0.0.1", port: 2222, key: k2), .match)
        XCTAssertEqual(hosts.check(host: "127.0.0.1", port: 22, key: k2), .unknown)
        XCTAssertEqual(hosts.check(host: "a.corp.example", port: 22, key: k1), .match)
        XCTAssertEqual(hosts.check(host: "bad.corp.example", port: 22, key: k1), .unknown)
        XCTAssertEqual(hosts.check(host: "old.example.com", port: 22, key: k2), .revoked)
        XCTAssertEqual(hosts.check(host: "old.example.com", port: 22, key: k1), .match)
        XCTAssertEqual(KnownHosts.keyType(of: k1), "ssh-ed25519")
    }

    func testKnownHostsHashedEntryMatchesWhatSshKeygenWrites() throws {
        let tmp = try TempDir()
        let file = tmp.sub("known_hosts")
        try "[127.0.0.1]:2222 ssh-ed25519 \(Self.key1)\ngit.example.com ssh-ed25519 \(Self.key2)\n"
            .write(toFile: file, atomically: true, encoding: .utf8)
        try runTool("/usr/bin/ssh-keygen", ["-H", "-f", file])
        let text = try String(contentsOfFile: file, encoding: .utf8)
        XCTAssertFalse(text.contains("127.0.0.1"), "ssh-keygen -H should hash every name")
        let hosts = try KnownHosts(path: file)
        XCTAssertEqual(hosts.check(host: "127.0.0.1", port: 2222, key: Array(Data(base64Encoded: Self.key1)!)), .match)
        XCTAssertEqual(
            hosts.check(host: "git.example.com", port: 22, key: Array(Data(base64Encoded: Self.key2)!)), .match)
        XCTAssertEqual(
            hosts.check(host: "127.0.0.1", port: 2223, key: Array(Data(base64Encoded: Self.key1)!)), .unknown)
    }

    func testRemoteURLParsing() throws {
        let scp = try GitRemoteURL("git@github.com:org/repo.git")
        XCTAssertEqual(scp.transport, .ssh)
        XCTAssertEqual(scp.host, "github.com")
        XCTAssertEqual(scp.user, "git")
        XCTAssertNil(scp.port)
        XCTAssertEqual(scp.path, "org/repo.git")
        XCTAssertEqual(scp.url, "git@github.com:org/repo.git")

        let ssh = try GitRemoteURL("ssh://root@127.0.0.1:2222/srv/repo.git")
        XCTAssertEqual(ssh.transport, .ssh)
        XCTAssertEqual(ssh.host, "127.0.0.1")
        XCTAssertEqual(ssh.port, 2222)
        XCTAssertEqual(ssh.user, "root")
        XCTAssertEqual(ssh.display, "ssh://root@127.0.0.1:2222/srv/repo.git")

        let https = try GitRemoteURL("https://bob:s3cr%40t@git.example.com:8443/team/app.git")
        XCTAssertEqual(https.transport, .https)
        XCTAssertEqual(https.user, "bob")
        XCTAssertEqual(https.password, "s3cr@t")
        XCTAssertEqual(https.url, "https://git.example.com:8443/team/app.git")
        XCTAssertEqual(https.display, "https://git.example.com:8443/team/app.git")
        XCTAssertFalse(https.cacheDirectoryName.contains("s3cr"))
        XCTAssertFalse(https.cacheDirectoryName.contains("bob"))
        XCTAssertTrue(https.cacheDirectoryName.hasPrefix("git.example.com-team-app.git-"), https.cacheDirectoryName)
        XCTAssertEqual(
            https.cacheDirectoryName, try GitRemoteURL("https://git.example.com:8443/team/app.git").cacheDirectoryName)
        XCTAssertNotEqual(
            https.cacheDirectoryName, try GitRemoteURL("https://git.example.com/team/app.git").cacheDirectoryName)

        let token = try GitRemoteURL("https://ghp_TOKEN@github.com/org/repo")
        XCTAssertEqual(token.password, "ghp_TOKEN")
        XCTAssertEqual(token.display, "https://github.com/org/repo")

        XCTAssertEqual(try GitRemoteURL("git://127.0.0.1:9418/repo.git").transport, .git)
        XCTAssertEqual(try GitRemoteURL("/srv/repo").transport, .local)
        XCTAssertEqual(try GitRemoteURL("./rel:odd").transport, .local)
        XCTAssertEqual(try GitRemoteURL("file:///srv/repo").path, "/srv/repo")
        XCTAssertThrowsError(try GitRemoteURL("ftp://host/repo")) { error in
            XCTAssertEqual("\(error)", "ftp://host/repo: unsupported URL scheme \"ftp\"")
        }
        XCTAssertThrowsError(try GitRemoteURL("https://user:pw@host:99999/x")) { error in
            XCTAssertFalse("\(error)".contains("pw"), "\(error)")
        }
    }

    func testRedactionRemovesUserInfoAndSecrets() {
        XCTAssertEqual(
            Redactor.stripURLUserInfo("failed to fetch https://bob:hunter2@host/x.git: 401"),
            "failed to fetch https://host/x.git: 401")
        XCTAssertEqual(Redactor.stripURLUserInfo("ssh://git@host:22/x"), "ssh://git@host:22/x")
        XCTAssertEqual(Redactor.stripURLUserInfo("ssh://git:pw@host/x"), "ssh://host/x")
        let redactor = Redactor(secrets: ["hunter2"])
        XCTAssertEqual(redactor.redact("password hunter2 rejected"), "password *** rejected")
        XCTAssertEqual(GitError(.io, "a\nb\n  c").description, "a b c")
    }

    func testDefaultCacheDirectory() {
        XCTAssertEqual(GitSourceOptions.defaultCacheDirectory(environment: ["PLUMB_CACHE_DIR": "/c"]), "/c/git")
        XCTAssertEqual(GitSourceOptions.defaultCacheDirectory(environment: ["XDG_CACHE_HOME": "/x"]), "/x/plumb/git")
        XCTAssertTrue(GitSourceOptions.defaultCacheDirectory(environment: [:]).hasSuffix("/.cache/plumb/git"))
    }
}
