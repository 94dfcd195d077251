import Foundation
import PlumbCore
import PlumbGit

/// Git credentials from an Application's `spec.source.secretRef` Secret, in the forms
/// `plumb render` takes: `username` + `password`, `bearerToken` (with an optional
/// `username`, default `x-access-token`), or `identity` (an SSH private key) + `known_hosts`.
/// Passwords and tokens stay in memory (an environment of the options' own, not the
/// process's); an SSH key and its known_hosts go to files of mode 0600 in a private directory.
public enum GitCredentialsSecret {
    /// A Secret that cannot be used, named: `Secret team-a/git: ...`.
    public struct Problem: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// `base` with the Secret's credentials. `scratch` is the private directory for key files.
    public static func options(_ secret: Value, base: GitSourceOptions, scratch: String) throws(Problem) -> GitSourceOptions {
        let ns = secret[path: ["metadata", "namespace"]]?.stringValue ?? ""
        let name = secret[path: ["metadata", "name"]]?.stringValue ?? ""
        let subject = "Secret \(ns)/\(name)"
        var data: [String: String] = [:]
        for entry in secret["data"]?.objectValue ?? ValueObject() {
            guard let text = entry.value.stringValue, let bytes = Data(base64Encoded: text) else {
                throw Problem(description: "\(subject): data.\(entry.key) is not base64")
            }
            data[entry.key] = String(decoding: bytes, as: UTF8.self)
        }
        for entry in secret["stringData"]?.objectValue ?? ValueObject() { data[entry.key] = entry.value.stringValue }
        var options = base
        options.environment = [:]
        if let password = data["password"] {
            guard let user = data["username"], !user.isEmpty else { throw Problem(description: "\(subject): password needs username") }
            options.environment["PLUMB_GIT_PASSWORD"] = password
            options.credentials = .basic(username: user, password: .environment("PLUMB_GIT_PASSWORD"))
        } else if let token = data["bearerToken"] {
            options.environment["PLUMB_GIT_TOKEN"] = token
            options.credentials = .token(.environment("PLUMB_GIT_TOKEN"), username: data["username"] ?? "x-access-token")
        } else if let identity = data["identity"] {
            guard let knownHosts = data["known_hosts"], !knownHosts.isEmpty else {
                throw Problem(description: "\(subject): identity needs known_hosts (host keys are always checked)")
            }
            let dir = scratch + "/" + "\(ns)-\(name)"
            do {
                try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
                try write(identity.hasSuffix("\n") ? identity : identity + "\n", to: dir + "/identity")
                try write(knownHosts, to: dir + "/known_hosts")
            } catch {
                throw Problem(description: "\(subject): cannot write the SSH key to \(dir): \(error.localizedDescription)")
            }
            if let passphrase = data["passphrase"] { options.environment["PLUMB_SSH_PASSPHRASE"] = passphrase }
            options.ssh = SSHOptions(
                username: data["username"] ?? "git", privateKeyPath: dir + "/identity",
                passphrase: data["passphrase"] == nil ? nil : .environment("PLUMB_SSH_PASSPHRASE"),
                knownHostsPath: dir + "/known_hosts", strictHostKeyChecking: true)
        } else {
            throw Problem(description: "\(subject): holds none of username/password, bearerToken, identity/known_hosts")
        }
        return options
    }

    private static func write(_ text: String, to path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        defer { close(fd) }
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Foundation.write(fd, $0.baseAddress, $0.count) }
            guard n > 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
            offset += n
        }
    }
}
