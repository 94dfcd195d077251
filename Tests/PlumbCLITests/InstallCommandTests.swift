import Foundation
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
        let r = try CLI.run("kubectl", ["--kubeconfig", kubeconfig, "create", "--dry-run=client", "-o", "name", "-f", file], timeout: 30)
        XCTAssertEqual(r.status, 0, r.stderr)
        return r.stdout.split(separator: "\n").map(String.init)
    }

    func testExportIsAcceptedByAServerDryRun() throws {
        try startSandbox()
        let file = try export()
        XCTAssertEqual(
            try objects(file),
            [
                "customresourcedefinition.apiextensions.k8s.io/applications.plumb.dev", "namespace/plumb-system",
                "serviceaccount/plumb-controller", "clusterrole.rbac.authorization.k8s.io/plumb-controller",
                "clusterrolebinding.rbac.authorization.k8s.io/plumb-controller", "persistentvolumeclaim/plumb-data",
                "service/plumb-controller", "deployment.apps/plumb-controller",
            ])
        // A server dry-run creates nothing, so the objects inside the new namespace need it to
        // exist already (as on kube-apiserver).
        XCTAssertEqual(try kubectl("create", "namespace", "plumb-system").status, 0)
        let r = try kubectl("apply", "--server-side", "--dry-run=server", "-f", file)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout.components(separatedBy: "(server dry run)").count - 1, 8, r.stdout)
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
        XCTAssertEqual(try kubectl("wait", "--for=condition=Established", "crd/applications.plumb.dev", "--timeout=10s").status, 0)
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
        let status = #"{"status":{"sync":{"status":"OutOfSync","revision":"9d01e77"},"health":{"status":"Progressing"}}}"#
        let patched = try kubectl("patch", "application", "web", "--subresource=status", "--type=merge", "-p", status)
        XCTAssertEqual(patched.status, 0, patched.stderr)
        let table = try kubectl("get", "applications")
        XCTAssertEqual(table.status, 0, table.stderr)
        let lines = table.stdout.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        XCTAssertEqual(lines.first, ["NAME", "REVISION", "SYNCED", "HEALTH", "AGE"])
        XCTAssertEqual(lines.dropFirst().first?.prefix(4), ["web", "9d01e77", "OutOfSync", "Progressing"])
        XCTAssertEqual(try kubectl("get", "app", "web", "-o", "name").stdout, "application.plumb.dev/web\n", "short name app")
    }

    func testBadFlagsAreOneLineWithExitCode2() throws {
        for args in [["install"], ["install", "--export", "--log-format", "xml"], ["install", "--export", "-n", "Bad_NS"]] {
            let r = try plumb(args)
            XCTAssertEqual(r.status, 2, "\(args)")
            XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
            XCTAssertTrue(r.stderr.hasPrefix("error: "), r.stderr)
            XCTAssertEqual(r.stdout, "")
        }
    }
}
