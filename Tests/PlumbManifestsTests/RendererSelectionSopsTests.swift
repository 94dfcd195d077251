import Foundation
import PlumbCore
import PlumbManifests
import PlumbTesting
import XCTest

/// Every renderer reads through the one read function that decrypts SOPS files (files the real
/// `sops` encrypted, fixtures/sops, opened with its PGP test key); plugins get them as committed.
final class RendererSelectionSopsTests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("fixtures/sops")

    var dir: TempDir!
    var keys: SopsKeys!

    override func setUpWithError() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/gpg") else {
            throw XCTSkip("gpg is not installed (Debian package gnupg)")
        }
        dir = try TempDir("render-sops")
        let home = dir.sub("gnupg")
        try FileManager.default.createDirectory(
            atPath: home, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        try runTool(
            "/usr/bin/gpg",
            [
                "--batch", "--quiet", "--import",
                Self.fixtures.appendingPathComponent("sops_functional_tests_key.asc").path,
            ],
            env: ["GNUPGHOME": home, "PATH": "/usr/bin:/bin"])
        keys = SopsKeys(gnupgHome: home)
    }

    override func tearDown() {
        if let home = dir?.sub("gnupg") {
            _ = try? runTool(
                "/usr/bin/gpgconf", ["--kill", "gpg-agent"], env: ["GNUPGHOME": home, "PATH": "/usr/bin:/bin"],
                check: false)
        }
        dir = nil
    }

    func fixture(_ name: String) throws -> String {
        try String(contentsOf: Self.fixtures.appendingPathComponent(name), encoding: .utf8)
    }

    func render(_ files: [String: String], keys: SopsKeys, plugins: PluginConfig = .none) throws -> RenderResult {
        let options = RenderOptions(
            manifests: ManifestOptions(path: "app"), plugins: plugins, keys: keys,
            context: RenderContext(appName: "app"),
            environment: ["PATH": "/usr/bin:/bin"])
        return try SourceRenderer(options: options).render(from: InMemorySnapshot(files.mapValues { .file($0) }))
    }

    func testKustomizeGeneratorsAndJsonnetImportsReadDecryptedFiles() throws {
        let kustomize = try render(
            [
                "app/kustomization.yaml":
                    "secretGenerator:\n  - name: creds\n    files: [creds.json=format.enc.json]\n    options: {disableNameSuffixHash: true}\n",
                "app/format.enc.json": try fixture("format.enc.json"),
            ], keys: keys)
        XCTAssertEqual(kustomize.renderer, "kustomize")
        let encoded = try XCTUnwrap(kustomize.desired.resources.first?.body[path: ["data", "creds.json"]]?.stringValue)
        let decoded = try JSONReader().parse([UInt8](try XCTUnwrap(Data(base64Encoded: encoded))))
        XCTAssertEqual(decoded, ["foo": "bar"], "the generator read the decrypted file, without its sops section")
        XCTAssertTrue(kustomize.secrets.contains("bar"), "\(kustomize.secrets.count) secrets")

        let jsonnet = try render(
            [
                "app/main.jsonnet":
                    "local s = std.parseJson(importstr 'format.enc.json');\n{apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'x'}, data: {foo: s.foo, keys: std.join(',', std.objectFields(s))}}",
                "app/format.enc.json": try fixture("format.enc.json"),
            ], keys: keys)
        XCTAssertEqual(jsonnet.desired.resources.first?.body["data"], ["foo": "bar", "keys": "foo"])
        XCTAssertTrue(jsonnet.secrets.contains("bar"))
        XCTAssertEqual(jsonnet.desired.files, ["app/format.enc.json", "app/main.jsonnet"])
    }

    func testWithoutTheKeyTheRenderFailsNamingTheFile() throws {
        do {
            _ = try render(
                [
                    "app/main.jsonnet": "importstr 'format.enc.json'",
                    "app/format.enc.json": try fixture("format.enc.json"),
                ], keys: .none)
            XCTFail("rendered")
        } catch {
            let text = "\(error)"
            XCTAssertTrue(text.contains("app/format.enc.json: sops: "), text)
            XCTAssertFalse(text.contains("\"bar\""), text)
        }
    }

    func testPluginsGetTheFilesAsCommitted() throws {
        let yaml = """
            plugins:
              - name: show
                command: [sh, -c, 'printf "apiVersion: v1\\nkind: ConfigMap\\nmetadata: {name: x}\\ndata: {encrypted: \\"%s\\"}\\n" "$(grep -c ENC.AES256_GCM format.enc.json)"']
                detect: {glob: "*.json"}
                network: true
            """
        let plugins = try PluginConfig.parse(Array(yaml.utf8), file: "plugins.yaml")
        let result = try render(["app/format.enc.json": try fixture("format.enc.json")], keys: keys, plugins: plugins)
        XCTAssertEqual(result.renderer, "show")
        XCTAssertEqual(
            result.desired.resources.first?.body[path: ["data", "encrypted"]], "2",
            "the value and the MAC stay encrypted")
        XCTAssertTrue(result.secrets.isEmpty)
    }
}
