import PlumbCore
import PlumbGit
import PlumbManifests
import PlumbTesting
import XCTest

/// Which renderer a path gets, what `render:` settings accept, and the input set each render returns.
final class RendererSelectionTests: XCTestCase {
    let configMap = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: %@\n"
    func cm(_ name: String) -> String { configMap.replacingOccurrences(of: "%@", with: name) }

    func render(
        _ files: [String: String], path: String = "app", settings: RenderSettings? = nil, plugins: PluginConfig = .none
    ) throws -> RenderResult {
        let options = RenderOptions(
            manifests: ManifestOptions(path: path), settings: settings, plugins: plugins,
            context: RenderContext(appName: "app"), environment: ["PATH": "/usr/bin:/bin"])
        return try SourceRenderer(options: options).render(from: InMemorySnapshot(files.mapValues { .file($0) }))
    }

    func failure(_ files: [String: String], path: String = "app", settings: RenderSettings? = nil) -> String {
        do {
            _ = try render(files, path: path, settings: settings)
            return "rendered"
        } catch {
            return "\(error)"
        }
    }

    var echoPlugin: PluginConfig {
        get throws {
            let yaml = """
                plugins:
                  - name: echo
                    command: [sh, -c, 'cat *.txt']
                    detect: {glob: "*.txt"}
                    network: true
                """
            return try PluginConfig.parse(Array(yaml.utf8), file: "plugins.yaml")
        }
    }

    func testTheFilesOfThePathChooseTheRenderer() throws {
        let plugins = try echoPlugin
        let kustomize = [
            "app/kustomization.yaml": "resources: [cm.yaml]\nnamePrefix: k-\n", "app/cm.yaml": cm("one"),
            "app/main.jsonnet": "error 'not read'", "app/x.txt": "not read",
        ]
        let k = try render(kustomize, plugins: plugins)
        XCTAssertEqual(k.renderer, "kustomize")
        XCTAssertEqual(k.desired.resources.map(\.name), ["k-one"])

        let jsonnet = [
            "app/main.jsonnet": "{apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'j'}}", "app/x.txt": "",
            "app/cm.yaml": cm("no"),
        ]
        let j = try render(jsonnet, plugins: plugins)
        XCTAssertEqual(j.renderer, "jsonnet")
        XCTAssertEqual(j.desired.resources.map(\.name), ["j"])

        let plugin = ["app/objects.txt": cm("p"), "app/cm.yaml": cm("not-read")]
        let p = try render(plugin, plugins: plugins)
        XCTAssertEqual(p.renderer, "echo")
        XCTAssertEqual(p.desired.resources.map(\.name), ["p"])
        // A detect glob without `/` looks at the files directly in the path only.
        let nested = try render(["app/sub/objects.txt": "x", "app/cm.yaml": cm("plain")], plugins: plugins)
        XCTAssertEqual(nested.renderer, "plain")

        let plain = try render([
            "app/cm.yaml": cm("a"),
            "app/sub/b.json": #"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"b"}}"#,
        ])
        XCTAssertEqual(plain.renderer, "plain")
        XCTAssertEqual(plain.desired.resources.map(\.name), ["a", "b"])
        XCTAssertEqual(plain.desired.files, ["app/cm.yaml", "app/sub/b.json"])
    }

    func testPlumbYAMLAndTheApplicationNameTheRenderer() throws {
        let files = [
            "app/.plumb.yaml": "render: {kind: plain}\n", "app/cm.yaml": cm("plain"),
            "app/main.jsonnet": "{apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'j'}}",
        ]
        let fromFile = try render(files)
        XCTAssertEqual(fromFile.renderer, "plain")
        XCTAssertEqual(fromFile.desired.resources.map(\.name), ["plain"])
        XCTAssertEqual(fromFile.desired.files, ["app/.plumb.yaml", "app/cm.yaml"])
        // The Application's spec.source.render wins over the path's .plumb.yaml.
        let fromApp = try render(files, settings: RenderSettings(kind: .jsonnet))
        XCTAssertEqual(fromApp.renderer, "jsonnet")
        XCTAssertEqual(fromApp.desired.resources.map(\.name), ["j"])
        // Settings without a kind still let the files choose.
        let args = try render(
            [
                "app/.plumb.yaml": "render: {extVars: {cm: x}}\n",
                "app/main.jsonnet": "{apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: std.extVar('cm')}}",
            ])
        XCTAssertEqual(args.desired.resources.map(\.name), ["x"])
    }

    func testRenderSettingsAreCheckedFieldByField() {
        func parse(_ yaml: String) -> String {
            do {
                let settings = try RenderSettings.from(plumbYAML: Array(yaml.utf8), file: "app/.plumb.yaml")
                return settings?.kindName ?? "none"
            } catch {
                return "\(error)"
            }
        }
        XCTAssertEqual(parse("render: {plugin: helm, parameters: {values: prod.yaml, replicas: 3}}\n"), "helm")
        XCTAssertEqual(parse("ignoreDifferences: []\n"), "none")
        XCTAssertEqual(
            parse("render: {kind: helm}\n"),
            "app/.plumb.yaml: render.kind: \"helm\" is not one of plain, kustomize, jsonnet, plugin")
        XCTAssertTrue(
            parse("render: {kind: jsonnet, entrypoint: x}\n").hasPrefix(
                "app/.plumb.yaml: render.entrypoint: unknown field"))
        XCTAssertEqual(
            parse("render: {kind: jsonnet, entry: ../x.jsonnet}\n"),
            "app/.plumb.yaml: render.entry: \"../x.jsonnet\" must be a file inside the path")
        XCTAssertEqual(
            parse("render: {kind: kustomize, plugin: helm}\n"),
            "app/.plumb.yaml: render.plugin: cannot be combined with kind: kustomize")
        XCTAssertEqual(parse("render: {extVars: {a: null}}\n"), "app/.plumb.yaml: render.extVars.a: has no value")
        XCTAssertEqual(
            parse("render: {kind: plugin}\n"), "app/.plumb.yaml: render.plugin: is required with kind: plugin")
        // In a render, the error names the file and the field.
        XCTAssertEqual(
            failure(["app/.plumb.yaml": "render: {kind: helm}\n", "app/cm.yaml": cm("a")]),
            "app/.plumb.yaml: render.kind: \"helm\" is not one of plain, kustomize, jsonnet, plugin")
        let parsed = try? RenderSettings.parse(
            ["kind": "jsonnet", "extVars": ["n": 3, "s": "x", "o": ["a": true]], "tlaCode": ["t": "1 + 1"]],
            field: "spec.source.render")
        XCTAssertEqual(
            parsed,
            RenderSettings(
                kind: .jsonnet, extVars: [("n", .code("3")), ("s", .string("x")), ("o", .code(#"{"a":true}"#))],
                tlas: [("t", .code("1 + 1"))]))
    }

    func testKustomizeInputsIncludeTheBasesOutsideThePath() throws {
        let files = [
            "base/kustomization.yaml": "resources: [cm.yaml]\n", "base/cm.yaml": cm("web"),
            "base/unused.yaml": cm("unused"),
            "overlays/prod/kustomization.yaml": "resources: [../../base]\nnameSuffix: -prod\n",
        ]
        let result = try render(files, path: "overlays/prod")
        XCTAssertEqual(result.renderer, "kustomize")
        XCTAssertEqual(result.desired.resources.map(\.name), ["web-prod"])
        XCTAssertTrue(
            result.inputs.isSuperset(of: [
                "base/kustomization.yaml", "base/cm.yaml", "overlays/prod/kustomization.yaml",
            ]), "\(result.inputs)")
        XCTAssertFalse(result.inputs.contains("base/unused.yaml"))
    }

    func testKustomizationNamesTriedAreInputsButNotFilesRead() throws {
        let files = [
            "base/kustomization.yml": "resources: [cm.yaml]\n", "base/cm.yaml": cm("web"),
            "overlays/prod/kustomization.yaml": "resources: [../../base]\n",
        ]
        let result = try render(files, path: "overlays/prod")
        // A kustomization.yaml added to the base would be read instead of the .yml: an input.
        XCTAssertTrue(result.inputs.contains("base/kustomization.yaml"), "\(result.inputs)")
        XCTAssertEqual(result.lookedAt, ["base/kustomization.yaml"])
        XCTAssertEqual(
            Set(result.desired.files), ["base/kustomization.yml", "base/cm.yaml", "overlays/prod/kustomization.yaml"])
    }

    func testObjectsDefinedTwiceAcrossEntriesAreRefusedWithBothPlaces() {
        let text = failure([
            "app/a.jsonnet": "{apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'same'}}",
            "app/b.jsonnet": "{apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'same'}}",
        ])
        XCTAssertEqual(
            text, "app/b.jsonnet:1:1: v1 ConfigMap same is defined twice: first at app/a.jsonnet:1:1, again here")
    }

    /// The controller's monorepo rule: a commit that changes no file a render read and nothing
    /// below the path reuses that render (a plugin that counts its runs shows it is not run).
    func testACommitElsewhereInTheRepositoryIsNotRenderedAgain() throws {
        let dir = try TempDir("monorepo")
        let repoDir = dir.sub("repo")
        let counter = dir.sub("runs")
        try write(repoDir + "/apps/web/objects.txt", cm("web"))
        try write(repoDir + "/apps/api/cm.yaml", cm("api"))
        try write(repoDir + "/shared/lib.txt", "x")
        try git(["init", "-q"], in: repoDir)
        func commit(_ message: String) throws {
            try git(["add", "-A"], in: repoDir)
            try git(["commit", "-qm", message], in: repoDir)
        }
        try commit("first")
        let yaml = """
            plugins:
              - name: count
                command: [sh, -c, 'echo run >> "$COUNTER"; cat objects.txt']
                detect: {glob: objects.txt}
                env: [COUNTER]
                network: true
            """
        let options = RenderOptions(
            manifests: ManifestOptions(path: "apps/web"),
            plugins: try PluginConfig.parse(Array(yaml.utf8), file: "plugins.yaml"),
            context: RenderContext(appName: "web"), environment: ["PATH": "/usr/bin:/bin", "COUNTER": counter])
        func runs() -> Int {
            ((try? String(contentsOfFile: counter, encoding: .utf8)) ?? "").split(separator: "\n").count
        }
        let repository = try GitRepository.open(path: repoDir)
        let first = try LoadedSource.load(repository, revision: "HEAD", render: options, previous: nil)
        XCTAssertEqual(first.renderer, "count")
        XCTAssertEqual(first.inputs, ["apps/web/objects.txt"])
        XCTAssertEqual(runs(), 1)

        try write(repoDir + "/apps/api/cm.yaml", cm("api2"))
        try write(repoDir + "/apps/webhooks/cm.yaml", cm("hooks"))  // a sibling whose name starts like the path
        try commit("elsewhere")
        let second = try LoadedSource.load(repository, revision: "HEAD", render: options, previous: first)
        XCTAssertEqual(runs(), 1, "a commit outside the path and the inputs renders nothing")
        XCTAssertNotEqual(second.commit.id, first.commit.id)
        XCTAssertEqual(second.commit.summary, "elsewhere")
        XCTAssertEqual(second.desired.map(\.body), first.desired.map(\.body))

        try write(repoDir + "/apps/web/new.txt", "")
        try commit("in the path")
        let third = try LoadedSource.load(repository, revision: "HEAD", render: options, previous: second)
        XCTAssertEqual(runs(), 2)
        XCTAssertEqual(third.inputs, ["apps/web/new.txt", "apps/web/objects.txt"])
    }
}
