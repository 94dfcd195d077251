import Foundation
import PlumbCore
import PlumbYAML
import XCTest

/// `plumb render` on one Git repository holding a Kustomize overlay, a Jsonnet app and a path a
/// renderer plugin detects: each path names its renderer and prints its objects.
final class RendererEndToEndTests: XCTestCase {
    func makeRepo() throws -> TestRepository {
        let repo = try TestRepository()
        try repo.write("base/kustomization.yaml", "resources: [deployment.yaml]\ncommonLabels: {app: web}\n")
        try repo.write(
            "base/deployment.yaml",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  replicas: 1\n  template:\n    spec:\n      containers:\n        - {name: web, image: nginx:1.27}\n"
        )
        try repo.write(
            "apps/kustomized/kustomization.yaml",
            "resources: [../../base]\nnamespace: prod\nnamePrefix: prod-\nimages: [{name: nginx, newTag: '1.28'}]\nreplicas: [{name: web, count: 3}]\n"
        )
        try repo.write(
            "apps/jsonnet/lib/cm.libsonnet",
            "function(name) { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: name } }")
        try repo.write(
            "apps/jsonnet/main.jsonnet",
            "local cm = import 'cm.libsonnet';\n{ a: cm('from-' + std.extVar('env')), b: { c: cm('nested') } }\n")
        try repo.write("apps/jsonnet/.plumb.yaml", "render: {jpath: [lib], extVars: {env: jsonnet}}\n")
        try repo.write("apps/chart/Chart.yaml", "name: web\nversion: 0.1.0\n")
        try repo.write("apps/chart/values.yaml", "color: green\n")
        try repo.write("apps/plain/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: plain}\n")
        try repo.commit("renderers")
        return repo
    }

    /// A plugin file and its script, outside the repository (operators declare plugins).
    func pluginConfig(in dir: String) throws -> String {
        let script = dir + "/chart.sh"
        try """
        color=$(sed -n 's/^color: //p' values.yaml)
        printf 'apiVersion: v1\\nkind: ConfigMap\\nmetadata: {name: %s-chart, namespace: %s}\\ndata: {color: %s, revision: "%s"}\\n' \\
          "$PLUMB_APP_NAME" "$PLUMB_APP_NAMESPACE" "$color" "$PLUMB_REVISION"
        """.write(toFile: script, atomically: true, encoding: .utf8)
        let config = dir + "/plugins.yaml"
        try
            "plugins:\n  - name: chart\n    command: [sh, \(script)]\n    detect: {glob: Chart.yaml}\n    network: true\n"
            .write(toFile: config, atomically: true, encoding: .utf8)
        return config
    }

    func render(_ repo: TestRepository, _ path: String, _ extra: [String] = []) throws -> (
        header: String, objects: [Value], result: CommandResult
    ) {
        let r = try CLI.plumb(["render", "--repo", repo.path, "--path", path] + extra)
        XCTAssertEqual(r.status, 0, r.stderr)
        let header = r.stdout.split(separator: "\n").first.map(String.init) ?? ""
        let objects = try YAML.parseDocuments(Array(r.stdout.utf8), file: "stdout").map(\.value)
        return (header, objects, r)
    }

    func testEachPathNamesItsRenderer() throws {
        let repo = try makeRepo()
        let sha = try repo.git("rev-parse", "HEAD")
        let dir = NSTemporaryDirectory() + "plumb-plugins-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let config = try pluginConfig(in: dir)

        let k = try render(repo, "apps/kustomized", ["--plugin-config", config])
        XCTAssertEqual(k.header, "# \(sha.prefix(7)) rendered by kustomize from 3 files")
        XCTAssertEqual(k.objects.count, 1)
        XCTAssertEqual(k.objects.first?[path: ["metadata", "name"]], "prod-web")
        XCTAssertEqual(k.objects.first?[path: ["metadata", "namespace"]], "prod")
        XCTAssertEqual(k.objects.first?[path: ["spec", "replicas"]], .int(3))
        XCTAssertEqual(
            k.objects.first?[path: ["spec", "template", "spec", "containers"]]?.arrayValue?.first?["image"],
            "nginx:1.28")

        let j = try render(repo, "apps/jsonnet", ["--plugin-config", config])
        XCTAssertEqual(j.header, "# \(sha.prefix(7)) rendered by jsonnet from 3 files")
        XCTAssertEqual(
            j.objects.compactMap { $0[path: ["metadata", "name"]]?.stringValue }, ["from-jsonnet", "nested"])

        let p = try render(repo, "apps/chart", ["--plugin-config", config, "--app", "shop"])
        XCTAssertEqual(p.header, "# \(sha.prefix(7)) rendered by chart from 2 files")
        XCTAssertEqual(p.objects.first?[path: ["metadata", "name"]], "shop-chart")
        XCTAssertEqual(p.objects.first?[path: ["data", "color"]], "green")
        XCTAssertEqual(p.objects.first?[path: ["data", "revision"]], .string(sha))

        // Without the operator's plugin file the chart path is plain YAML: Chart.yaml is no object.
        let unplugged = try CLI.plumb(["render", "--repo", repo.path, "--path", "apps/chart"])
        XCTAssertEqual(unplugged.status, 2)
        XCTAssertTrue(unplugged.stderr.hasPrefix("error: apps/chart/Chart.yaml:1:1: "), unplugged.stderr)

        let plain = try render(repo, "apps/plain")
        XCTAssertEqual(plain.header, "# \(sha.prefix(7)) rendered by plain from 1 file")

        // -o json prints the same objects.
        let json = try CLI.plumb(["render", "--repo", repo.path, "--path", "apps/kustomized", "-o", "json"])
        XCTAssertEqual(try JSONReader().parse(json.stdout)["items"]?.arrayValue, k.objects)
    }

    func testRenderErrorsAreOneLineNamingTheFile() throws {
        let repo = try makeRepo()
        try repo.write("apps/jsonnet/main.jsonnet", "local cm = import 'cm.libsonnet';\n{ a: cm( }\n")
        try repo.write("apps/kustomized/kustomization.yaml", "resources: [https://github.com/acme/deploy//base]\n")
        try repo.commit("broken")
        let j = try CLI.plumb(["render", "--repo", repo.path, "--path", "apps/jsonnet"])
        XCTAssertEqual(j.status, 2)
        XCTAssertTrue(j.stderr.hasPrefix("error: apps/jsonnet/main.jsonnet:2:"), j.stderr)
        XCTAssertEqual(j.stderr.split(separator: "\n").count, 1, j.stderr)
        let k = try CLI.plumb(["render", "--repo", repo.path, "--path", "apps/kustomized"])
        XCTAssertEqual(k.status, 2)
        XCTAssertTrue(k.stderr.contains("https://github.com/acme/deploy//base"), k.stderr)
        let badConfig = try CLI.plumb([
            "render", "--repo", repo.path, "--path", "apps/plain", "--plugin-config", "/nonexistent/plugins.yaml",
        ])
        XCTAssertEqual(badConfig.status, 2)
        XCTAssertEqual(badConfig.stderr, "error: --plugin-config /nonexistent/plugins.yaml: cannot read the file\n")
    }
}
