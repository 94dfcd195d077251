import Foundation
import PlumbLocalCluster
import XCTest

/// `plumb diff`, `sync`, `rollback`, `history` and `audit` run as the built binary against a
/// `plumb sandbox` subprocess; every test has its own cluster, repository and audit database.
final class SyncEndToEndTests: SandboxTestCase {
    func testCreateUpdateUnchangedPruneAndDriftRepair() throws {
        try startSandbox()
        try writeApp()
        try repo.write("apps/web/legacy.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: legacy\n  namespace: web\ndata:\n  a: b\n")
        try repo.commit("first")

        var d = try diff()
        XCTAssertEqual(d.status, 1, d.stderr)
        XCTAssertTrue(d.stdout.contains("4 to create, 0 to update, 0 to prune, 0 unchanged"), d.stdout)

        var s = try sync(["--wait"])
        XCTAssertEqual(s.status, 0, s.stdout + s.stderr)
        XCTAssertTrue(s.stdout.contains("validating 4 objects … ok (server dry-run)"), s.stdout)
        XCTAssertTrue(s.stdout.contains("synced "), s.stdout)
        XCTAssertTrue(s.stdout.contains("4 created"), s.stdout)
        XCTAssertEqual(try diff().status, 0)
        let labels = try kubectl("get", "deployment", "web", "-n", "web", "-o", "jsonpath={.metadata.labels}")
        XCTAssertTrue(labels.stdout.contains("\"plumb.dev/app\":\"web\""), labels.stdout)
        XCTAssertTrue(labels.stdout.contains("\"app.kubernetes.io/managed-by\":\"plumb\""), labels.stdout)

        // Update one field, remove one object from Git.
        try writeApp(replicas: 3)
        try repo.git("rm", "-q", "apps/web/legacy.yaml")
        try repo.commit("scale")
        d = try diff(["--prune"])
        XCTAssertEqual(d.status, 1)
        XCTAssertTrue(d.stdout.contains("apps/v1 Deployment web/web  (update)"), d.stdout)
        XCTAssertTrue(d.stdout.contains("spec.replicas"), d.stdout)
        XCTAssertTrue(d.stdout.contains("v1 ConfigMap web/legacy  (prune)"), d.stdout)
        XCTAssertTrue(d.stdout.contains("0 to create, 1 to update, 1 to prune, 2 unchanged"), d.stdout)
        s = try sync(["--prune"])
        XCTAssertEqual(s.status, 0, s.stdout + s.stderr)
        XCTAssertTrue(s.stdout.contains("1 configured, 2 unchanged, 1 pruned"), s.stdout)
        XCTAssertNotEqual(try kubectl("get", "configmap", "legacy", "-n", "web").status, 0)
        XCTAssertEqual(try kubectl("get", "deployment", "web", "-n", "web", "-o", "jsonpath={.spec.replicas}").stdout, "3")

        // Drift: a field changed and an object deleted with kubectl.
        XCTAssertEqual(try kubectl("patch", "configmap", "settings", "-n", "web", "--type=merge", "-p", "{\"data\":{\"LOG_LEVEL\":\"debug\"}}").status, 0)
        XCTAssertEqual(try kubectl("delete", "service", "--all", "-n", "web").status, 0)
        XCTAssertEqual(try kubectl("delete", "deployment", "web", "-n", "web").status, 0)
        d = try diff()
        XCTAssertEqual(d.status, 1)
        XCTAssertTrue(d.stdout.contains("v1 ConfigMap web/settings  (update)"), d.stdout)
        XCTAssertTrue(d.stdout.contains("debug → info"), d.stdout)
        XCTAssertTrue(d.stdout.contains("apps/v1 Deployment web/web  (create)"), d.stdout)
        s = try sync()
        XCTAssertEqual(s.status, 0, s.stdout + s.stderr)
        XCTAssertEqual(try diff().status, 0)

        // History has the three syncs; the chain verifies.
        let h = try plumb(["history"])
        XCTAssertEqual(h.stdout.split(separator: "\n").filter { $0.contains("synced") }.count, 3, h.stdout)
        XCTAssertEqual(try plumb(["audit", "verify"]).status, 0)
    }

    /// On a terminal the progress line (wave, bar, done/total) is redrawn in place and cleared;
    /// through a pipe there is no control sequence at all.
    func testProgressLineOnATerminalOnly() throws {
        try startSandbox()
        try writeApp()
        try repo.commit("first")
        // A pseudo-terminal from Python's pty module; its output comes back through the pipe.
        let spawn = "import os, pty, sys; sys.exit(os.waitstatus_to_exitcode(pty.spawn(sys.argv[1:])))"
        let args = [CLI.plumbPath, "sync", "--repo", repo.path, "--path", "apps/web", "--kubeconfig", kubeconfig,
                    "--audit-db", directory + "/audit.db"]
        let tty = try CLI.run("python3", ["-c", spawn] + args, in: directory, timeout: 60)
        XCTAssertEqual(tty.status, 0, tty.stdout + tty.stderr)
        XCTAssertTrue(tty.stdout.contains("\r\u{1B}[2Kwave 0  ["), tty.stdout.debugDescription)
        XCTAssertTrue(tty.stdout.contains("/3"), "done/total of the 3 objects: \(tty.stdout.debugDescription)")
        XCTAssertTrue(tty.stdout.contains("synced "), tty.stdout)

        try writeApp(replicas: 2)
        try repo.commit("scale")
        let piped = try sync()
        XCTAssertEqual(piped.status, 0, piped.stdout + piped.stderr)
        XCTAssertFalse(piped.stdout.contains("\u{1B}["), piped.stdout.debugDescription)
        XCTAssertFalse(piped.stdout.contains("\r"), piped.stdout.debugDescription)
        XCTAssertTrue(piped.stdout.contains("1 configured"), piped.stdout)
    }

    func testWavesAndKindOrderAreApplied() throws {
        try startSandbox()
        try repo.write("apps/web/namespace.yaml", "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: web\n")
        func configMap(_ name: String, wave: Int) -> String {
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: \(name)\n  namespace: web\n  annotations:\n    plumb.dev/sync-wave: \"\(wave)\"\n"
        }
        try repo.write("apps/web/a.yaml", configMap("late", wave: 5))
        try repo.write("apps/web/b.yaml", configMap("middle", wave: 1))
        try repo.write("apps/web/c.yaml", configMap("early", wave: 0))
        try repo.write("apps/web/sa.yaml", "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: runner\n  namespace: web\n")
        try repo.commit("waves")
        let s = try sync()
        XCTAssertEqual(s.status, 0, s.stdout + s.stderr)
        // The order the server saw: resourceVersions grow with every write.
        func version(_ kind: String, _ name: String) throws -> Int {
            let r = try kubectl("get", kind, name, "-n", "web", "-o", "jsonpath={.metadata.resourceVersion}")
            return Int(r.stdout) ?? -1
        }
        let namespace = Int(try kubectl("get", "namespace", "web", "-o", "jsonpath={.metadata.resourceVersion}").stdout) ?? -1
        let order = [namespace, try version("serviceaccount", "runner"), try version("configmap", "early"),
                     try version("configmap", "middle"), try version("configmap", "late")]
        XCTAssertFalse(order.contains(-1), "\(order)")
        XCTAssertEqual(order, order.sorted(), "namespace, service account, then waves 0, 1, 5: \(order)")
        let lines = s.stdout.split(separator: "\n").filter { $0.hasPrefix("wave ") }
        XCTAssertEqual(lines.map { $0.split(separator: " ")[1] }, ["0", "0", "0", "1", "5"], s.stdout)
    }

    func testInvalidManifestAppliesNothingAndListsEveryFailure() throws {
        try startSandbox()
        try writeApp(replicas: -1)
        try repo.write("apps/web/bad.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Bad_Name\n  namespace: web\n")
        try repo.commit("bad")
        let s = try sync()
        XCTAssertEqual(s.status, 1)
        XCTAssertTrue(s.stderr.contains("error: apps/v1 Deployment web/web: dry-run failed: "), s.stderr)
        XCTAssertTrue(s.stderr.contains("spec.replicas"), s.stderr)
        XCTAssertTrue(s.stderr.contains("error: v1 ConfigMap web/Bad_Name: dry-run failed: "), s.stderr)
        XCTAssertTrue(s.stderr.contains("nothing was applied (2 of 4 objects failed validation)"), s.stderr)
        XCTAssertNotEqual(try kubectl("get", "namespace", "web").status, 0, "nothing may be applied")
        let h = try plumb(["history"])
        XCTAssertTrue(h.stdout.contains("failed"), h.stdout)
    }

    /// A misspelt field is refused by the server's schema at the dry-run, once (no retries),
    /// and nothing is applied.
    func testMisspeltFieldAppliesNothing() throws {
        try startSandbox()
        try writeApp()
        try repo.write("apps/web/typo.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: typo\n  namespace: web\ndatta:\n  a: b\n")
        try repo.commit("typo")
        let s = try sync()
        XCTAssertEqual(s.status, 1, s.stdout + s.stderr)
        XCTAssertTrue(
            s.stderr.contains("error: v1 ConfigMap web/typo: dry-run failed: failed to create typed patch object (default/typo; /v1, Kind=ConfigMap): .datta: field not declared in schema (checked in namespace \"default\": this sync creates \"web\")"),
            s.stderr)
        XCTAssertFalse((s.stdout + s.stderr).contains("retrying"), s.stdout + s.stderr)
        XCTAssertTrue(s.stderr.contains("nothing was applied (1 of 4 objects failed validation)"), s.stderr)
        XCTAssertNotEqual(try kubectl("get", "namespace", "web").status, 0, "nothing may be applied")
    }

    /// A server warning is printed once, however many requests bring it, and kept with its
    /// object in the audit record (`history show`, the export), which still verifies.
    func testServerWarningsArePrintedOnceAndKeptInTheAuditRecord() throws {
        try startSandbox()
        try writeApp()
        try repo.write(
            "apps/web/crd.yaml",
            """
            apiVersion: apiextensions.k8s.io/v1
            kind: CustomResourceDefinition
            metadata: {name: widgets.example.com}
            spec:
              group: example.com
              scope: Namespaced
              names: {plural: widgets, singular: widget, kind: Widget}
              versions:
                - name: v1
                  served: true
                  storage: true
                  schema:
                    openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}

            """)
        try repo.commit("crd")
        XCTAssertEqual(try sync().status, 0)
        try repo.write(
            "apps/web/widget.yaml",
            "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n  namespace: web\n  finalizers: [cleanup]\nspec:\n  size: 1\n")
        try repo.commit("widget")
        let s = try sync()
        XCTAssertEqual(s.status, 0, s.stdout + s.stderr)
        let warning = #"metadata.finalizers: "cleanup": prefer a domain-qualified finalizer name including a path (/) to avoid accidental conflicts with other finalizer writers"#
        XCTAssertEqual(s.stderr.components(separatedBy: "warning: example.com/v1 Widget web/w: " + warning).count, 2, s.stderr)
        let show = try plumb(["history", "show", "2"])
        XCTAssertTrue(show.stdout.contains("example.com/v1 Widget web/w") && show.stdout.contains("warning: " + warning), show.stdout)
        let export = try plumb(["audit", "export", "--format", "jsonl"])
        XCTAssertTrue(export.stdout.contains(#""warnings":["metadata.finalizers: \"cleanup\": prefer"#), export.stdout)
        XCTAssertEqual(try plumb(["audit", "verify"]).status, 0)
    }

    /// A reader that goes away (`plumb sync | head -1`) does not stop the sync halfway.
    func testClosedOutputDoesNotInterruptTheSync() throws {
        try startSandbox()
        try writeApp()
        try repo.commit("first")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CLI.plumbPath)
        process.arguments = ["sync", "--repo", repo.path, "--path", "apps/web", "--kubeconfig", kubeconfig, "--audit-db", directory + "/audit.db"]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        try out.fileHandleForReading.close()
        let deadline = Date().addingTimeInterval(60)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        XCTAssertFalse(process.isRunning)
        XCTAssertEqual(process.terminationReason, .exit, "not killed by SIGPIPE")
        XCTAssertEqual(process.terminationStatus, 0)
        let h = try plumb(["history"])
        XCTAssertTrue(h.stdout.contains("synced"), h.stdout)
        XCTAssertFalse(h.stdout.contains("interrupted"), h.stdout)
        XCTAssertEqual(try kubectl("get", "deployment", "web", "-n", "web").status, 0)
    }

    func testPruneProtectionAndAnotherAppsObjects() throws {
        try startSandbox()
        try writeApp()
        try repo.write("apps/web/kept.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: kept\n  namespace: web\n  annotations:\n    plumb.dev/prune: disabled\n")
        try repo.commit("first")
        XCTAssertEqual(try sync().status, 0)
        // Another app's object in the same namespace.
        XCTAssertEqual(try kubectl("create", "configmap", "other", "-n", "web").status, 0)
        XCTAssertEqual(try kubectl("label", "configmap", "other", "-n", "web", "plumb.dev/app=api").status, 0)
        try repo.git("rm", "-q", "apps/web/kept.yaml")
        try repo.commit("drop kept")
        let s = try sync(["--prune"])
        XCTAssertEqual(s.status, 0, s.stdout + s.stderr)
        XCTAssertEqual(try kubectl("get", "configmap", "kept", "-n", "web").status, 0, "protected from pruning")
        XCTAssertEqual(try kubectl("get", "configmap", "other", "-n", "web").status, 0, "another app's object")
    }

    func testConflictWithAnotherManagerNeedsForce() throws {
        try startSandbox()
        try writeApp()
        try repo.commit("first")
        XCTAssertEqual(try sync().status, 0)
        let patch = directory + "/other.yaml"
        try "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: web\ndata:\n  LOG_LEVEL: warn\n"
            .write(toFile: patch, atomically: true, encoding: .utf8)
        let other = try kubectl("apply", "--server-side", "--force-conflicts", "--field-manager=other", "-f", patch)
        XCTAssertEqual(other.status, 0, other.stderr)
        try writeApp(extra: "  EXTRA: x\n")
        try repo.commit("extra")
        var s = try sync()
        XCTAssertEqual(s.status, 1)
        XCTAssertTrue(s.stderr.contains("v1 ConfigMap web/settings"), s.stderr)
        XCTAssertTrue(s.stderr.contains("conflict with \"other\""), s.stderr)
        XCTAssertTrue(s.stderr.contains(".data.LOG_LEVEL"), s.stderr)
        s = try sync(["--force-conflicts"])
        XCTAssertEqual(s.status, 0, s.stdout + s.stderr)
        XCTAssertEqual(try kubectl("get", "configmap", "settings", "-n", "web", "-o", "jsonpath={.data.LOG_LEVEL}").stdout, "info")
    }

    func testSecretValuesNeverAppear() throws {
        try startSandbox()
        try writeApp()
        let secret = "hunter2-very-secret"
        let encoded = Data(secret.utf8).base64EncodedString()
        try repo.write("apps/web/secret.yaml", "apiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\n  namespace: web\nstringData:\n  password: \(secret)\n")
        try repo.commit("secret")
        var outputs: [CommandResult] = [try diff(), try diff(["-o", "json"]), try diff(["--diff-format", "unified"]), try sync()]
        try repo.write("apps/web/secret.yaml", "apiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\n  namespace: web\nstringData:\n  password: \(secret)-2\n")
        try repo.commit("rotate")
        outputs += [try diff(), try diff(["-o", "json"]), try sync(), try plumb(["history", "show", "2"]), try plumb(["audit", "export"])]
        XCTAssertTrue(outputs[4].stdout.contains("data.password"), outputs[4].stdout)
        for out in outputs {
            for text in [out.stdout, out.stderr] {
                XCTAssertFalse(text.contains(secret), text)
                XCTAssertFalse(text.contains(encoded), text)
                XCTAssertFalse(text.contains(Data("\(secret)-2".utf8).base64EncodedString()), text)
            }
        }
    }

    func testAuditTamperDetectionAndRollback() throws {
        try startSandbox()
        try writeApp(image: "nginx:1.26")
        let first = try repo.commit("first")
        XCTAssertEqual(try sync().status, 0)
        try writeApp(image: "nginx:1.27")
        try repo.commit("bump")
        XCTAssertEqual(try sync().status, 0)
        let r = try plumb(["rollback", "--to", "1", "--repo", repo.path, "--path", "apps/web"])
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        XCTAssertTrue(r.stdout.contains("revision \(first.prefix(7))"), r.stdout)
        let image = try kubectl("get", "deployment", "web", "-n", "web", "-o", "jsonpath={.spec.template.spec.containers[0].image}")
        XCTAssertEqual(image.stdout, "nginx:1.26")
        let show = try plumb(["history", "show", "3"])
        XCTAssertTrue(show.stdout.contains("rollback"), show.stdout)
        XCTAssertEqual(try plumb(["audit", "verify"]).status, 0)
        let db = directory + "/audit.db"
        let edit = try CLI.run("sqlite3", [db, "UPDATE audit_record SET app = 'evil' WHERE id = 2"])
        XCTAssertEqual(edit.status, 0, edit.stderr)
        let verify = try plumb(["audit", "verify"])
        XCTAssertEqual(verify.status, 1, verify.stdout + verify.stderr)
        XCTAssertTrue((verify.stdout + verify.stderr).contains("2"), verify.stdout + verify.stderr)
    }

    /// A local cluster in this process, for the simulation's knobs (failing or unready workloads).
    func startInProcess() async throws -> LocalCluster {
        let cluster = LocalCluster(options: .init())
        try await cluster.start()
        kubeconfig = directory + "/kubeconfig"
        try await cluster.writeKubeconfig(to: kubeconfig)
        return cluster
    }

    func testAWorkloadThatFailsHealthFailsTheSyncWithTheReason() async throws {
        let cluster = try await startInProcess()
        try writeApp()
        try repo.commit("first")
        await cluster.failWorkload(namespace: "web", name: "web")
        let s = try sync(["--wait", "--timeout", "30s"])
        await cluster.stop()
        XCTAssertEqual(s.status, 1, s.stdout + s.stderr)
        XCTAssertTrue(s.stderr.contains("apps/v1 Deployment web/web"), s.stderr)
        XCTAssertTrue(s.stderr.contains("ProgressDeadlineExceeded"), s.stderr)
    }

    func testKilledSyncIsReportedInterruptedAndTheNextOneCompletes() async throws {
        let cluster = try await startInProcess()
        try writeApp(replicas: 2)
        try repo.commit("first")
        // A workload that stays unready keeps `sync --wait` busy until it is killed.
        await cluster.keepUnready(namespace: "web", name: "web")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CLI.plumbPath)
        process.arguments = [
            "sync", "--repo", repo.path, "--path", "apps/web", "--kubeconfig", kubeconfig, "--audit-db", directory + "/audit.db",
            "--wait", "--timeout", "60s",
        ]
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            if try kubectl("get", "deployment", "web", "-n", "web").status == 0 { break }
            usleep(100_000)
        }
        usleep(300_000)
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        await cluster.makeHealthy(namespace: "web", name: "web")
        let s = try sync(["--wait", "--timeout", "30s"])
        await cluster.stop()
        XCTAssertTrue(s.stderr.contains("warning: sync #1"), s.stderr)
        XCTAssertTrue(s.stderr.contains("interrupted"), s.stderr)
        XCTAssertEqual(s.status, 0, s.stdout + s.stderr)
        let h = try plumb(["history"])
        XCTAssertTrue(h.stdout.contains("interrupted"), h.stdout)
        XCTAssertTrue(h.stdout.contains("synced"), h.stdout)
    }
}
