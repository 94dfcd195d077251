import Foundation
import XCTest

/// `plumb sandbox` run as a user would: in the foreground, driven with kubectl, stopped by a signal.
final class SandboxCommandTests: XCTestCase {
    var directory = ""

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "plumb-sandbox-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Starts `plumb sandbox` and waits (bounded) until its kubeconfig exists.
    func startSandbox(_ extra: [String]) throws -> (Process, Pipe, String) {
        let kubeconfig = directory + "/kubeconfig-\(UUID().uuidString)"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CLI.plumbPath)
        process.arguments = ["sandbox", "--kubeconfig-out", kubeconfig] + extra
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        let out = Pipe()
        process.standardOutput = out
        process.standardError = out
        try process.run()
        let deadline = Date().addingTimeInterval(30)
        while !FileManager.default.fileExists(atPath: kubeconfig) && process.isRunning && Date() < deadline {
            usleep(50_000)
        }
        guard FileManager.default.fileExists(atPath: kubeconfig) else {
            process.terminate()
            throw CLI.TimedOut(command: "plumb sandbox", seconds: 30)
        }
        return (process, out, kubeconfig)
    }

    func stop(_ process: Process, _ out: Pipe) -> String {
        kill(process.processIdentifier, SIGTERM)
        let deadline = Date().addingTimeInterval(15)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning { process.interrupt(); kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        return String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    }

    func kubectl(_ kubeconfig: String, _ arguments: String...) throws -> CommandResult {
        try CLI.run("kubectl", ["--kubeconfig", kubeconfig, "--request-timeout", "10s"] + arguments, timeout: 30)
    }

    func testSandboxServesKubectlStopsOnSIGTERMAndKeepsDataAcrossRestarts() throws {
        let data = directory + "/state/sandbox.db"
        let (first, out, kubeconfig) = try startSandbox(["--data", data])
        let namespaces = try kubectl(kubeconfig, "get", "namespaces", "-o", "name")
        XCTAssertEqual(namespaces.status, 0, namespaces.stderr)
        XCTAssertTrue(namespaces.stdout.contains("namespace/default"), namespaces.stdout)
        let created = try kubectl(kubeconfig, "create", "namespace", "kept")
        XCTAssertEqual(created.status, 0, created.stderr)
        let log = stop(first, out)
        XCTAssertEqual(first.terminationStatus, 0, log)
        XCTAssertTrue(log.contains("sandbox cluster serving https://127.0.0.1:"), log)
        XCTAssertTrue(log.contains("sandbox stopped"), log)

        let (second, out2, kubeconfig2) = try startSandbox(["--data", data])
        defer { _ = stop(second, out2) }
        let kept = try kubectl(kubeconfig2, "get", "namespace", "kept", "-o", "jsonpath={.metadata.name}")
        XCTAssertEqual(kept.status, 0, kept.stderr)
        XCTAssertEqual(kept.stdout, "kept")
    }

    func testAWrongTokenIsRefused() throws {
        let (process, out, kubeconfig) = try startSandbox([])
        defer { _ = stop(process, out) }
        let r = try kubectl(kubeconfig, "--token", "not-the-token", "get", "namespaces")
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("You must be logged in to the server"), r.stderr)
    }

    func testRateLimitFlagsAreValidated() throws {
        for (flag, message) in [
            (["--qps=-1"], "error: --qps must be 0 or more"), (["--burst", "0"], "error: --burst must be 1 or more"),
        ] {
            let r = try CLI.plumb(["diff", "--repo", ".", "--path", "x", "--sandbox"] + flag, in: directory)
            XCTAssertEqual(r.status, 2, r.stderr)
            XCTAssertTrue(r.stderr.hasPrefix(message), r.stderr)
            XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
        }
    }

    func testConcurrencyIsValidated() throws {
        let r = try CLI.plumb(["sync", "--repo", ".", "--path", "x", "--sandbox", "--concurrency", "0"], in: directory)
        XCTAssertEqual(r.status, 2, r.stderr)
        XCTAssertTrue(r.stderr.hasPrefix("error: --concurrency 0: expected 1 to 256"), r.stderr)
        XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
    }

    func testABadPortIsAOneLineError() throws {
        let r = try CLI.plumb(["sandbox", "--port", "70000"])
        XCTAssertEqual(r.status, 2)
        XCTAssertEqual(r.stderr, "error: --port must be between 0 and 65535 (see 'plumb --help')\n")
    }
}
