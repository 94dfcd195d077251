import Foundation
import PlumbCore
import PlumbManifests
import PlumbTesting
import XCTest

/// Jsonnet through libjsonnet, judged by Debian's `jsonnet` CLI on the same files.
final class JsonnetRendererTests: XCTestCase {
    /// Renders `files` at `path` with Plumb (from memory) and with `jsonnet` (from a temp dir
    /// holding the same files); returns both object lists.
    func both(
        _ files: [String: String], path: String = "app", entry: String = "main.jsonnet", jsonnetFlags: [String] = [],
        settings: RenderSettings? = nil
    ) throws -> (plumb: [Value], judge: [Value], result: RenderResult) {
        let result = try render(files, path: path, settings: settings)
        let dir = try TempDir("jsonnet")
        for (p, text) in files { try write(dir.sub(p), text) }
        let out = try runTool("/usr/bin/jsonnet", jsonnetFlags + [entry], cwd: dir.sub(path))
        var judged: [(Value, SourceLocation)] = []
        try JsonnetOutput.objects(
            try JSONReader().parse(out.stdout), at: "", into: &judged,
            location: SourceLocation(file: entry, line: 1, column: 1))
        let judge = judged.flatMap { v, _ -> [Value] in
            v["kind"]?.stringValue == "List" ? (v["items"]?.arrayValue ?? []) : [v]
        }
        return (result.desired.resources.map(\.body), judge, result)
    }

    func render(_ files: [String: String], path: String = "app", settings: RenderSettings? = nil) throws -> RenderResult
    {
        let snapshot = InMemorySnapshot(files.mapValues { .file($0) })
        let options = RenderOptions(
            manifests: ManifestOptions(path: path), settings: settings, context: RenderContext(appName: "app"),
            environment: [:])
        return try SourceRenderer(options: options).render(from: snapshot)
    }

    func errors(_ files: [String: String], path: String = "app", settings: RenderSettings? = nil) -> [String] {
        do {
            _ = try render(files, path: path, settings: settings)
            XCTFail("rendered without an error")
            return []
        } catch {
            return (error as? ManifestErrors)?.errors.map(\.description) ?? ["\(error)"]
        }
    }

    /// Same objects, compared as sets of bodies (Plumb orders them for applying).
    func assertSameObjects(_ a: [Value], _ b: [Value], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.count, b.count, "object count", file: file, line: line)
        XCTAssertEqual(Set(a), Set(b), file: file, line: line)
    }

    let lib = """
        {
          configMap(name, data):: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: name, namespace: 'web' }, data: data },
          deployment(name, replicas):: {
            apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: name, namespace: 'web' },
            spec: { replicas: replicas, template: { spec: { containers: [{ name: name, image: 'nginx:1.27', ports: [{ containerPort: 80 }] }] } } },
          },
        }
        """

    func testObjectArrayListAndNestedMapsOfObjectsAsTheCLIPrintsThem() throws {
        let cases: [(String, String)] = [
            ("one object", "local k = import 'k.libsonnet'; k.configMap('one', { a: '1' })"),
            ("an array", "local k = import 'k.libsonnet'; [k.configMap('a', {}), k.deployment('web', 2)]"),
            (
                "a List",
                "local k = import 'k.libsonnet'; { apiVersion: 'v1', kind: 'List', items: [k.configMap('a', {}), k.configMap('b', {})] }"
            ),
            (
                "a kube-prometheus map",
                """
                local k = import 'k.libsonnet';
                { web: { config: k.configMap('web', { x: 'y' }), deployment: k.deployment('web', 3) }, extra: [k.configMap('z', {})], empty: null }
                """
            ),
            (
                "numbers and floats",
                "local k = import 'k.libsonnet'; k.configMap('n', {}) + { metadata+: { annotations: { a: std.toString(1.5) } }, spec: { f: 0.25, i: 3 } }"
            ),
        ]
        for (name, code) in cases {
            let (plumb, judge, result) = try both(["app/main.jsonnet": code, "app/k.libsonnet": lib])
            XCTAssertFalse(plumb.isEmpty, name)
            assertSameObjects(plumb, judge)
            XCTAssertEqual(result.renderer, "jsonnet", name)
            XCTAssertEqual(result.desired.files, ["app/k.libsonnet", "app/main.jsonnet"], name)
        }
    }

    func testExternalVariablesAndTopLevelArgumentsAsTheCLITakesThem() throws {
        let code = """
            local k = import 'k.libsonnet';
            function(replicas, tier='web', labels={})
              [k.deployment(std.extVar('name'), replicas) + { metadata+: { labels: labels + { tier: tier, env: std.extVar('env') } } }]
            """
        let settings = RenderSettings(
            kind: .jsonnet,
            extVars: [("name", .string("shop")), ("env", .code("'prod' + '-eu'"))],
            tlas: [("replicas", .code("4")), ("tier", .string("front")), ("labels", .code("{team: 'a'}"))])
        let (plumb, judge, _) = try both(
            ["app/main.jsonnet": code, "app/k.libsonnet": lib],
            jsonnetFlags: [
                "--ext-str", "name=shop", "--ext-code", "env='prod' + '-eu'", "--tla-code", "replicas=4", "--tla-str",
                "tier=front",
                "--tla-code", "labels={team: 'a'}",
            ], settings: settings)
        assertSameObjects(plumb, judge)
        XCTAssertEqual(plumb.first?[path: ["spec", "replicas"]], .int(4))
        XCTAssertEqual(plumb.first?[path: ["metadata", "labels", "env"]], "prod-eu")
    }

    func testPlumbYAMLGivesEntryLibraryFoldersAndVariables() throws {
        // Two library folders with a file of the same name: the right-most wins, as with `jsonnet -J a -J b`.
        let files = [
            "app/.plumb.yaml":
                "render:\n  kind: jsonnet\n  entry: env/prod.jsonnet\n  jpath: [vendor, lib]\n  extVars: {replicas: 3, zone: eu-1}\n",
            "app/env/prod.jsonnet":
                "local k = import 'k.libsonnet'; local v = import 'which.libsonnet'; [k.deployment(v, std.extVar('replicas')) + {metadata+: {labels: {zone: std.extVar('zone')}}}]",
            "app/other.jsonnet": "error 'not an entry here'",
            "app/lib/k.libsonnet": lib,
            "app/lib/which.libsonnet": "'from-lib'",
            "app/vendor/which.libsonnet": "'from-vendor'",
        ]
        let (plumb, judge, result) = try both(
            files, entry: "env/prod.jsonnet",
            jsonnetFlags: ["-J", "vendor", "-J", "lib", "--ext-code", "replicas=3", "--ext-str", "zone=eu-1"])
        assertSameObjects(plumb, judge)
        XCTAssertEqual(plumb.first?[path: ["metadata", "name"]], "from-lib")
        XCTAssertEqual(
            result.desired.files,
            ["app/.plumb.yaml", "app/env/prod.jsonnet", "app/lib/k.libsonnet", "app/lib/which.libsonnet"])
    }

    func testImportsThatLeaveTheRepositoryAreRefusedNamingTheImport() {
        for (code, named) in [
            ("import '../../../etc/passwd'", "../../../etc/passwd"), ("importstr '/etc/hostname'", "/etc/hostname"),
            ("import '../outside.libsonnet'", "../outside.libsonnet"),
        ] {
            let found = errors(["app/x/main.jsonnet": code, "outside.libsonnet": "{}"], path: "app/x")
            XCTAssertEqual(found.count, 1, "\(found)")
            let text = found.first ?? ""
            if named == "../outside.libsonnet" {
                // Inside the repository, one folder up: allowed, and it is not an object.
                XCTAssertTrue(
                    text.contains("expected Kubernetes objects") || text.hasPrefix("app/x/main.jsonnet"), text)
                continue
            }
            XCTAssertTrue(text.hasPrefix("app/x/main.jsonnet:1:1: "), text)
            XCTAssertTrue(text.contains("\"\(named)\""), text)
            XCTAssertTrue(text.contains("leaves the repository"), text)
        }
    }

    func testErrorsCarryLibjsonnetsMessageWithFileLineAndColumn() throws {
        let syntax = errors(["app/main.jsonnet": "local x = 1;\n{ a: 1 + }\n"])
        XCTAssertEqual(syntax.count, 1)
        XCTAssertTrue(syntax[0].hasPrefix("app/main.jsonnet:2:10: "), syntax[0])
        let runtime = errors([
            "app/main.jsonnet": "local k = import 'lib/k.libsonnet';\nk.missing('x')\n", "app/lib/k.libsonnet": "{}",
        ])
        XCTAssertTrue(runtime[0].hasPrefix("app/main.jsonnet:2:1: "), runtime[0])
        XCTAssertTrue(runtime[0].contains("missing"), runtime[0])
        let missing = errors(["app/main.jsonnet": "\n  import 'nope.libsonnet'"])
        XCTAssertTrue(missing[0].hasPrefix("app/main.jsonnet:2:3: "), missing[0])
        XCTAssertTrue(missing[0].contains("\"nope.libsonnet\""), missing[0])
        let notObjects = errors(["app/main.jsonnet": "{ a: 'text' }"])
        XCTAssertEqual(notObjects, ["app/main.jsonnet: output .a: expected Kubernetes objects, not string"])
        // The judge fails on the same input too.
        let dir = try TempDir("jsonnet")
        try write(dir.sub("main.jsonnet"), "local x = 1;\n{ a: 1 + }\n")
        XCTAssertNotEqual(try runTool("/usr/bin/jsonnet", ["main.jsonnet"], cwd: dir.path, check: false).status, 0)
    }

    func testEveryJsonnetFileOfThePathIsAnEntryLibrariesAreNot() throws {
        let files = [
            "app/a.jsonnet": "(import 'k.libsonnet').configMap('a', {})",
            "app/b.jsonnet": "(import 'k.libsonnet').configMap('b', {})",
            "app/k.libsonnet": lib,
            "app/sub/c.jsonnet": "error 'not read: entries are the files directly in the path'",
        ]
        let result = try render(files)
        XCTAssertEqual(result.desired.resources.map(\.name), ["a", "b"])
        XCTAssertEqual(result.desired.files, ["app/a.jsonnet", "app/b.jsonnet", "app/k.libsonnet"])
    }

    /// fixtures/real/jsonnet-monitoring (kube-prometheus style), with the settings of its
    /// `.plumb.yaml`, against `jsonnet -J lib --ext-str namespace=monitoring --tla-code replicas=3`.
    func testRealWorldExampleMatchesTheJsonnetCLI() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let dir = root.appendingPathComponent("fixtures/real/jsonnet-monitoring").path
        var files: [String: String] = [:]
        let walker = FileManager.default.enumerator(atPath: dir)
        while let relative = walker?.nextObject() as? String {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: dir + "/" + relative, isDirectory: &isDirectory),
                !isDirectory.boolValue
            else { continue }
            files["mon/" + relative] = try String(contentsOfFile: dir + "/" + relative, encoding: .utf8)
        }
        XCTAssertNotNil(files["mon/.plumb.yaml"])
        let (plumb, judge, result) = try both(
            files, path: "mon",
            jsonnetFlags: ["-J", "lib", "--ext-str", "namespace=monitoring", "--tla-code", "replicas=3"])
        XCTAssertEqual(plumb.count, 10)
        assertSameObjects(plumb, judge)
        XCTAssertEqual(result.renderer, "jsonnet")
        XCTAssertTrue(result.desired.files.contains("mon/config/prometheus.yml"), "\(result.desired.files)")
        let sts = plumb.first { $0["kind"] == "StatefulSet" }
        XCTAssertEqual(sts?[path: ["spec", "replicas"]], .int(3))
        XCTAssertEqual(sts?[path: ["metadata", "namespace"]], "monitoring")
    }
}
