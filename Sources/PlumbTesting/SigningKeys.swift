// Test-only: throwaway OpenPGP and SSH keys and commits signed by the `git` CLI with them.
import Foundation

/// A private GNUPGHOME and SSH keys in a temp dir, for commits signed by `git` itself.
/// Call `shutdown()` in tearDown: it stops the gpg-agent the key generation started.
public final class SigningKeys {
    public let dir: TempDir
    /// The GNUPGHOME of every gpg call.
    public let gnupgHome: String

    public init() throws {
        dir = try TempDir("plumb-keys")
        gnupgHome = dir.sub("gnupg")
        try FileManager.default.createDirectory(
            atPath: gnupgHome, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    }

    /// The environment of git and gpg: the fixed test identity, this GNUPGHOME.
    public var environment: [String: String] {
        var env = gitEnvironment
        env["GNUPGHOME"] = gnupgHome
        return env
    }

    @discardableResult
    func gpg(_ args: [String]) throws -> String {
        try runTool(
            "/usr/bin/gpg", ["--batch", "--yes", "--pinentry-mode", "loopback", "--passphrase", ""] + args,
            env: environment
        ).stdout
    }

    /// Makes an ed25519 signing key for `uid` (`Ada <ada@acme.dev>`), without passphrase;
    /// `expired` makes it in 2020 valid for one day. Returns its fingerprint.
    public func gpgKey(_ uid: String, expired: Bool = false) throws -> String {
        try gpg(
            (expired ? ["--faked-system-time", "20200101T000000!"] : []) + [
                "--quick-gen-key", uid, "ed25519", "sign", expired ? "1d" : "0",
            ])
        return try fingerprint(uid)
    }

    /// The primary key fingerprint of `uid`'s key.
    public func fingerprint(_ uid: String) throws -> String {
        let listing = try gpg(["--with-colons", "--list-keys", "=" + uid])
        guard let line = listing.split(separator: "\n").first(where: { $0.hasPrefix("fpr:") }) else {
            throw TestFailure("no key for \(uid)")
        }
        return String(line.split(separator: ":", omittingEmptySubsequences: false)[9])
    }

    /// Revokes key `fingerprint` with the revocation certificate gpg made with it.
    public func revoke(_ fingerprint: String) throws {
        let certificate = try String(
            contentsOfFile: "\(gnupgHome)/openpgp-revocs.d/\(fingerprint).rev", encoding: .utf8)
        // gpg stores it with the armour line commented out (`:-----BEGIN`) against accidents.
        let path = dir.sub("\(fingerprint).rev")
        try write(path, certificate.replacingOccurrences(of: ":-----BEGIN", with: "-----BEGIN"))
        try gpg(["--import", path])
    }

    /// Exports the public keys `fingerprints` to `path` (binary, or ASCII-armoured when `armor`).
    public func exportKeyring(_ fingerprints: [String], to path: String, armor: Bool = false) throws {
        if armor {
            let text = try runTool("/usr/bin/gpg", ["--batch", "--armor", "--export"] + fingerprints, env: environment)
                .stdout
            try write(path, text)
        } else {
            try runTool(
                "/usr/bin/gpg", ["--batch", "--yes", "--output", path, "--export"] + fingerprints, env: environment)
        }
    }

    /// An ed25519 SSH key named `name`; returns the private key's path and the public key line.
    public func sshKey(_ name: String) throws -> (path: String, publicKey: String) {
        let path = dir.sub("ssh-\(name)")
        try runTool("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", name, "-f", path], env: environment)
        let pub = try String(contentsOfFile: path + ".pub", encoding: .utf8).trimmingCharacters(
            in: .whitespacesAndNewlines)
        return (path, pub)
    }

    /// How a test commit is signed.
    public enum Signing {
        case none
        /// With the OpenPGP key of this user ID (or fingerprint).
        case gpg(String)
        /// With a key made by `gpgKey(_:expired: true)`, at the 2020 time it was valid.
        case expiredGPG(String)
        /// With the SSH private key at this path.
        case ssh(String)
    }

    /// Writes `files` in the work tree `repo`, commits them signed as `signing`, returns the SHA.
    @discardableResult
    public func commit(in repo: String, _ files: [String: String], message: String = "change", signing: Signing) throws
        -> String
    {
        for (path, text) in files { try write(repo + "/" + path, text) }
        try runTool("/usr/bin/git", ["add", "-A"], cwd: repo, env: environment)
        var config: [String] = []
        switch signing {
        case .none: break
        case .gpg(let key): config = ["-c", "user.signingkey=\(key)", "-c", "gpg.format=openpgp"]
        case .expiredGPG(let key):
            let wrapper = dir.sub("gpg-2020")
            try write(wrapper, "#!/bin/sh\nexec /usr/bin/gpg --faked-system-time 20200101T010000! \"$@\"\n")
            chmod(wrapper, 0o755)
            config = ["-c", "user.signingkey=\(key)", "-c", "gpg.program=\(wrapper)"]
        case .ssh(let path): config = ["-c", "gpg.format=ssh", "-c", "user.signingkey=\(path)"]
        }
        let sign: [String]
        if case .none = signing { sign = [] } else { sign = ["-S"] }
        try runTool(
            "/usr/bin/git", config + ["commit", "-q", "--allow-empty"] + sign + ["-m", message], cwd: repo,
            env: environment)
        return try runTool("/usr/bin/git", ["rev-parse", "HEAD"], cwd: repo, env: environment).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Rewrites commit `sha`'s message keeping its signature header: a tampered commit.
    /// Points the current branch at it and returns its SHA.
    public func tamper(in repo: String, _ sha: String, message: String) throws -> String {
        let raw = try runTool("/usr/bin/git", ["cat-file", "commit", sha], cwd: repo, env: environment).stdout
        guard let split = raw.range(of: "\n\n") else { throw TestFailure("commit \(sha) has no message") }
        let forged = String(raw[..<split.lowerBound]) + "\n\n" + message + "\n"
        let id = try runTool(
            "/usr/bin/git", ["hash-object", "-t", "commit", "-w", "--stdin"], cwd: repo, env: environment,
            input: Array(forged.utf8)
        ).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        try runTool("/usr/bin/git", ["update-ref", "HEAD", id], cwd: repo, env: environment)
        return id
    }

    /// Stops the gpg-agent (and any other GnuPG daemon) of this GNUPGHOME.
    public func shutdown() {
        _ = try? runTool("/usr/bin/gpgconf", ["--kill", "all"], env: environment, check: false)
    }

    deinit { shutdown() }
}
