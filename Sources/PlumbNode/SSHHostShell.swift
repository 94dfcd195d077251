import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// How `SSHHostShell` connects: the same choices `plumb render` offers for Git over SSH
/// (a private key, a known_hosts file, strict host key checking unless turned off), plus
/// the login, `sudo` and the time limits.
public struct SSHOptions: Sendable, Equatable {
    /// The login user (default: the user running Plumb, as `ssh` picks it).
    public var user: String?
    public var port: Int
    /// A private key file (`-i`); without it ssh's defaults and a running ssh-agent apply.
    /// Keys must be usable without a passphrase prompt (unencrypted, or held by ssh-agent):
    /// Plumb runs ssh in batch mode.
    public var identityFile: String?
    /// The known_hosts file the host's key must be listed in (default ~/.ssh/known_hosts).
    public var knownHostsFile: String?
    /// Refuse hosts whose key is not in known_hosts (default). Off: any key is accepted and
    /// none is recorded.
    public var strictHostKeyChecking: Bool
    /// Run scripts as root through `sudo -n` (never prompts: sudo must allow it without a password).
    public var sudo: Bool
    /// Seconds to wait for the TCP connection and the SSH handshake.
    public var connectTimeout: Int
    /// Seconds between keep-alives on an open connection; after `aliveCountMax` unanswered
    /// ones ssh gives the host up (a host cut off mid-script is unreachable after about
    /// `aliveInterval * aliveCountMax` seconds).
    public var aliveInterval: Int
    public var aliveCountMax: Int
    /// Seconds one script may run before ssh is killed and the host reported unreachable.
    public var timeout: TimeInterval
    /// Where the control sockets of shared connections live (default: a directory of this
    /// user's own under `$XDG_RUNTIME_DIR` or `/tmp`).
    public var controlDirectory: String?
    /// Seconds an idle shared connection stays open after the last script (`ControlPersist`).
    public var controlPersist: Int
    /// The ssh client (default `ssh` on the `PATH`).
    public var sshCommand: String

    public init(
        user: String? = nil, port: Int = 22, identityFile: String? = nil, knownHostsFile: String? = nil,
        strictHostKeyChecking: Bool = true, sudo: Bool = false, connectTimeout: Int = 10, aliveInterval: Int = 5,
        aliveCountMax: Int = 3, timeout: TimeInterval = 1800, controlDirectory: String? = nil,
        controlPersist: Int = 60, sshCommand: String = "ssh"
    ) {
        self.user = user
        self.port = port
        self.identityFile = identityFile
        self.knownHostsFile = knownHostsFile
        self.strictHostKeyChecking = strictHostKeyChecking
        self.sudo = sudo
        self.connectTimeout = connectTimeout
        self.aliveInterval = aliveInterval
        self.aliveCountMax = aliveCountMax
        self.timeout = timeout
        self.controlDirectory = controlDirectory
        self.controlPersist = controlPersist
        self.sshCommand = sshCommand
    }
}

/// Reaches a host agentlessly with the system's OpenSSH client: each script is one
/// `ssh ... 'sh -s'` session over a shared connection (`ControlMaster=auto`, kept open
/// `ControlPersist` seconds), so only the first script to a host pays for the handshake.
/// `PLUMB_ROOT` is empty: scripts act on the host's own `/`.
public struct SSHHostShell: HostShell {
    public let host: String
    /// The name or address ssh connects to (default: `host`).
    public let address: String
    public let options: SSHOptions

    public init(host: String, address: String? = nil, options: SSHOptions = SSHOptions()) {
        self.host = host
        self.address = address ?? host
        self.options = options
    }

    public func run(_ script: String, input: [UInt8]?) async throws -> ShellResult {
        let wrapper = SSHWrapper(script: script, input: input)
        let command = options.sudo ? "sudo -n sh -s" : "sh -s"
        let output: SSHProcess.Output
        do {
            output = try await SSHProcess.run(
                options.sshCommand, try arguments(remoteCommand: command), input: Array(wrapper.text.utf8),
                environment: SSHHostShell.environment, timeout: options.timeout)
        } catch let error as SSHProcess.SpawnFailed {
            throw HostUnreachable(host: host, reason: error.description)
        }
        if output.timedOut {
            throw HostUnreachable(host: host, reason: "no answer within \(Int(options.timeout))s")
        }
        let (stderr, status) = wrapper.parse(stderr: output.stderr)
        if let status { return ShellResult(status: status, stdout: output.stdout, stderr: stderr) }
        // ssh exits 255 for its own errors (connect, host key, authentication, a dropped
        // connection); the script never reported a status.
        if output.status == 255 {
            throw HostUnreachable(host: host, reason: SSHHostShell.reason(stderr))
        }
        return ShellResult(status: output.status, stdout: output.stdout, stderr: stderr)
    }

    /// Closes the shared connection to the host now instead of after `controlPersist`.
    public func disconnect() async {
        guard let arguments = try? controlArguments() else { return }
        _ = try? await SSHProcess.run(
            options.sshCommand, arguments + ["-O", "exit", target], input: [], environment: SSHHostShell.environment,
            timeout: 10)
    }

    var target: String { options.user.map { "\($0)@\(address)" } ?? address }

    /// The ssh command line for one session running `remoteCommand`.
    func arguments(remoteCommand: String) throws -> [String] {
        var arguments = try controlArguments()
        arguments += [
            "-o", "BatchMode=yes",
            "-o", "ConnectTimeout=\(options.connectTimeout)",
            "-o", "ServerAliveInterval=\(options.aliveInterval)",
            "-o", "ServerAliveCountMax=\(options.aliveCountMax)",
            "-o", "LogLevel=ERROR",
            "-T", "-x", "-a",
            "-p", String(options.port),
        ]
        if options.strictHostKeyChecking {
            arguments += ["-o", "StrictHostKeyChecking=yes"]
            if let file = options.knownHostsFile { arguments += ["-o", "UserKnownHostsFile=\(file)"] }
        } else {
            arguments += ["-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null"]
        }
        if let key = options.identityFile { arguments += ["-o", "IdentitiesOnly=yes", "-i", key] }
        return arguments + ["--", target, remoteCommand]
    }

    func controlArguments() throws -> [String] {
        let directory: String
        do {
            directory = try options.controlDirectory ?? SSHHostShell.defaultControlDirectory()
        } catch {
            throw HostUnreachable(host: host, reason: "\(error)")
        }
        return [
            "-o", "ControlMaster=auto",
            "-o", "ControlPath=\(directory)/%C",
            "-o", "ControlPersist=\(options.controlPersist)",
        ]
    }

    /// `$XDG_RUNTIME_DIR/plumb-ssh` or `/tmp/plumb-ssh-<uid>`, made 0700 and refused if another
    /// user owns it (whoever can reach the control sockets can run commands on the hosts).
    static func defaultControlDirectory() throws(SSHProcess.SpawnFailed) -> String {
        let base = ProcessInfo.processInfo.environment["XDG_RUNTIME_DIR"].flatMap { $0.isEmpty ? nil : $0 }
        let directory = base.map { "\($0)/plumb-ssh" } ?? "/tmp/plumb-ssh-\(getuid())"
        if mkdir(directory, 0o700) != 0 && errno != EEXIST {
            throw SSHProcess.SpawnFailed(description: "cannot create \(directory): \(String(cString: strerror(errno)))")
        }
        var info = stat()
        guard lstat(directory, &info) == 0, info.st_mode & S_IFMT == S_IFDIR, info.st_uid == getuid(),
            info.st_mode & 0o077 == 0
        else {
            throw SSHProcess.SpawnFailed(description: "\(directory) must be a directory of this user with mode 0700")
        }
        return directory
    }

    /// ssh's own explanation: its last non-empty stderr lines.
    static func reason(_ stderr: String) -> String {
        let lines = stderr.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
        return lines.isEmpty ? "ssh exited 255" : lines.suffix(2).joined(separator: "; ")
    }

    static let environment: [String: String] = {
        var env = ProcessInfo.processInfo.environment
        env["LC_ALL"] = "C"
        return env
    }()
}
