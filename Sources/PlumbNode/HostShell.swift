import Foundation

/// How Plumb reaches a host: every observation and change of a node is a POSIX shell script
/// run on the host, so one implementation runs it locally (the in-cluster agent, on a host
/// root mounted at `/host`), another over SSH (agentless, from a laptop or CI). The scripts
/// use POSIX tools only: nothing is installed on the host.
public protocol HostShell: Sendable {
    /// The host's name as the inventory or the Kubernetes node names it.
    var host: String { get }
    /// Runs `script` with `/bin/sh -s` on the host, feeding `input` after the script is
    /// read through a here-document or a file the script names. Throws `HostUnreachable`
    /// when the host cannot be reached; a script that fails is a result, not an error.
    func run(_ script: String, input: [UInt8]?) async throws -> ShellResult
}

/// What a script did.
public struct ShellResult: Sendable, Equatable {
    public var status: Int32
    public var stdout: [UInt8]
    public var stderr: String

    public init(status: Int32, stdout: [UInt8], stderr: String) {
        self.status = status
        self.stdout = stdout
        self.stderr = stderr
    }

    public var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
}

/// The host did not answer (SSH could not connect, the connection dropped).
public struct HostUnreachable: Error, CustomStringConvertible, Sendable {
    public var host: String
    public var reason: String

    public init(host: String, reason: String) {
        self.host = host
        self.reason = reason
    }

    public var description: String { "host \(host) unreachable: \(reason)" }
}

/// Runs scripts on this machine with `/bin/sh`, with `PLUMB_ROOT` set to the directory that
/// stands for the host's `/` (`/host` in the node agent's pod, `/` on the host itself, a
/// temporary directory in tests). Scripts name every host path as `"$PLUMB_ROOT/etc/..."`.
public struct LocalHostShell: HostShell {
    public let host: String
    public let root: String

    public init(host: String, root: String = "/") {
        self.host = host
        self.root = root
    }

    public func run(_ script: String, input: [UInt8]?) async throws -> ShellResult {
        let root = self.root == "/" ? "" : self.root
        return try await Task.detached {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", script]
            var env = ProcessInfo.processInfo.environment
            env["PLUMB_ROOT"] = root
            env["LC_ALL"] = "C"
            process.environment = env
            let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
            process.standardInput = stdin
            process.standardOutput = stdout
            process.standardError = stderr
            try process.run()
            // Read both pipes while the script runs, so a large output cannot block it.
            let errTask = Task.detached { stderr.fileHandleForReading.readDataToEndOfFile() }
            if let input { try stdin.fileHandleForWriting.write(contentsOf: Data(input)) }
            try stdin.fileHandleForWriting.close()
            let out = stdout.fileHandleForReading.readDataToEndOfFile()
            let err = await errTask.value
            process.waitUntilExit()
            return ShellResult(
                status: process.terminationStatus, stdout: [UInt8](out), stderr: String(decoding: err, as: UTF8.self))
        }.value
    }
}
