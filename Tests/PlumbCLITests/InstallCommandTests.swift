import Foundation
import PlumbYAML
import XCTest

/// `plumb install --export` against a `plumb sandbox`, with kubectl as the judge.
final class InstallCommandTests: SandboxTestCase {
    private func export(_ extra: [String] = []) throws -> String {
        let r = try plumb(["install", "--export"] + extra)
        XCTAssertEqual(r.status, 0, r.stderr)
        let file = directory + "/install-\(UUID().uuidString).yaml"
        try r.stdout.write(toFile: file, atomically: true, encoding: .utf8)
        return file
    }

    /// Kinds and names in the export, in order, as `kind/name`.
    private func objects(_ file: String) throws -> [String] {
        let r = try CLI.run(
            "kubectl", ["--kubeconfig", kubeconfig, "create", "--dry-run=client", "-o", "name", "-f", file], timeout: 30
        )
        XCTAssertEqual(r.status, 0, r.stderr)
        return r.stdout.split(separator: "\n").map(String.init)
    }

    func testExportIsAcceptedByAServerDryRun() throws {
        try startSandbox()
        let file = try export()
        XCTAssertEqual(
            try objects(file),
            [
                "customresourcedefinition.apiextensions.k8s.io/applications.plumb.dev",
                "customresourcedefinition.apiextensions.k8s.io/rolloutstrategies.plumb.dev",
                "customresourcedefinition.apiextensions.k8s.io/rolloutanalyses.plumb.dev",
                "customresourcedefinition.apiextensions.k8s.io/nodeconfigs.plumb.dev", "namespace/plumb-system",
                "serviceaccount/plumb-controller", "clusterrole.rbac.authorization.k8s.io/plumb-controller",
                "clusterrolebinding.rbac.authorization.k8s.io/plumb-controller", "persistentvolumeclaim/plumb-data",
                "service/plumb-controller", "deployment.apps/plumb-controller",
            ])
        // A server dry-run creates nothing, so the objects inside the new namespace need it to
        // exist already (as on kube-apiserver).
        XCTAssertEqual(try kubectl("create", "namespace", "plumb-system").status, 0)
        let r = try kubectl("apply", "--server-side", "--dry-run=server", "-f", file)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout.components(separatedBy: "(server dry run)").count - 1, 11, r.stdout)
        XCTAssertEqual(try kubectl("get", "crd", "applications.plumb.dev").status, 1, "a dry run creates nothing")
    }

    func testNamespacedExportHasARoleAndIsAccepted() throws {
        try startSandbox()
        let file = try export(["--namespaced", "--namespace", "team-a", "--image", "registry.acme.dev/plumb:1.2.3"])
        let names = try objects(file)
        XCTAssertTrue(names.contains("role.rbac.authorization.k8s.io/plumb-controller"), "\(names)")
        XCTAssertTrue(names.contains("rolebinding.rbac.authorization.k8s.io/plumb-controller"), "\(names)")
        XCTAssertFalse(names.contains { $0.hasPrefix("clusterrole") }, "\(names)")
        let text = try String(contentsOfFile: file, encoding: .utf8)
        XCTAssertTrue(text.contains("--namespace=team-a"), "the controller watches its namespace only")
        XCTAssertTrue(text.contains("image: registry.acme.dev/plumb:1.2.3"))
        XCTAssertEqual(try kubectl("create", "namespace", "team-a").status, 0)
        let r = try kubectl("apply", "--server-side", "--dry-run=server", "-f", file)
        XCTAssertEqual(r.status, 0, r.stderr)
    }

    func testAppliedCRDServesApplicationsWithPrinterColumns() throws {
        try startSandbox()
        let file = try export()
        let r = try kubectl("apply", "--server-side", "-f", file)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(
            try kubectl("wait", "--for=condition=Established", "crd/applications.plumb.dev", "--timeout=10s").status, 0)
        let app = directory + "/app.yaml"
        try """
        apiVersion: plumb.dev/v1alpha1
        kind: Application
        metadata: {name: web, namespace: default}
        spec:
          source: {repoURL: "https://git.example.com/deploy.git", path: apps/web}
          syncPolicy: {automated: true}
        """.write(toFile: app, atomically: true, encoding: .utf8)
        XCTAssertEqual(try kubectl("apply", "--server-side", "-f", app).status, 0)
        let status =
            #"{"status":{"sync":{"status":"OutOfSync","revision":"9d01e77"},"health":{"status":"Progressing"}}}"#
        let patched = try kubectl("patch", "application", "web", "--subresource=status", "--type=merge", "-p", status)
        XCTAssertEqual(patched.status, 0, patched.stderr)
        let table = try kubectl("get", "applications")
        XCTAssertEqual(table.status, 0, table.stderr)
        let lines = table.stdout.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        XCTAssertEqual(lines.first, ["NAME", "REVISION", "SYNCED", "HEALTH", "AGE"])
        XCTAssertEqual(lines.dropFirst().first?.prefix(4), ["web", "9d01e77", "OutOfSync", "Progressing"])
        XCTAssertEqual(
            try kubectl("get", "app", "web", "-o", "name").stdout, "application.plumb.dev/web\n", "short name app")
    }

    func testBadFlagsAreOneLineWithExitCode2() throws {
        for args in [
            ["install"], ["install", "--export", "--log-format", "xml"], ["install", "--export", "-n", "Bad_NS"],
            // Several replicas cannot share the SQLite file on a ReadWriteOnce volume.
            ["install", "--export", "--replicas", "2", "--leader-elect"],
            ["install", "--export", "--shards", "3", "--replicas", "3"],
            ["install", "--export", "--leader-elect", "--audit-db", "sqlite:///x.db"],
            ["install", "--export", "--leader-elect", "--audit-db", "postgres://plumb:hunter2@db/audit"],
        ] {
            let r = try plumb(args)
            XCTAssertEqual(r.status, 2, "\(args)")
            XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
            XCTAssertTrue(r.stderr.hasPrefix("error: "), r.stderr)
            XCTAssertEqual(r.stdout, "")
            XCTAssertFalse(r.stderr.contains("hunter2"), r.stderr)
        }
    }

    /// With a shared PostgreSQL audit database, replicas have no PVC: the URL and the Secret
    /// holding the password are in the Deployment, the password itself nowhere.
    func testSeveralReplicasShareAPostgresAuditDatabase() throws {
        let url = "postgres://plumb@audit-db:5432/audit?sslmode=require"
        let r = try plumb([
            "install", "--export", "--replicas", "2", "--leader-elect", "--audit-db", url,
            "--audit-db-password-secret", "audit/pw",
        ])
        XCTAssertEqual(r.status, 0, r.stderr)
        let objects = try YAML.parseDocuments(r.stdout, file: "export").map(\.value)
        XCTAssertFalse(objects.contains { $0["kind"]?.stringValue == "PersistentVolumeClaim" })
        let deployment = try XCTUnwrap(objects.first { $0["kind"]?.stringValue == "Deployment" })
        let container = try XCTUnwrap(deployment[path: ["spec", "template", "spec", "containers"]]?.arrayValue?.first)
        XCTAssertTrue(container["args"]?.arrayValue?.contains(.string("--audit-db=\(url)")) ?? false)
        let password = container["env"]?.arrayValue?.first { $0["name"]?.stringValue == "PLUMB_AUDIT_DB_PASSWORD" }
        XCTAssertEqual(password?[path: ["valueFrom", "secretKeyRef", "name"]]?.stringValue, "audit")
        XCTAssertEqual(password?[path: ["valueFrom", "secretKeyRef", "key"]]?.stringValue, "pw")
    }

    /// The Deployment's command line is one `plumb controller` takes: run it (against the
    /// sandbox, with a writable audit database and a free port instead of the pod's) until it
    /// says it started.
    func testDeploymentArgumentsStartTheController() throws {
        try startSandbox()
        let r = try plumb(["install", "--export", "--namespaced", "--namespace", "default", "--log-format", "text"])
        let deployment = try XCTUnwrap(
            try YAML.parseDocuments(r.stdout, file: "export").map(\.value).first {
                $0["kind"]?.stringValue == "Deployment"
            })
        let container = try XCTUnwrap(deployment[path: ["spec", "template", "spec", "containers"]]?.arrayValue?.first)
        let args = container["args"]?.arrayValue?.compactMap(\.stringValue) ?? []
        XCTAssertEqual(args.first, "controller")
        XCTAssertTrue(args.contains("--namespace=default"), "\(args)")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CLI.plumbPath)
        // Later flags win: the pod's paths and port are replaced by the test's.
        process.arguments =
            args + [
                "--kubeconfig", kubeconfig, "--audit-db", directory + "/controller-audit.db", "--metrics-address",
                "127.0.0.1:0",
            ]
        var environment = ProcessInfo.processInfo.environment
        for variable in container["env"]?.arrayValue ?? [] {
            if let name = variable["name"]?.stringValue { environment[name] = directory + "/cache" }
        }
        process.environment = environment
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        defer {
            if process.isRunning { process.terminate() }
            process.waitUntilExit()
        }
        // availableData blocks while the process is silent: end it at the deadline in any case.
        let running = process
        DispatchQueue.global().asyncAfter(deadline: .now() + 20) { if running.isRunning { running.terminate() } }
        var log = ""
        let deadline = Date().addingTimeInterval(20)
        while !log.contains("controller started") && process.isRunning && Date() < deadline {
            let chunk = err.fileHandleForReading.availableData
            if chunk.isEmpty { usleep(20_000) }
            log += String(decoding: chunk, as: UTF8.self)
        }
        XCTAssertTrue(log.contains("controller started"), log)
        XCTAssertTrue(log.contains("concurrency=4") || log.contains("\"concurrency\":\"4\""), log)
    }
}
