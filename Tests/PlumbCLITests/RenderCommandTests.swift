import Foundation
import PlumbCore
import PlumbYAML
import XCTest

final class RenderCommandTests: XCTestCase {
    let deployment = """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
          namespace: web
        spec:
          replicas: 2
          template:
            spec:
              containers:
                - name: web
                  image: nginx:1.27
                  env:
                    - {name: DEBUG, value: "yes"}
                    - name: ENABLED
                      value: on
        """

    func makeRepo() throws -> TestRepository {
        let repo = try TestRepository()
        try repo.write("apps/web/deployment.yaml", deployment)
        try repo.write("apps/web/ns.yaml", "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: web\n")
        try repo.write("apps/README.md", "not a manifest")
        try repo.commit("first")
        return repo
    }

    func testRenderPrintsObjectsInStableOrderAsKubectlReadsThem() throws {
        let repo = try makeRepo()
        let r = try CLI.plumb(["render", "--repo", repo.path, "--path", "apps"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stderr, "")
        let docs = try YAML.parseDocuments(Array(r.stdout.utf8), file: "stdout").map(\.value)
        XCTAssertEqual(docs.map { $0["kind"]?.stringValue }, ["Namespace", "Deployment"])
        let env = docs[1][path: ["spec", "template", "spec", "containers"]]?.arrayValue?.first?["env"]?.arrayValue
        XCTAssertEqual(env?[0]["value"], .string("yes"))  // quoted: stays a string
        XCTAssertEqual(env?[1]["value"], .bool(true))  // plain `on`: a YAML 1.1 boolean, as kubectl reads it
    }

    func testJSONOutputIsAListThatRoundTrips() throws {
        let repo = try makeRepo()
        let json = try CLI.plumb(["render", "--repo", repo.path, "--path", "apps", "-o", "json"])
        XCTAssertEqual(json.status, 0, json.stderr)
        let list = try JSONReader().parse(json.stdout)
        XCTAssertEqual(list["kind"], "List")
        XCTAssertEqual(list["items"]?.arrayValue?.count, 2)

        // Rendered YAML, committed back as a manifest, renders to the same objects.
        let yaml = try CLI.plumb(["render", "--repo", repo.path, "--path", "apps"])
        try repo.write("again/all.yaml", yaml.stdout)
        try repo.commit("rendered")
        let again = try CLI.plumb(["render", "--repo", repo.path, "--path", "again", "-o", "json"])
        XCTAssertEqual(try JSONReader().parse(again.stdout), list)
    }

    func testRevisionsBranchTagShortSHA() throws {
        let repo = try makeRepo()
        let first = try repo.git("rev-parse", "HEAD")
        try repo.git("tag", "v1")
        try repo.write("apps/web/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: added, namespace: web}\n")
        try repo.commit("second")
        func kinds(_ revision: String) throws -> [String] {
            let r = try CLI.plumb(["render", "--repo", repo.path, "--revision", revision, "--path", "apps", "-o", "json"])
            XCTAssertEqual(r.status, 0, r.stderr)
            return try JSONReader().parse(r.stdout)["items"]?.arrayValue?.compactMap { $0["kind"]?.stringValue } ?? []
        }
        XCTAssertEqual(try kinds("v1"), ["Namespace", "Deployment"])
        XCTAssertEqual(try kinds(String(first.prefix(8))), ["Namespace", "Deployment"])
        XCTAssertEqual(try kinds("main"), ["Namespace", "ConfigMap", "Deployment"])
        XCTAssertEqual(try kinds("HEAD"), ["Namespace", "ConfigMap", "Deployment"])

        let missing = try CLI.plumb(["render", "--repo", repo.path, "--revision", "nope", "--path", "apps"])
        XCTAssertEqual(missing.status, 2)
        XCTAssertTrue(missing.stderr.hasPrefix("error: "), missing.stderr)
        XCTAssertTrue(missing.stderr.contains("\"nope\""), missing.stderr)
        XCTAssertEqual(missing.stderr.split(separator: "\n").count, 1, missing.stderr)
    }

    func testBadYAMLIsOneLineWithFileLineAndColumn() throws {
        let repo = try makeRepo()
        try repo.write("apps/web/bad.yaml", "apiVersion: v1\nkind: ConfigMap\nkind: Secret\n")
        try repo.commit("bad")
        let r = try CLI.plumb(["render", "--repo", repo.path, "--path", "apps"])
        XCTAssertEqual(r.status, 2)
        XCTAssertEqual(r.stdout, "")
        XCTAssertTrue(r.stderr.hasPrefix("error: apps/web/bad.yaml:3:1: "), r.stderr)
        XCTAssertTrue(r.stderr.contains("\"kind\""), r.stderr)
        XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
    }

    func testUsageErrorsAndHelp() throws {
        let missing = try CLI.plumb(["render", "--repo", "."])
        XCTAssertEqual(missing.status, 2)
        XCTAssertTrue(missing.stderr.hasPrefix("error: "), missing.stderr)
        XCTAssertTrue(missing.stderr.contains("--path"), missing.stderr)
        XCTAssertEqual(missing.stderr.split(separator: "\n").count, 1, missing.stderr)

        for command in [["--help"], ["render", "--help"], ["version", "--help"]] {
            let help = try CLI.plumb(command)
            XCTAssertEqual(help.status, 0, "\(command): \(help.stderr)")
            XCTAssertTrue(help.stdout.contains("USAGE"), help.stdout)
            XCTAssertTrue(help.stdout.contains("Example"), help.stdout)
        }
        let version = try CLI.plumb(["version"])
        XCTAssertEqual(version.status, 0)
        XCTAssertTrue(version.stdout.hasPrefix("plumb "), version.stdout)
    }

    func testNotARepositoryIsAClearError() throws {
        let dir = NSTemporaryDirectory() + "plumb-norepo-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try CLI.plumb(["render", "--repo", dir, "--path", "."])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.hasPrefix("error: "), r.stderr)
        XCTAssertTrue(r.stderr.contains(dir), r.stderr)
    }
}
