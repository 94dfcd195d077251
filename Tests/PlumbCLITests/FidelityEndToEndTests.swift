import Foundation
import PlumbLocalCluster
import XCTest

/// What failed only on a real kube-apiserver until the local cluster behaved like it: the
/// built `plumb` binary against a `plumb sandbox` subprocess.
final class FidelityEndToEndTests: SandboxTestCase {
    /// A CRD and a custom resource of it in one commit: the cluster establishes the CRD a few
    /// milliseconds after the create, as kube-apiserver does, and lists the kind in discovery
    /// only then; one sync must create both.
    func testACRDAndItsCustomResourceSyncInOneGo() throws {
        try startSandbox()
        try repo.write(
            "apps/web/crd.yaml",
            """
            apiVersion: apiextensions.k8s.io/v1
            kind: CustomResourceDefinition
            metadata: {name: gadgets.example.plumb.test}
            spec:
              group: example.plumb.test
              scope: Namespaced
              names: {plural: gadgets, singular: gadget, kind: Gadget}
              versions:
                - name: v1
                  served: true
                  storage: true
                  schema:
                    openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}

            """)
        try repo.write("apps/web/namespace.yaml", "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: demo\n")
        try repo.write(
            "apps/web/gadget.yaml",
            "apiVersion: example.plumb.test/v1\nkind: Gadget\nmetadata:\n  name: g1\n  namespace: demo\nspec:\n  size: 1\n")
        try repo.commit("crd and gadget")
        let s = try sync()
        XCTAssertEqual(s.status, 0, s.stdout + s.stderr)
        XCTAssertTrue(s.stdout.contains("Gadget demo/g1"), s.stdout)
        XCTAssertTrue(s.stdout.contains("3 created"), s.stdout)
        let get = try kubectl("get", "gadgets.example.plumb.test", "-n", "demo", "g1", "-o", "jsonpath={.spec.size}")
        XCTAssertEqual(get.stdout, "1", get.stderr)
        let again = try diff()
        XCTAssertEqual(again.status, 0, again.stdout + again.stderr)
    }

    /// An in-process cluster this test can take down; the kubeconfig points `plumb` at it.
    func startCluster() async throws -> LocalCluster {
        let cluster = LocalCluster(options: LocalCluster.Options(port: 0, tls: true, simulateWorkloads: false))
        try await cluster.start()
        kubeconfig = directory + "/kubeconfig"
        try await cluster.writeKubeconfig(to: kubeconfig)
        return cluster
    }

    func writeConfigMaps(_ count: Int) throws {
        try repo.write("apps/web/namespace.yaml", "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: web\n")
        var text = ""
        for i in 0..<count {
            text += "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-\(i)\n  namespace: web\ndata:\n  k: v\n"
        }
        try repo.write("apps/web/configmaps.yaml", text)
        try repo.commit("config maps")
    }

    /// The API server killed mid-sync and never back: one line when it goes, the sync stops
    /// soon after the bound with one summary line, and the audit record says which objects were
    /// applied, not attempted, or unknown. Once it is back, a sync finishes the job.
    func testAnOutagePastTheBoundStopsTheSyncAndSaysWhatWasNotDone() async throws {
        let cluster = try await startCluster()
        defer { Task { await cluster.stop() } }
        try writeConfigMaps(200)
        await cluster.goUnreachable(afterWrites: 60, lasting: nil)
        let s = try sync(["--unreachable-timeout", "3s"])
        XCTAssertEqual(s.status, 1, s.stdout + s.stderr)
        let down = s.stderr.components(separatedBy: "\n").filter { $0.hasPrefix("server unreachable since ") }
        XCTAssertEqual(down.count, 1, s.stderr)
        XCTAssertTrue(down.first?.hasSuffix("; waiting up to 3s") ?? false, s.stderr)
        XCTAssertFalse(s.stderr.contains("retrying"), s.stderr)
        XCTAssertFalse(s.stderr.contains("error:"), "an outage is not an error of each object: \(s.stderr)")
        let summary = s.stdout.components(separatedBy: "\n").last { !$0.isEmpty } ?? ""
        XCTAssertTrue(summary.contains(" stopped after "), summary)
        XCTAssertTrue(summary.contains(": server unreachable since "), summary)
        XCTAssertTrue(summary.contains(" not attempted") && summary.contains(" unknown"), summary)
        XCTAssertTrue(summary.hasSuffix("audit #1"), summary)
        let show = try plumb(["history", "show", "1"])
        XCTAssertTrue(show.stdout.contains("not attempted: server unreachable since"), show.stdout)
        XCTAssertTrue(show.stdout.contains("unknown"), show.stdout)
        XCTAssertEqual(try plumb(["audit", "verify"]).status, 0)

        try await cluster.comeBack()
        let again = try sync()
        XCTAssertEqual(again.status, 0, again.stdout + again.stderr)
        XCTAssertEqual(try diff().status, 0)
    }

    /// An outage shorter than the bound: the sync waits, says so twice (gone, back), and
    /// ends as if nothing happened.
    func testAnOutageInsideTheBoundLeavesTheSyncAsIfNothingHappened() async throws {
        let cluster = try await startCluster()
        defer { Task { await cluster.stop() } }
        try writeConfigMaps(200)
        await cluster.goUnreachable(afterWrites: 60, lasting: .seconds(1))
        let s = try sync()
        XCTAssertEqual(s.status, 0, s.stdout + s.stderr)
        XCTAssertTrue(s.stderr.contains("; waiting up to 60s"), s.stderr)
        XCTAssertTrue(s.stderr.contains("server reachable again after "), s.stderr)
        XCTAssertTrue(s.stdout.contains(": 201 created   audit #1"), s.stdout)
        XCTAssertEqual(try diff().status, 0)
    }
}
