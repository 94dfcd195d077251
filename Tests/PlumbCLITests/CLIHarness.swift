import Foundation
import XCTest

/// What a finished command printed and returned.
struct CommandResult {
    var stdout: String
    var stderr: String
    var status: Int32
}

/// Runs the built `plumb` binary and other programs for end-to-end tests.
enum CLI {
    /// The `plumb` executable next to the test bundle (or `$PLUMB_BIN`).
    static var plumbPath: String {
        if let env = ProcessInfo.processInfo.environment["PLUMB_BIN"] { return env }
        let bundle = Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments[0])
        var dir = bundle.deletingLastPathComponent()
        // On Linux the test runner is `<bin>/PlumbPackageTests.xctest`; on macOS it is inside a bundle.
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("plumb").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return bundle.deletingLastPathComponent().appendingPathComponent("plumb").path
    }

    /// Runs `plumb` with `arguments` in `directory`, killing it after `timeout` seconds.
    static func plumb(_ arguments: [String], in directory: String? = nil, environment: [String: String] = [:],
                      timeout: TimeInterval = 60) throws -> CommandResult {
        try run(plumbPath, arguments, in: directory, environment: environment, timeout: timeout)
    }

    /// Runs a program (found on PATH when not absolute) and waits for it, bounded by `timeout`.
    static func run(_ program: String, _ arguments: [String], in directory: String? = nil,
                    environment: [String: String] = [:], timeout: TimeInterval = 60) throws -> CommandResult {
        let process = Process()
        if program.hasPrefix("/") {
            process.executableURL = URL(fileURLWithPath: program)
            process.arguments = arguments
        } else {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [program] + arguments
        }
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        var env = ProcessInfo.processInfo.environment
        env["NO_COLOR"] = "1"
        for (k, v) in environment { env[k] = v }
        process.environment = env
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Read both pipes concurrently so a chatty child never blocks on a full pipe.
        let group = DispatchGroup()
        nonisolated(unsafe) var outData = Data(), errData = Data()
        group.enter()
        DispatchQueue.global().async { outData = out.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        group.enter()
        DispatchQueue.global().async { errData = err.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
            group.wait()
            throw TimedOut(command: ([program] + arguments).joined(separator: " "), seconds: timeout)
        }
        process.waitUntilExit()
        group.wait()
        return CommandResult(
            stdout: String(decoding: outData, as: UTF8.self), stderr: String(decoding: errData, as: UTF8.self),
            status: process.terminationStatus)
    }

    struct TimedOut: Error, CustomStringConvertible {
        var command: String
        var seconds: TimeInterval
        var description: String { "\(command) did not finish within \(seconds)s" }
    }
}

/// A Git repository in a temporary directory, made and changed with the `git` CLI.
final class TestRepository {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "plumb-repo-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        try git("init", "-q", "-b", "main")
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    static let identity = [
        "GIT_AUTHOR_NAME": "Ada", "GIT_AUTHOR_EMAIL": "ada@example.com",
        "GIT_COMMITTER_NAME": "Ada", "GIT_COMMITTER_EMAIL": "ada@example.com",
    ]

    @discardableResult
    func git(_ arguments: String...) throws -> String {
        let r = try CLI.run("git", arguments, in: path, environment: TestRepository.identity)
        guard r.status == 0 else { throw GitFailed(arguments: arguments, stderr: r.stderr) }
        return r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func write(_ relative: String, _ text: String) throws {
        let url = URL(fileURLWithPath: path).appendingPathComponent(relative)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: url, atomically: true, encoding: .utf8)
    }

    /// Stages everything and commits; returns the new commit's SHA.
    @discardableResult
    func commit(_ message: String) throws -> String {
        try git("add", "-A")
        try git("commit", "-q", "-m", message)
        return try git("rev-parse", "HEAD")
    }

    struct GitFailed: Error, CustomStringConvertible {
        var arguments: [String]
        var stderr: String
        var description: String { "git \(arguments.joined(separator: " ")): \(stderr)" }
    }
}
