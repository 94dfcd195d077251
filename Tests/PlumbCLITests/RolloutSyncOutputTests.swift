import Foundation
import PlumbCore
import PlumbLocalCluster
import PlumbTesting
import XCTest

/// `plumb sync --wait` (text and `-o json`) says what happened to each rollout: its phase, step
/// k of n, weight and canary, and for a rolled-back one the step, metric, value and threshold.
/// The analysis is a `web` metric read from a file served by Python's http.server.
final class RolloutSyncOutputTests: SandboxTestCase {
    var cluster: LocalCluster?
    var http: Server?
    var served = ""
    var port = 0

    override func tearDown() async throws {
        http?.stop()
        await cluster?.stop()
        cluster = nil
    }

    func start() async throws {
        let c = LocalCluster(options: .init(workloadDelay: .milliseconds(50)))
        try await c.start()
        cluster = c
        kubeconfig = directory + "/kubeconfig"
        try await c.writeKubeconfig(to: kubeconfig)
        let crds = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("charts/plumb/crds").path
        for name in ["rolloutstrategies.plumb.dev", "rolloutanalyses.plumb.dev"] {
            let applied = try kubectl("apply", "--server-side", "-f", crds + "/\(name).yaml")
            XCTAssertEqual(applied.status, 0, applied.stderr)
            XCTAssertEqual(try kubectl("wait", "--for=condition=Established", "--timeout=10s", "crd/\(name)").status, 0)
        }
        served = directory + "/served"
        try FileManager.default.createDirectory(atPath: served, withIntermediateDirectories: true)
        try successRate(0.99)
        port = try freePort()
        http = try Server("/usr/bin/python3", ["-m", "http.server", String(port), "--bind", "127.0.0.1", "--directory", served], log: directory + "/http.log")
        try waitForPort(port, server: http)
    }

    func successRate(_ rate: Double) throws { try write(served + "/rate.json", "{\"successRate\": \(rate)}") }

    func writeRollout() throws {
        try repo.write(
            "apps/web/rollout.yaml",
            """
            apiVersion: plumb.dev/v1alpha1
            kind: RolloutAnalysis
            metadata:
              name: success-rate
              namespace: web
            spec:
              metrics:
                - name: success-rate
                  thresholdRange:
                    min: 0.95
                  provider:
                    web:
                      url: http://127.0.0.1:\(port)/rate.json
                      jsonPath: "{$.successRate}"
            ---
            apiVersion: plumb.dev/v1alpha1
            kind: RolloutStrategy
            metadata:
              name: web
              namespace: web
            spec:
              targetRef:
                apiVersion: apps/v1
                kind: Deployment
                name: web
              strategy:
                canary:
                  steps:
                    - setWeight: 50
                    - analysis:
                        templates:
                          - templateName: success-rate

            """)
    }

    func json(_ r: CommandResult) throws -> Value {
        do {
            return try JSONReader().parse(r.stdout)
        } catch {
            XCTFail("stdout is not JSON (\(error)):\n\(r.stdout)\nstderr:\n\(r.stderr)")
            throw error
        }
    }

    func testSyncReportsEachRolloutInTextAndJSON() async throws {
        try await start()
        try writeApp(replicas: 2)
        try writeRollout()
        try repo.commit("web 1.27")
        let first = try sync(["--wait", "--timeout", "30s", "-o", "json"])
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertEqual(try json(first)["rollouts"], [], "a new Deployment is created without a rollout")

        // A passing canary: promoted, all steps run, weight back to 0.
        try writeApp(replicas: 2, image: "nginx:1.28")
        let v2 = try repo.commit("web 1.28")
        let passed = try sync(["--wait", "--timeout", "30s", "-o", "json"])
        XCTAssertEqual(passed.status, 0, passed.stdout + passed.stderr)
        let promoted = try XCTUnwrap(try json(passed)["rollouts"]?.arrayValue?.first, passed.stdout)
        XCTAssertEqual(promoted["phase"], "Healthy")
        XCTAssertEqual(promoted["action"], "start")
        XCTAssertEqual(promoted["step"], 2)
        XCTAssertEqual(promoted["steps"], 2)
        XCTAssertEqual(promoted["weight"], 0)
        XCTAssertEqual(promoted["canary"], "web-canary")
        XCTAssertEqual(promoted["router"], "none")
        XCTAssertEqual(promoted["revision"]?.stringValue, v2)
        XCTAssertEqual(promoted[path: ["strategy", "name"]], "web")
        XCTAssertEqual(promoted[path: ["target", "kind"]], "Deployment")
        XCTAssertNil(promoted["failure"])
        XCTAssertTrue(passed.stderr.contains("rollout web/web: Healthy, step 2 of 2, weight 0, canary web-canary, revision \(v2.prefix(7))"), passed.stderr)

        // A failing analysis: rolled back; the step, metric, value and threshold are in both forms.
        try successRate(0.5)
        try writeApp(replicas: 2, image: "nginx:1.29")
        try repo.commit("web 1.29")
        let failed = try sync(["--wait", "--timeout", "30s", "-o", "json"])
        XCTAssertEqual(failed.status, 1, failed.stdout + failed.stderr)
        let document = try json(failed)
        XCTAssertEqual(document["result"], "failed")
        let rolledBack = try XCTUnwrap(document["rollouts"]?.arrayValue?.first, failed.stdout)
        XCTAssertEqual(rolledBack["phase"], "Degraded")
        XCTAssertEqual(rolledBack["weight"], 0)
        XCTAssertEqual(rolledBack["steps"], 2)
        let failure = try XCTUnwrap(rolledBack["failure"], failed.stdout)
        XCTAssertEqual(failure["step"], 2)
        XCTAssertEqual(failure["metric"], "success-rate")
        XCTAssertEqual(failure["value"], "0.5")
        XCTAssertEqual(failure["threshold"], "min 0.95")
        XCTAssertTrue(failure["message"]?.stringValue?.contains("0.5") == true, "\(failure)")
        XCTAssertTrue(
            failed.stderr.contains("rollout web/web: Degraded at step 2 of 2, weight 0, canary web-canary: success-rate 0.5 (threshold min 0.95)"),
            failed.stderr)
        let image = try kubectl("get", "deployment", "web", "-n", "web", "-o", "jsonpath={.spec.template.spec.containers[0].image}")
        XCTAssertEqual(image.stdout, "nginx:1.28", "the stable Deployment kept the promoted template")

        // The same revision again: blocked, and said so.
        let blocked = try sync(["--wait", "--timeout", "30s", "-o", "json"])
        let held = try XCTUnwrap(try json(blocked)["rollouts"]?.arrayValue?.first, blocked.stdout)
        XCTAssertEqual(held["action"], "blocked")
        XCTAssertEqual(held["phase"], "Degraded")
        XCTAssertEqual(held[path: ["failure", "metric"]], "success-rate")
    }

    /// A bare copy of the test repository served by git-daemon with pushes allowed.
    func serveRepository() throws -> (url: String, bare: String, daemon: Server) {
        let root = directory + "/git"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let bare = root + "/repo.git"
        _ = try CLI.run("git", ["clone", "-q", "--bare", repo.path, bare])
        let gitPort = try freePort()
        let direct = FileManager.default.isExecutableFile(atPath: "/usr/lib/git-core/git-daemon")
        let daemon = try Server(
            direct ? "/usr/lib/git-core/git-daemon" : "/usr/bin/git",
            (direct ? [] : ["daemon"]) + [
                "--export-all", "--enable=receive-pack", "--base-path=\(root)", "--reuseaddr", "--listen=127.0.0.1",
                "--port=\(gitPort)", root,
            ],
            log: directory + "/daemon.log")
        try waitForPort(gitPort, server: daemon)
        return ("git://127.0.0.1:\(gitPort)/repo.git", bare, daemon)
    }

    func testRevertCommitIsPushedAfterARollback() async throws {
        try await start()
        try writeApp(replicas: 2)
        try writeRollout()
        try repo.commit("web 1.27")
        let (url, bare, daemon) = try serveRepository()
        defer { daemon.stop() }
        func push() throws { _ = try repo.git("push", "-q", bare, "main") }
        func syncRemote(_ extra: [String]) throws -> CommandResult {
            try plumb(["sync", "--repo", url, "--path", "apps/web", "--cache-dir", directory + "/cache", "--wait", "--timeout", "30s"] + extra)
        }
        let first = try syncRemote([])
        XCTAssertEqual(first.status, 0, first.stdout + first.stderr)

        try successRate(0.5)
        try writeApp(replicas: 2, image: "nginx:1.29")
        let bad = try repo.commit("web 1.29")
        try push()
        let failed = try syncRemote(["--revert-commit", "--revert-author", "Rollbot <rollbot@example.com>"])
        XCTAssertEqual(failed.status, 1, failed.stdout + failed.stderr)
        XCTAssertTrue(failed.stdout.contains("reverted \(bad.prefix(7)) on main: pushed "), failed.stdout + failed.stderr)

        // The branch has the revert on top of the failed commit, by the given author, with Git's message.
        let log = try CLI.run("git", ["--git-dir", bare, "log", "-2", "--format=%an <%ae>|%s|%P", "main"])
        let lines = log.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 2, log.stdout + log.stderr)
        let head = lines.first?.split(separator: "|").map(String.init) ?? []
        XCTAssertEqual(head.first, "Rollbot <rollbot@example.com>")
        XCTAssertEqual(head.dropFirst().first, "Revert \"web 1.29\"")
        XCTAssertEqual(head.last, bad, "the revert's parent is the failed commit")
        let body = try CLI.run("git", ["--git-dir", bare, "log", "-1", "--format=%b", "main"]).stdout
        XCTAssertTrue(body.contains("This reverts commit \(bad)."), body)
        XCTAssertTrue(body.contains("Plumb rolled back web/web"), body)
        let tree = try CLI.run("git", ["--git-dir", bare, "show", "main:apps/web/deployment.yaml"]).stdout
        XCTAssertTrue(tree.contains("image: nginx:1.27"), tree)

        // Git and the cluster agree: the next sync of the branch starts no rollout and changes no template.
        let again = try syncRemote(["-o", "json"])
        XCTAssertEqual(again.status, 0, again.stdout + again.stderr)
        let document = try json(again)
        XCTAssertEqual(document["rollouts"], [], "Git's template is the stable one again: no rollout")
        let deployment = document["objects"]?.arrayValue?.first { $0[path: ["ref", "kind"]] == "Deployment" }
        XCTAssertEqual(deployment?["action"], "unchanged", again.stdout)
        let image = try kubectl("get", "deployment", "web", "-n", "web", "-o", "jsonpath={.spec.template.spec.containers[0].image}")
        XCTAssertEqual(image.stdout, "nginx:1.27")
    }

    func testRevertCommitNeedsARemote() async throws {
        try await start()
        try writeApp(replicas: 2)
        try writeRollout()
        try repo.commit("web 1.27")
        XCTAssertEqual(try sync(["--wait", "--timeout", "30s"]).status, 0)
        try successRate(0.5)
        try writeApp(replicas: 2, image: "nginx:1.29")
        try repo.commit("web 1.29")
        let failed = try sync(["--wait", "--timeout", "30s", "--revert-commit"])
        XCTAssertEqual(failed.status, 1)
        XCTAssertTrue(failed.stderr.contains("error: revert commit of"), failed.stderr)
        XCTAssertTrue(failed.stderr.contains("not to a local path"), failed.stderr)
        let bad = try plumb(["sync", "--repo", repo.path, "--path", "apps/web", "--revert-author", "nobody"])
        XCTAssertEqual(bad.status, 2, bad.stderr)
        XCTAssertTrue(bad.stderr.contains("--revert-author nobody: expected \"Name <email>\""), bad.stderr)
    }
}
