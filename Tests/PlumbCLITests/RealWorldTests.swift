import Foundation
import XCTest

/// Manifests that public projects publish for `kubectl apply` (`fixtures/real-world/`),
/// unmodified: a real kube-apiserver accepts every object, so the local cluster must, through
/// `plumb sync` and through `kubectl apply --server-side`; and after a sync, Plumb must see
/// nothing left to change (no false changes: a controller would re-apply them forever).
final class RealWorldTests: SandboxTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("fixtures/real-world")

    /// Copies `fixtures/real-world/<name>` (a file or a folder) into the test repository's `apps/<app>/`.
    func commitFixture(_ name: String, app: String) throws {
        let source = Self.fixtures.appendingPathComponent(name)
        let target = URL(fileURLWithPath: repo.path).appendingPathComponent("apps/\(app)")
        try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
        var isDirectory: ObjCBool = false
        XCTAssertTrue(FileManager.default.fileExists(atPath: source.path, isDirectory: &isDirectory), source.path)
        if isDirectory.boolValue {
            for item in try FileManager.default.contentsOfDirectory(atPath: source.path) {
                try FileManager.default.copyItem(at: source.appendingPathComponent(item), to: target.appendingPathComponent(item))
            }
        } else {
            try FileManager.default.copyItem(at: source, to: target.appendingPathComponent(source.lastPathComponent))
        }
        try repo.commit(name)
    }

    func assertSyncsCleanly(_ name: String, app: String, objects: Int, file: StaticString = #filePath, line: UInt = #line) throws {
        try startSandbox()
        try commitFixture(name, app: app)
        let path = "apps/\(app)"
        let first = try plumb(["sync", "--repo", repo.path, "--path", path], timeout: 120)
        XCTAssertEqual(first.status, 0, first.stdout + first.stderr, file: file, line: line)
        XCTAssertTrue(first.stdout.contains(": \(objects) created"), first.stdout, file: file, line: line)
        let diff = try plumb(["diff", "--repo", repo.path, "--path", path], timeout: 120)
        XCTAssertEqual(diff.status, 0, "a diff right after the sync is clean:\n" + diff.stdout + diff.stderr, file: file, line: line)
        let again = try plumb(["sync", "--repo", repo.path, "--path", path], timeout: 120)
        XCTAssertEqual(again.status, 0, again.stdout + again.stderr, file: file, line: line)
        XCTAssertTrue(again.stdout.contains("validating … nothing to write"), again.stdout, file: file, line: line)
        XCTAssertTrue(again.stdout.contains(": \(objects) unchanged"), again.stdout, file: file, line: line)
    }

    func testIngressNginxSyncsAndThenShowsNoChange() throws {
        try assertSyncsCleanly("ingress-nginx.yaml", app: "ingress-nginx", objects: 19)
    }

    func testKubePrometheusSyncsAndThenShowsNoChange() throws {
        try assertSyncsCleanly("kube-prometheus", app: "kube-prometheus", objects: 131)
    }

    /// The same manifests through kubectl, as their projects say to apply them.
    func testKubectlAppliesThemServerSide() throws {
        try startSandbox()
        let nginx = try kubectl("apply", "--server-side", "-f", Self.fixtures.appendingPathComponent("ingress-nginx.yaml").path)
        XCTAssertEqual(nginx.status, 0, nginx.stdout + nginx.stderr)
        let setup = Self.fixtures.appendingPathComponent("kube-prometheus/setup").path
        let crds = try kubectl("apply", "--server-side", "-f", setup)
        XCTAssertEqual(crds.status, 0, crds.stdout + crds.stderr)
        let established = try kubectl("wait", "--for", "condition=Established", "--all", "customresourcedefinitions", "--timeout", "20s")
        XCTAssertEqual(established.status, 0, established.stdout + established.stderr)
        let rest = try kubectl("apply", "--server-side", "-f", Self.fixtures.appendingPathComponent("kube-prometheus").path)
        XCTAssertEqual(rest.status, 0, rest.stdout + rest.stderr)
        XCTAssertFalse(rest.stderr.contains("rror"), rest.stderr)
    }
}
