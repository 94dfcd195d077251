import Foundation
import XCTest

/// `plumb app list|get|sync|suspend|resume` with the built binary against a `plumb sandbox`,
/// on Applications made with kubectl and statuses written through the status subresource.
final class AppCommandTests: SandboxTestCase {
    static let crd = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("charts/plumb/crds/applications.plumb.dev.yaml").path
    static let sha = "3f9c2ab0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6"

    private func app(_ args: String...) throws -> CommandResult {
        try plumb(["app"] + args + ["--kubeconfig", kubeconfig])
    }

    /// A sandbox with the CRD and three Applications: apps/web (automated, synced and healthy,
    /// with conditions and resources), apps/api (manual, no status), default/docs (suspended).
    private func startWithApplications() throws {
        try startSandbox()
        XCTAssertEqual(try kubectl("apply", "--server-side", "-f", Self.crd).status, 0)
        XCTAssertEqual(
            try kubectl("wait", "--for=condition=Established", "crd/applications.plumb.dev", "--timeout=10s").status, 0)
        XCTAssertEqual(try kubectl("create", "namespace", "apps").status, 0)
        let file = directory + "/apps.yaml"
        try """
        apiVersion: plumb.dev/v1alpha1
        kind: Application
        metadata: {name: web, namespace: apps}
        spec:
          source: {repoURL: "https://git.example.com/deploy.git", path: apps/web, revision: main}
          interval: 1m
          syncPolicy: {automated: true, prune: true, selfHeal: true}
        ---
        apiVersion: plumb.dev/v1alpha1
        kind: Application
        metadata: {name: api, namespace: apps}
        spec:
          source: {repoURL: "https://git.example.com/deploy.git", path: apps/api}
        ---
        apiVersion: plumb.dev/v1alpha1
        kind: Application
        metadata: {name: docs, namespace: default}
        spec:
          source: {repoURL: "https://git.example.com/docs.git"}
          suspend: true
        """.write(toFile: file, atomically: true, encoding: .utf8)
        let created = try kubectl("apply", "--server-side", "-f", file)
        XCTAssertEqual(created.status, 0, created.stderr)
        try writeStatus("web", ready: "True", reason: "Succeeded", message: "synced \(Self.sha.prefix(7))")
    }

    /// Writes web's status through the status subresource, as the controller does.
    private func writeStatus(_ name: String, ready: String, reason: String, message: String, handled: String? = nil)
        throws
    {
        let status: [String: Any] = [
            "status": [
                "observedGeneration": 1,
                "sync": ["status": "Synced", "revision": Self.sha],
                "health": ["status": "Healthy"],
                "lastSyncedRevision": Self.sha, "lastAttemptedRevision": Self.sha, "lastAuditID": 42,
                "lastHandledReconcileAt": handled ?? "",
                "conditions": [
                    [
                        "type": "Ready", "status": ready, "reason": reason, "message": message,
                        "lastTransitionTime": "2026-12-07T00:00:00Z",
                    ]
                ],
                "resources": [
                    [
                        "group": "apps", "kind": "Deployment", "namespace": "web", "name": "web", "status": "Synced",
                        "health": "Healthy",
                    ]
                ],
            ]
        ]
        let json = String(decoding: try JSONSerialization.data(withJSONObject: status), as: UTF8.self)
        let r = try kubectl(
            "patch", "application", name, "-n", "apps", "--subresource=status", "--type=merge", "-p", json)
        XCTAssertEqual(r.status, 0, r.stderr)
    }

    private func rows(_ text: String) -> [[String]] {
        text.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
    }

    func testListShowsRevisionSyncAndHealthInEveryNamespaceOrOne() throws {
        try startWithApplications()
        let all = try app("list")
        XCTAssertEqual(all.status, 0, all.stderr)
        XCTAssertEqual(
            rows(all.stdout),
            [
                ["NAMESPACE", "NAME", "REVISION", "SYNC", "HEALTH", "READY", "POLICY", "REPO", "PATH"],
                [
                    "apps", "api", "-", "Unknown", "Unknown", "-", "manual", "https://git.example.com/deploy.git",
                    "apps/api",
                ],
                [
                    "apps", "web", "3f9c2ab", "Synced", "Healthy", "True", "auto+prune+heal",
                    "https://git.example.com/deploy.git", "apps/web",
                ],
                [
                    "default", "docs", "-", "Unknown", "Unknown", "-", "suspended", "https://git.example.com/docs.git",
                    ".",
                ],
            ])
        let one = try app("list", "-n", "apps")
        XCTAssertEqual(rows(one.stdout).first?.first, "NAME")
        XCTAssertEqual(rows(one.stdout).dropFirst().map(\.first), ["api", "web"])
        let json = try app("list", "-o", "json")
        let items = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]]
        XCTAssertEqual(
            items?.compactMap { ($0["metadata"] as? [String: Any])?["name"] as? String }, ["api", "web", "docs"])
        let empty = try app("list", "-n", "kube-system")
        XCTAssertEqual(empty.status, 0)
        XCTAssertEqual(empty.stdout, "")
        XCTAssertEqual(empty.stderr, "no Applications in namespace kube-system\n")
    }

    func testGetShowsStatusConditionsResourcesAndAuditID() throws {
        try startWithApplications()
        let r = try app("get", "web", "-n", "apps")
        XCTAssertEqual(r.status, 0, r.stderr)
        for line in [
            "Name:           apps/web",
            "Source:         https://git.example.com/deploy.git  path apps/web  revision main",
            "Sync policy:    auto+prune+heal  every 1m",
            "Sync status:    Synced to 3f9c2ab",
            "Health:         Healthy",
            "Last audit ID:  #42",
        ] {
            XCTAssertTrue(r.stdout.contains(line + "\n"), "missing \(line) in\n\(r.stdout)")
        }
        XCTAssertTrue(
            rows(r.stdout).contains(["Ready", "True", "Succeeded", "2026-12-07T00:00:00Z", "synced", "3f9c2ab"]),
            r.stdout)
        XCTAssertTrue(rows(r.stdout).contains(["apps", "Deployment", "web", "web", "Synced", "Healthy"]), r.stdout)
        let json = try app("get", "web", "-n", "apps", "-o", "json")
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        XCTAssertEqual((object?["status"] as? [String: Any])?["lastAuditID"] as? Int, 42)
    }

    func testMissingApplicationOrCRDExitsOneWithOneLine() throws {
        try startSandbox()
        let noCRD = try app("list")
        XCTAssertEqual(noCRD.status, 1)
        XCTAssertTrue(
            noCRD.stderr.hasPrefix("error: plumb.dev/v1alpha1 Application: the server does not serve this kind"),
            noCRD.stderr)
        XCTAssertEqual(try kubectl("apply", "--server-side", "-f", Self.crd).status, 0)
        XCTAssertEqual(
            try kubectl("wait", "--for=condition=Established", "crd/applications.plumb.dev", "--timeout=10s").status, 0)
        for verb in ["get", "sync", "suspend", "resume"] {
            let r = try app(verb, "nope", "-n", "default")
            XCTAssertEqual(r.status, 1, "\(verb): \(r.stderr)")
            XCTAssertEqual(r.stderr, "error: plumb.dev/v1alpha1 Application default/nope: not found\n", verb)
        }
        let bad = try app("sync", "web", "--timeout", "soon")
        XCTAssertEqual(bad.status, 2)
        XCTAssertEqual(bad.stderr.split(separator: "\n").count, 1, bad.stderr)
    }

    func testSyncSetsTheReconcileAnnotationAndWaitsForTheController() throws {
        try startWithApplications()
        let before = Date()
        let r = try app("sync", "web", "-n", "apps")
        XCTAssertEqual(r.status, 0, r.stderr)
        let value = try kubectl(
            "get", "application", "web", "-n", "apps", "-o",
            #"jsonpath={.metadata.annotations.plumb\.dev/reconcile-at}"#
        ).stdout
        XCTAssertEqual(r.stdout, "reconcile of apps/web requested at \(value)\n")
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let at = try XCTUnwrap(formatter.date(from: value), value)
        XCTAssertGreaterThanOrEqual(at.timeIntervalSince(before), -1)
        XCTAssertLessThan(Date().timeIntervalSince(at), 30)

        // A stand-in for the controller: when the annotation changes, report the reconcile.
        let annotation = #"jsonpath={.metadata.annotations.plumb\.dev/reconcile-at}"#
        for (ready, expectedStatus) in [("True", Int32(0)), ("False", Int32(1))] {
            let previous = try kubectl("get", "application", "web", "-n", "apps", "-o", annotation).stdout
            let done = DispatchSemaphore(value: 0)
            // The test waits for this thread (done.wait()) before it touches self again.
            nonisolated(unsafe) let test = self
            DispatchQueue.global().async {
                defer { done.signal() }
                for _ in 0..<100 {
                    let now =
                        (try? test.kubectl("get", "application", "web", "-n", "apps", "-o", annotation).stdout) ?? ""
                    if !now.isEmpty && now != previous {
                        try? test.writeStatus(
                            "web", ready: ready, reason: ready == "True" ? "Succeeded" : "SyncFailed", message: "done",
                            handled: now)
                        return
                    }
                    usleep(100_000)
                }
            }
            let waited = try app("sync", "web", "-n", "apps", "--wait", "--timeout", "20s")
            done.wait()
            XCTAssertEqual(waited.status, expectedStatus, waited.stderr)
            if ready == "True" {
                XCTAssertTrue(
                    waited.stdout.hasSuffix("reconciled apps/web: Synced to 3f9c2ab, Healthy\n"), waited.stdout)
            } else {
                XCTAssertEqual(waited.stderr, "error: apps/web: Synced to 3f9c2ab, Healthy: SyncFailed: done\n")
            }
        }
    }

    func testSuspendAndResumePatchSpecSuspend() throws {
        try startWithApplications()
        func suspended() throws -> String {
            try kubectl("get", "application", "web", "-n", "apps", "-o", "jsonpath={.spec.suspend}").stdout
        }
        let s = try app("suspend", "web", "-n", "apps")
        XCTAssertEqual(s.stdout, "apps/web suspended\n", s.stderr)
        XCTAssertEqual(try suspended(), "true")
        XCTAssertEqual(rows(try app("list", "-n", "apps").stdout).last?[5], "suspended")
        let r = try app("resume", "web", "-n", "apps")
        XCTAssertEqual(r.stdout, "apps/web resumed\n", r.stderr)
        XCTAssertEqual(try suspended(), "false")
        let annotation = try kubectl(
            "get", "application", "web", "-n", "apps", "-o",
            #"jsonpath={.metadata.annotations.plumb\.dev/reconcile-at}"#
        ).stdout
        XCTAssertFalse(annotation.isEmpty, "resume asks for a reconcile at once")
    }

    /// A spec the schema lets through but the controller refuses is shown as such, with the
    /// controller's reason, instead of a policy.
    func testASpecTheControllerRefusesIsShownAsInvalid() throws {
        try startWithApplications()
        let patched = try kubectl(
            "patch", "application", "api", "-n", "apps", "--type=merge", "-p", #"{"spec":{"interval":"0s"}}"#)
        XCTAssertEqual(patched.status, 0, patched.stderr)
        let r = try app("get", "api", "-n", "apps")
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("Spec:           invalid: spec.interval: must be more than 0s\n"), r.stdout)
        XCTAssertEqual(rows(try app("list", "-n", "apps").stdout).dropFirst().first?[5], "invalid")
    }
}
