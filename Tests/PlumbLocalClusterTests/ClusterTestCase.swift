import Foundation
import PlumbCore
import XCTest

@testable import PlumbLocalCluster

/// Starts a cluster per test and offers kubectl and raw HTTP against it.
class ClusterTestCase: XCTestCase {
    var cluster: LocalCluster!
    var endpoint: LocalCluster.Endpoint!
    var directory: URL!
    var kubeconfig: String { directory.appendingPathComponent("kubeconfig").path }

    /// Options for this test's cluster; subclasses and tests may change them before `setUp`.
    var clusterOptions: LocalCluster.Options { LocalCluster.Options(port: 0, tls: true, workloadDelay: .milliseconds(50)) }

    override func setUp() async throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("plumb-cluster-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        cluster = LocalCluster(options: clusterOptions)
        endpoint = try await cluster.start()
        try await cluster.writeKubeconfig(to: kubeconfig)
    }

    override func tearDown() async throws {
        await cluster?.stop()
        if let directory { try? FileManager.default.removeItem(at: directory) }
    }

    struct Run: Sendable {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs the real kubectl against this cluster, killed after `timeout` seconds.
    func kubectl(_ args: [String], stdin: String? = nil, timeout: Double = 30) throws -> Run {
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: "/usr/bin/kubectl"), "kubectl is not installed")
        return try Self.kubectl(args, kubeconfig: kubeconfig, home: directory.path, stdin: stdin, timeout: timeout)
    }

    /// The same, callable from any thread.
    static func kubectl(_ args: [String], kubeconfig: String, home: String, stdin: String? = nil, timeout: Double = 30) throws -> Run {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/kubectl")
        p.arguments = ["--kubeconfig", kubeconfig] + args
        var env = ProcessInfo.processInfo.environment
        env["KUBECACHEDIR"] = home + "/cache"
        env["HOME"] = home
        p.environment = env
        let out = Pipe(), err = Pipe(), input = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = input
        try p.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try? input.fileHandleForWriting.close()
        let deadline = Date().addingTimeInterval(timeout)
        // Read both pipes concurrently so a chatty child cannot block on a full pipe.
        let outBox = DataBox(), errBox = DataBox()
        let group = DispatchGroup()
        for (pipe, box) in [(out, outBox), (err, errBox)] {
            group.enter()
            DispatchQueue.global().async {
                box.data = pipe.fileHandleForReading.readDataToEndOfFile()
                group.leave()
            }
        }
        while p.isRunning && Date() < deadline { usleep(20_000) }
        if p.isRunning { p.terminate() }
        p.waitUntilExit()
        _ = group.wait(timeout: .now() + 5)
        return Run(
            status: p.terminationStatus, stdout: String(decoding: outBox.data, as: UTF8.self),
            stderr: String(decoding: errBox.data, as: UTF8.self))
    }

    /// kubectl that must succeed; returns stdout.
    @discardableResult
    func kubectlOK(_ args: [String], stdin: String? = nil, file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let r = try kubectl(args, stdin: stdin)
        XCTAssertEqual(r.status, 0, "kubectl \(args.joined(separator: " ")): \(r.stderr)", file: file, line: line)
        return r.stdout
    }

    /// A plain-HTTP cluster's raw client (tests that use it run without TLS).
    var http: RawHTTP { RawHTTP(port: endpoint.port, token: endpoint.token) }

    func createNamespace(_ name: String) throws {
        let r = try http.request("POST", "/api/v1/namespaces", body: ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(name)]])
        XCTAssertEqual(r.status, 201, String(decoding: r.body, as: UTF8.self))
    }

    /// A kube-apiserver capture from the project's fixtures/kube-wire, or from
    /// fixtures/kube-wire-errors (error and list captures kept apart from the object corpus
    /// that PlumbCoreTests walks).
    func capture(_ name: String) throws -> Value {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        var file = root.appendingPathComponent("fixtures/kube-wire/\(name).json")
        if !FileManager.default.fileExists(atPath: file.path) {
            file = root.appendingPathComponent("fixtures/kube-wire-errors/\(name).json")
        }
        return try JSONReader().parse(Array(try Data(contentsOf: file)))
    }
}

final class DataBox: @unchecked Sendable {
    var data = Data()
}
