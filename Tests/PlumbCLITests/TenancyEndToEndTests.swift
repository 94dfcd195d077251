import Foundation
import PlumbAudit
import XCTest

/// `plumb sync --allow-namespaces/--allow-cluster-kinds` and `--tenancy FILE` against the
/// sandbox cluster: an object outside the allowance is named, nothing is written, exit 2.
final class TenancyEndToEndTests: SandboxTestCase {
    func testObjectsOutsideTheAllowanceStopTheSyncBeforeAnyWrite() throws {
        try startSandbox()
        try writeApp(image: "nginx:1.27")
        try repo.commit("web")
        let r = try sync(["--namespace", "team-a", "--allow-namespaces", "team-a,team-a-*"])
        XCTAssertEqual(r.status, 2, r.stderr)
        XCTAssertTrue(
            r.stderr.contains(
                "v1 Namespace web: not allowed: cluster-scoped kind Namespace is not in the allowance of namespace team-a"
            ),
            r.stderr)
        XCTAssertTrue(
            r.stderr.contains(
                "apps/v1 Deployment web/web: not allowed: namespace web is not in the allowance of namespace team-a"),
            r.stderr)
        let ns = try kubectl("get", "namespace", "web")
        XCTAssertNotEqual(ns.status, 0, "nothing was written")
        let store = try SQLiteAuditStore(path: directory + "/audit.db")
        let record = try XCTUnwrap(try store.history(app: "web", limit: 1).first)
        XCTAssertEqual(record.result, .rejected)
        XCTAssertEqual(record.objects.count, 0)
        XCTAssertTrue(
            record.error?.contains("v1 Namespace web: not allowed") == true, "\(String(describing: record.error))")

        let file = directory + "/tenancy.yaml"
        // The entry of the kubeconfig context's namespace (the sandbox's is "default").
        try "kind: Tenancy\nnamespaces:\n  default:\n    destinationNamespaces: [web]\n    clusterKinds: [Namespace]\n"
            .write(
                toFile: file, atomically: true, encoding: .utf8)
        let ok = try sync(["--tenancy", file])
        XCTAssertEqual(ok.status, 0, ok.stderr)
        XCTAssertEqual(try kubectl("get", "namespace", "web").status, 0)
    }

    func testABadTenancyFileIsOneLine() throws {
        try startSandbox()
        try writeApp(image: "nginx:1.27")
        try repo.commit("web")
        let file = directory + "/tenancy.yaml"
        try "namespaces:\n  team-a: [web]\n".write(toFile: file, atomically: true, encoding: .utf8)
        let r = try sync(["--tenancy", file])
        XCTAssertEqual(r.status, 2, r.stderr)
        XCTAssertTrue(
            r.stderr.contains("\(file): namespaces.team-a: expected a mapping (destinationNamespaces, clusterKinds)"),
            r.stderr)
    }
}
