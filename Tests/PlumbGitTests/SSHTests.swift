import Foundation
import PlumbTesting
import PlumbGit
import XCTest

/// Clones over SSH from a real `sshd` on 127.0.0.1, checking host keys against known_hosts.
final class SSHTests: XCTestCase {
    var tmp: TempDir!
    var fixture: Fixture!
    var sshd: Server?
    var port = 0
    var url = ""
    var hostKeyLine = ""

    override func setUpWithError() throws {
        let sshdPath = "/usr/sbin/sshd"
        guard FileManager.default.isExecutableFile(atPath: sshdPath) else {
            throw TestFailure("\(sshdPath) is missing: install openssh-server (make deps) to run the SSH tests")
        }
        tmp = try TempDir()
        fixture = try Fixture.make(tmp.sub("work"))
        try fixture.bare(at: tmp.sub("repo.git"))
        try FileManager.default.createDirectory(atPath: "/run/sshd", withIntermediateDirectories: true)
        for name in ["host_key", "user_key", "other_key"] {
            try runTool("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", name, "-f", tmp.sub(name)])
        }
        try runTool(
            "/usr/bin/ssh-keygen",
            ["-q", "-t", "ed25519", "-N", "sekrit-phrase", "-C", "locked", "-f", tmp.sub("locked_key")])
        let authorized = try [tmp.sub("user_key.pub"), tmp.sub("locked_key.pub")]
            .map { try String(contentsOfFile: $0, encoding: .utf8) }.joined()
        try authorized.write(toFile: tmp.sub("authorized_keys"), atomically: true, encoding: .utf8)
        try launchSSHD(hostKey: "host_key")
    }

    /// Starts sshd on a free port with the host key file `hostKey` (in the temp dir).
    func launchSSHD(hostKey: String, extraConfig: String = "") throws {
        sshd?.stop()
        port = try freePort()
        let config = """
            Port \(port)
            HostKey \(tmp.sub(hostKey))
            AuthorizedKeysFile \(tmp.sub("authorized_keys"))
            PidFile \(tmp.sub("sshd.pid"))
            StrictModes no
            UsePAM no
            PermitRootLogin prohibit-password
            PasswordAuthentication no
            KbdInteractiveAuthentication no
            LogLevel VERBOSE
            \(extraConfig)

            """
        try config.write(toFile: tmp.sub("sshd_config"), atomically: true, encoding: .utf8)
        sshd = try Server(
            "/usr/sbin/sshd",
            ["-D", "-e", "-f", tmp.sub("sshd_config"), "-p", "\(port)", "-o", "ListenAddress=127.0.0.1"],
            log: tmp.sub("sshd.log"))
        try waitForPort(port, server: sshd)
        url = "ssh://root@127.0.0.1:\(port)\(tmp.sub("repo.git"))"
        let publicKey = try String(contentsOfFile: tmp.sub(hostKey + ".pub"), encoding: .utf8).split(separator: " ")
        hostKeyLine = "[127.0.0.1]:\(port) \(publicKey[0]) \(publicKey[1])\n"
    }

    override func tearDown() {
        sshd?.stop()
        sshd = nil
        tmp = nil
    }

    func knownHosts(_ text: String) throws -> String {
        let path = tmp.sub("known_hosts")
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func options(
        knownHosts: String, strict: Bool = true, key: String = "user_key", passphrase: GitSecretSource? = nil,
        env: [String: String] = [:]
    ) -> GitSourceOptions {
        GitSourceOptions(
            cacheDirectory: tmp.sub("cache"),
            ssh: SSHOptions(
                privateKeyPath: tmp.sub(key), publicKeyPath: tmp.sub(key + ".pub"), passphrase: passphrase,
                knownHostsPath: knownHosts, strictHostKeyChecking: strict),
            lockTimeout: .seconds(10), environment: env)
    }

    func testMatchingKnownHostsEntryClones() throws {
        let repo = try GitSource.open(url: url, options: options(knownHosts: try knownHosts(hostKeyLine)))
        XCTAssertEqual(try repo.resolveID("main").hex, try fixture.head(), sshd?.output ?? "")
        XCTAssertEqual(try repo.resolveID("HEAD").hex, try fixture.head())
        // A second open fetches over the same path.
        let next = try fixture.commit("c.txt", "c\n")
        try git(["push", "-q", tmp.sub("repo.git"), "main"], in: fixture.work)
        let again = try GitSource.open(url: url, options: options(knownHosts: tmp.sub("known_hosts")))
        XCTAssertEqual(try again.resolveID("main").hex, next)
    }

    func testECDSAAndRSAHostKeys() throws {
        for type in ["ecdsa", "rsa"] {
            let name = "host_key_\(type)"
            try runTool("/usr/bin/ssh-keygen", ["-q", "-t", type, "-N", "", "-C", name, "-f", tmp.sub(name)])
            // libssh2 1.10 signs RSA host keys only with SHA-1 ("ssh-rsa"), which OpenSSH 8.8+
            // disables by default: a server with only an RSA key must re-enable it.
            try launchSSHD(hostKey: name, extraConfig: type == "rsa" ? "HostKeyAlgorithms +ssh-rsa" : "")
            let offered = try String(contentsOfFile: tmp.sub(name + ".pub"), encoding: .utf8).split(separator: " ")[0]
            // The ed25519 key of the other server does not match this one.
            let stale = try String(contentsOfFile: tmp.sub("host_key.pub"), encoding: .utf8).split(separator: " ")
            let wrong = try knownHosts("[127.0.0.1]:\(port) \(stale[0]) \(stale[1])\n")
            XCTAssertThrowsError(try GitSource.open(url: url, options: options(knownHosts: wrong))) { error in
                XCTAssertTrue("\(error)".contains("does not match"), "\(type): \(error)")
                XCTAssertTrue("\(error)".contains("server offered \(offered)"), "\(type): \(error)")
            }
            let repo = try GitSource.open(url: url, options: options(knownHosts: try knownHosts(hostKeyLine)))
            XCTAssertEqual(try repo.resolveID("main").hex, try fixture.head(), type)
        }
    }

    func testHashedKnownHostsEntryClones() throws {
        let file = try knownHosts(hostKeyLine)
        try runTool("/usr/bin/ssh-keygen", ["-H", "-f", file])
        XCTAssertFalse(try String(contentsOfFile: file, encoding: .utf8).contains("127.0.0.1"))
        let repo = try GitSource.open(url: url, options: options(knownHosts: file))
        XCTAssertEqual(try repo.resolveID("v1").hex, try fixture.head())
    }

    func testUnknownHostIsRefused() throws {
        let file = try knownHosts(
            "[127.0.0.1]:1 \(hostKeyLine.split(separator: " ").dropFirst().joined(separator: " "))")
        XCTAssertThrowsError(try GitSource.open(url: url, options: options(knownHosts: file))) { error in
            XCTAssertEqual((error as? GitError)?.kind, .hostKey)
            XCTAssertTrue(
                "\(error)".hasPrefix("ssh: host key for [127.0.0.1]:\(port) is not in known_hosts \(file)"), "\(error)")
        }
        let missing = tmp.sub("no_such_known_hosts")
        XCTAssertThrowsError(try GitSource.open(url: url, options: options(knownHosts: missing))) { error in
            XCTAssertTrue("\(error)".contains("is not in known_hosts \(missing)"), "\(error)")
        }
    }

    func testChangedHostKeyIsRefused() throws {
        let other = try String(contentsOfFile: tmp.sub("other_key.pub"), encoding: .utf8).split(separator: " ")
        let file = try knownHosts("[127.0.0.1]:\(port) \(other[0]) \(other[1])\n")
        XCTAssertThrowsError(try GitSource.open(url: url, options: options(knownHosts: file))) { error in
            XCTAssertEqual((error as? GitError)?.kind, .hostKey)
            XCTAssertTrue(
                "\(error)".hasPrefix("ssh: host key for [127.0.0.1]:\(port) does not match known_hosts \(file)"),
                "\(error)")
        }
    }

    func testCheckingOffAcceptsAnyHost() throws {
        let repo = try GitSource.open(url: url, options: options(knownHosts: tmp.sub("none"), strict: false))
        XCTAssertEqual(try repo.resolveID("main").hex, try fixture.head())
    }

    func testPassphraseProtectedKey() throws {
        let file = try knownHosts(hostKeyLine)
        let opts = options(
            knownHosts: file, key: "locked_key", passphrase: .environment("KEY_PASS"),
            env: ["KEY_PASS": "sekrit-phrase"])
        let repo = try GitSource.open(url: url, options: opts)
        XCTAssertEqual(try repo.resolveID("main").hex, try fixture.head())
    }

    func testUnauthorizedKeyFailsOnceWithoutLooping() throws {
        let file = try knownHosts(hostKeyLine)
        let started = Date()
        XCTAssertThrowsError(try GitSource.open(url: url, options: options(knownHosts: file, key: "other_key"))) {
            error in
            XCTAssertEqual((error as? GitError)?.kind, .authentication, "\(error)")
            XCTAssertTrue("\(error)".hasPrefix(url), "\(error)")
        }
        XCTAssertLessThan(Date().timeIntervalSince(started), 10)
    }
}
