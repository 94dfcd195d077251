// Test-only helpers shared by the test targets (DESIGN.md: PlumbTesting): a temp dir,
// running a tool, git, a free port, a background server.
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A temporary directory removed on deinit.
public final class TempDir {
    public let path: String

    public init(_ label: String = "plumbgit") throws {
        var template = Array("\(NSTemporaryDirectory())/\(label)-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw TestFailure("mkdtemp failed") }
        path = String(cString: made)
    }

    public func sub(_ name: String) -> String { path + "/" + name }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

public struct TestFailure: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Fixed identity and no user/system config, so tests are reproducible anywhere.
public let gitEnvironment: [String: String] = {
    var env = ProcessInfo.processInfo.environment
    env["GIT_AUTHOR_NAME"] = "Ada Author"
    env["GIT_AUTHOR_EMAIL"] = "ada@example.com"
    env["GIT_AUTHOR_DATE"] = "2024-03-01T12:00:00+0200"
    env["GIT_COMMITTER_NAME"] = "Carl Committer"
    env["GIT_COMMITTER_EMAIL"] = "carl@example.com"
    env["GIT_COMMITTER_DATE"] = "2024-03-01T13:00:00-0500"
    env["GIT_CONFIG_NOSYSTEM"] = "1"
    env["GIT_CONFIG_GLOBAL"] = "/dev/null"
    return env
}()

public struct RunResult {
    public var status: Int32
    public var stdout: String
    public var stderr: String
}

/// Runs a program to completion, feeding `input` to its stdin.
@discardableResult
public func runTool(
    _ executable: String, _ args: [String], cwd: String? = nil, env: [String: String]? = nil,
    input: [UInt8]? = nil, check: Bool = true
) throws -> RunResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = args
    if let cwd { process.currentDirectoryURL = URL(fileURLWithPath: cwd) }
    process.environment = env ?? gitEnvironment
    let out = Pipe()
    let err = Pipe()
    let inp = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = inp
    try process.run()
    if let input { inp.fileHandleForWriting.write(Data(input)) }
    try inp.fileHandleForWriting.close()
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let result = RunResult(
        status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
        stderr: String(decoding: errData, as: UTF8.self))
    if check && result.status != 0 {
        throw TestFailure("\(executable) \(args.joined(separator: " ")) exited \(result.status): \(result.stderr)")
    }
    return result
}

/// Runs the `git` CLI with `-c init.defaultBranch=main`; returns trimmed stdout.
@discardableResult
public func git(_ args: [String], in dir: String, input: String? = nil) throws -> String {
    let result = try runTool(
        "/usr/bin/git", ["-c", "init.defaultBranch=main", "-c", "protocol.file.allow=always"] + args,
        cwd: dir, input: input.map { Array($0.utf8) })
    return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
}

public func write(_ path: String, _ text: String) throws {
    try FileManager.default.createDirectory(
        atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    try text.write(toFile: path, atomically: true, encoding: .utf8)
}

/// A free TCP port on 127.0.0.1 (bound to port 0, then released).
public func freePort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw TestFailure("socket failed") }
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    addr.sin_port = 0
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    let ok = withUnsafeMutablePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0
        }
    }
    guard ok else { throw TestFailure("bind failed") }
    return Int(UInt16(bigEndian: addr.sin_port))
}

/// Waits until 127.0.0.1:`port` accepts connections.
public func waitForPort(_ port: Int, timeout: TimeInterval = 10, server: Server? = nil) throws {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = UInt16(port).bigEndian
        let connected = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
        close(fd)
        if connected { return }
        if let server, !server.isRunning { throw TestFailure("server exited: \(server.output)") }
        usleep(50_000)
    }
    throw TestFailure("nothing listens on 127.0.0.1:\(port) after \(timeout)s")
}

/// A background server process started with posix_spawn, killed by `stop()` (and on deinit).
/// Not Foundation's `Process`: its monitor thread blocks in wait4 when a child such as sshd
/// closes all inherited descriptors, which then stalls every other `Process` in the test.
public final class Server {
    public let pid: pid_t
    public let log: String
    private var stopped = false
    /// The wait status once `isRunning` saw the process end.
    public private(set) var exitStatus: Int32?

    public init(_ executable: String, _ args: [String], log: String, env: [String: String]? = nil) throws {
        self.log = log
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv = ([executable] + args).map { strdup($0) } + [nil]
        let envp = (env ?? gitEnvironment).map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for arg in argv { free(arg) }
            for entry in envp { free(entry) }
        }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, executable, &actions, nil, argv, envp)
        guard rc == 0 else { throw TestFailure("cannot start \(executable): \(String(cString: strerror(rc)))") }
        self.pid = pid
    }

    public var output: String { (try? String(contentsOfFile: log, encoding: .utf8)) ?? "" }

    /// Whether the process has not exited yet (reaps it if it has).
    public var isRunning: Bool {
        guard !stopped else { return false }
        var status: Int32 = 0
        if waitpid(pid, &status, WNOHANG) == pid {
            stopped = true
            exitStatus = status
            return false
        }
        return true
    }

    public func stop() {
        guard !stopped else { return }
        stopped = true
        kill(pid, SIGTERM)
        var status: Int32 = 0
        for _ in 0..<100 {
            if waitpid(pid, &status, WNOHANG) == pid { return }
            usleep(20_000)
        }
        kill(pid, SIGKILL)
        waitpid(pid, &status, 0)
    }

    deinit { stop() }
}
