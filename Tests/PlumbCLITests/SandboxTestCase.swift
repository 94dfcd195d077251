import Foundation
import PlumbLocalCluster
import XCTest

/// Runs the built `plumb` binary against a `plumb sandbox` subprocess; every test has its own
/// cluster, repository and audit database.
class SandboxTestCase: XCTestCase {
    var directory = ""
    var sandbox: Process?
    var sandboxOut: Pipe?
    var kubeconfig = ""
    var repo: TestRepository!

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "plumb-sync-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        repo = try TestRepository()
    }

    override func tearDown() {
        if let sandbox, sandbox.isRunning {
            sandbox.terminate()
            sandbox.waitUntilExit()
        }
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Starts `plumb sandbox` and waits (bounded) for its kubeconfig.
    func startSandbox() throws {
        kubeconfig = directory + "/kubeconfig"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CLI.plumbPath)
        process.arguments = ["sandbox", "--kubeconfig-out", kubeconfig]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = out
        try process.run()
        let deadline = Date().addingTimeInterval(20)
        while !FileManager.default.fileExists(atPath: kubeconfig) && process.isRunning && Date() < deadline { usleep(20_000) }
        guard FileManager.default.fileExists(atPath: kubeconfig) else {
            process.terminate()
            throw XCTSkip("plumb sandbox did not start")
        }
        sandbox = process
        sandboxOut = out
    }

    @discardableResult
    func plumb(_ arguments: [String], timeout: TimeInterval = 60) throws -> CommandResult {
        let command = arguments.first ?? ""
        var args = arguments
        if ["sync", "diff", "rollback"].contains(command) { args += ["--kubeconfig", kubeconfig] }
        if ["sync", "rollback", "history", "audit"].contains(command) { args += ["--audit-db", directory + "/audit.db"] }
        return try CLI.plumb(args, in: directory, timeout: timeout)
    }

    func sync(_ extra: [String] = []) throws -> CommandResult {
        try plumb(["sync", "--repo", repo.path, "--path", "apps/web"] + extra)
    }

    func diff(_ extra: [String] = []) throws -> CommandResult {
        try plumb(["diff", "--repo", repo.path, "--path", "apps/web"] + extra)
    }

    func kubectl(_ arguments: String...) throws -> CommandResult {
        try CLI.run("kubectl", ["--kubeconfig", kubeconfig, "--request-timeout", "10s"] + arguments, timeout: 30)
    }

    func writeApp(replicas: Int = 1, image: String = "nginx:1.27", extra: String = "") throws {
        try repo.write("apps/web/namespace.yaml", "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: web\n")
        try repo.write(
            "apps/web/deployment.yaml",
            """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: web
              namespace: web
            spec:
              replicas: \(replicas)
              selector:
                matchLabels: {app: web}
              template:
                metadata:
                  labels: {app: web}
                spec:
                  containers:
                    - name: web
                      image: \(image)

            """)
        try repo.write("apps/web/config.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: web\ndata:\n  LOG_LEVEL: info\n" + extra)
    }
}
