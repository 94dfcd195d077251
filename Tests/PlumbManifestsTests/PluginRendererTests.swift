import Foundation
import PlumbCore
import PlumbManifests
import PlumbTesting
import XCTest

/// Renderer plugins: operator-declared commands run on a temporary export of the path, tested
/// with shell scripts (the shipped Helm example needs `helm`, which the operator installs).
final class PluginRendererTests: XCTestCase {
    var dir: TempDir!

    override func setUpWithError() throws { dir = try TempDir("plugins") }
    override func tearDown() { dir = nil }

    /// A plugin whose command is `sh <script>` (the script lives outside the repository).
    func plugin(_ name: String = "script", script: String, detect: String? = "render.sh", config: String = "") throws
        -> PluginConfig
    {
        let path = dir.sub(name + ".sh")
        try write(path, script)
        var yaml = "plugins:\n  - name: \(name)\n    command: [sh, \(path)]\n"
        if let detect { yaml += "    detect: {glob: \(detect)}\n" }
        // The network namespace has a test of its own; elsewhere it is not what is tested.
        yaml += config.contains("network:") ? config : config + "    network: true\n"
        return try PluginConfig.parse(Array(yaml.utf8), file: "plugins.yaml")
    }

    func render(
        _ files: [String: String], plugins: PluginConfig, settings: RenderSettings? = nil,
        environment: [String: String] = [:]
    ) throws -> RenderResult {
        let options = RenderOptions(
            manifests: ManifestOptions(path: "apps/web"), settings: settings, plugins: plugins,
            context: RenderContext(
                appName: "web", appNamespace: "shop", revision: "3f9c2ab0000000000000000000000000000000000"),
            environment: ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"].merging(environment) {
                $1
            })
        return try SourceRenderer(options: options).render(from: InMemorySnapshot(files.mapValues { .file($0) }))
    }

    func failure(_ files: [String: String], plugins: PluginConfig, settings: RenderSettings? = nil) -> String {
        do {
            _ = try render(files, plugins: plugins, settings: settings)
            XCTFail("rendered without an error")
            return ""
        } catch {
            return "\(error)"
        }
    }

    let chart = [
        "apps/web/render.sh": "marker", "apps/web/values.yaml": "color: blue\n", "apps/web/templates/cm.yaml": "x: 1\n",
        "other/secret.txt": "no",
    ]

    func testPluginRunsInAnExportOfThePathWithOnlyTheAllowedEnvironment() throws {
        let plugins = try plugin(
            script: """
                set -e
                color=$(sed -n 's/^color: //p' values.yaml)
                cat <<EOF
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: "$PLUMB_APP_NAME-env", namespace: "$PLUMB_APP_NAMESPACE"}
                data:
                  color: "$color"
                  revision: "$PLUMB_REVISION"
                  path: "$PLUMB_PATH"
                  param: "$PARAM_RELEASE_NAME"
                  allowed: "${ALLOWED-unset}"
                  secret: "${NOT_ALLOWED-unset}"
                  home: "$HOME"
                  pwd: "$(pwd)"
                  files: "$(find . -type f | sort | tr '\\n' ' ')"
                  vars: "$(env | cut -d= -f1 | grep -v '^PWD$\\|^SHLVL$\\|^_$\\|^OLDPWD$' | sort | tr '\\n' ' ')"
                EOF
                """,
            config: "    env: [ALLOWED]\n    parameters: {release-name: default-name}\n")
        let result = try render(
            chart, plugins: plugins, settings: RenderSettings(parameters: [("release-name", "blue-green")]),
            environment: ["ALLOWED": "yes", "NOT_ALLOWED": "leak"])
        XCTAssertEqual(result.renderer, "script")
        let data = try XCTUnwrap(result.desired.resources.first?.body["data"])
        XCTAssertEqual(result.desired.resources.first?.name, "web-env")
        XCTAssertEqual(result.desired.resources.first?.namespace, "shop")
        XCTAssertEqual(data["color"], "blue")
        XCTAssertEqual(data["revision"], "3f9c2ab0000000000000000000000000000000000")
        XCTAssertEqual(data["path"], "apps/web")
        XCTAssertEqual(data["param"], "blue-green")
        XCTAssertEqual(data["allowed"], "yes")
        XCTAssertEqual(data["secret"], "unset")
        XCTAssertEqual(data["files"], "./render.sh ./templates/cm.yaml ./values.yaml ")
        XCTAssertEqual(
            data["vars"],
            "ALLOWED HOME LANG PARAM_RELEASE_NAME PATH PLUMB_APP_NAME PLUMB_APP_NAMESPACE PLUMB_PATH PLUMB_REVISION ")
        let home = try XCTUnwrap(data["home"]?.stringValue)
        let pwd = try XCTUnwrap(data["pwd"]?.stringValue)
        XCTAssertTrue(
            home.hasPrefix(NSTemporaryDirectory().replacingOccurrences(of: "//", with: "/")) || home.hasPrefix("/tmp/"),
            home)
        XCTAssertEqual((home as NSString).deletingLastPathComponent, (pwd as NSString).deletingLastPathComponent)
        XCTAssertFalse(FileManager.default.fileExists(atPath: pwd), "the export is removed after the run")
        XCTAssertFalse(FileManager.default.fileExists(atPath: home))
        // Every file of the path was exported, so every one is an input; nothing outside it is.
        XCTAssertEqual(
            result.desired.files, ["apps/web/render.sh", "apps/web/templates/cm.yaml", "apps/web/values.yaml"])
    }

    func testStdoutMayBeJSONAListOrAMapOfObjects() throws {
        let plugins = try plugin(
            script: """
                echo '{"a": {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}},'
                echo ' "b": [{"apiVersion": "v1", "kind": "List", "items": [{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "b"}}]}]}'
                """)
        XCTAssertEqual(try render(chart, plugins: plugins).desired.resources.map(\.name), ["a", "b"])
    }

    func testFailuresNameThePluginAndCarryItsStderr() throws {
        let failing = try plugin(
            script: "echo 'Error: template: web/templates/cm.yaml:3:7: bad' >&2\necho 'second line' >&2\nexit 3\n")
        XCTAssertEqual(
            failure(chart, plugins: failing),
            "apps/web: plugin script: exit status 3: Error: template: web/templates/cm.yaml:3:7: bad; second line")

        let badYAML = try plugin(script: "printf 'apiVersion: v1\\nkind: ConfigMap\\nmetadata: {name: [}\\n'\n")
        XCTAssertTrue(
            failure(chart, plugins: badYAML).hasPrefix("apps/web (plugin script output):3:"),
            failure(chart, plugins: badYAML))

        let missing = try plugin(script: "")
        let undeclared = failure(chart, plugins: missing, settings: RenderSettings(kind: .plugin("helm")))
        XCTAssertTrue(
            undeclared.contains("plugin \"helm\" is not declared by the operator (declared: script"), undeclared)
        let param = failure(chart, plugins: missing, settings: RenderSettings(parameters: [("values", "x.yaml")]))
        XCTAssertEqual(
            param, "apps/web: render.parameters.values: plugin script declares no such parameter (it has: none)")
        let required = try plugin(script: "", config: "    parameters: {values: null}\n")
        XCTAssertEqual(
            failure(chart, plugins: required), "apps/web: render.parameters.values: plugin script requires it")
    }

    func testTimeoutKillsTheWholeProcessGroup() throws {
        let pidFile = dir.sub("child.pid")
        let plugins = try plugin(
            script: "sleep 300 &\necho $! > \"$PIDFILE\"\nwait\n", config: "    env: [PIDFILE]\n    timeout: 1s\n")
        let started = Date()
        do {
            _ = try render(chart, plugins: plugins, environment: ["PIDFILE": pidFile])
            XCTFail("rendered")
        } catch {
            XCTAssertEqual("\(error)", "apps/web: plugin script: timed out after 1s, killed")
        }
        XCTAssertLessThan(Date().timeIntervalSince(started), 5)
        let pid = try XCTUnwrap(
            Int32(String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        // The background `sleep` was in the plugin's process group: it is gone too.
        var gone = false
        for _ in 0..<50 where !gone {
            gone =
                kill(pid, 0) != 0
                || (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8))?.contains(") Z ") == true
            if !gone { usleep(20_000) }
        }
        XCTAssertTrue(gone, "pid \(pid) still runs")
    }

    func testOutputOverTheCapIsRefused() throws {
        let plugins = try plugin(script: "yes 'a: b'\n", config: "    maxOutputBytes: 64Ki\n")
        XCTAssertEqual(
            failure(chart, plugins: plugins),
            "apps/web: plugin script: output over the 64 KiB limit (maxOutputBytes), killed")
    }

    func testNoNetworkUnlessTheOperatorAllowsIt() throws {
        // A listener on the host's loopback: reachable with network: true, not from the plugin's own namespace.
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(listener) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, length) }
        }
        XCTAssertEqual(listen(listener, 4), 0)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
        }
        let port = Int(UInt16(bigEndian: address.sin_port))
        let script = """
            if bash -c 'exec 3<>/dev/tcp/127.0.0.1/\(port)' 2>/dev/null; then r=connected; else r=refused; fi
            n=$(tail -n +3 /proc/net/dev | wc -l)
            printf 'apiVersion: v1\\nkind: ConfigMap\\nmetadata: {name: net}\\ndata: {result: %s, interfaces: "%s"}\\n' "$r" "$n"
            """
        let noNetwork = try plugin(script: script, config: "    network: false\n")
        let namespaces = [["--net", "true"], ["--map-root-user", "--net", "true"]].contains {
            (try? runTool("/usr/bin/unshare", $0, env: ["PATH": "/usr/bin:/bin"], check: false).status) == 0
        }
        guard namespaces else {
            // No namespace can be made on this machine: the plugin is not run at all.
            XCTAssertTrue(failure(chart, plugins: noNetwork).contains("no network namespace can be made here"))
            return
        }
        let closed = try render(chart, plugins: noNetwork)
        XCTAssertEqual(closed.desired.resources.first?.body[path: ["data", "result"]], "refused")
        XCTAssertEqual(closed.desired.resources.first?.body[path: ["data", "interfaces"]], "1")  // lo only
        let open = try render(chart, plugins: try plugin(script: script, config: "    network: true\n"))
        XCTAssertEqual(open.desired.resources.first?.body[path: ["data", "result"]], "connected")
    }

    func testPluginFileIsCheckedFieldByField() {
        func error(_ yaml: String) -> String {
            do {
                _ = try PluginConfig.parse(Array(yaml.utf8), file: "plugins.yaml")
                return "parsed"
            } catch {
                return "\(error)"
            }
        }
        XCTAssertEqual(
            error("plugins:\n  - {name: kustomize, command: [x]}\n"),
            "plugins.yaml: plugins[0].name: \"kustomize\" is a built-in renderer's name")
        XCTAssertEqual(
            error("plugins:\n  - {name: helm, command: []}\n"),
            "plugins.yaml: plugins[0].command: must be a non-empty list of strings (the argv)")
        XCTAssertTrue(
            error("plugins:\n  - {name: helm, command: [helm], sidecar: true}\n").hasPrefix(
                "plugins.yaml: plugins[0].sidecar: unknown field"))
        XCTAssertEqual(
            error("plugins:\n  - {name: helm, command: [helm], timeout: soon}\n"),
            "plugins.yaml: plugins[0].timeout: expected a duration such as 30s, 2m or 1m30s")
        XCTAssertEqual(
            error("plugins:\n  - {name: helm, command: [helm], env: [HOME]}\n"),
            "plugins.yaml: plugins[0].env: \"HOME\" cannot be passed on (HOME, PLUMB_* and PARAM_* are set by Plumb)")
        XCTAssertEqual(
            error("plugins:\n  - {name: a, command: [x]}\n  - {name: a, command: [z]}\n"),
            "plugins.yaml: plugins[1].name: \"a\" is declared twice")
    }

    /// docs/examples/plugins.yaml parses, and its Helm plugin is the one a Chart.yaml selects.
    func testShippedExampleParses() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let bytes = try [UInt8](Data(contentsOf: root.appendingPathComponent("docs/examples/plugins.yaml")))
        let config = try PluginConfig.parse(bytes, file: "docs/examples/plugins.yaml")
        let helm = try XCTUnwrap(config.plugin(named: "helm"))
        XCTAssertEqual(helm.detect?.pattern, "Chart.yaml")
        XCTAssertFalse(helm.network)
        XCTAssertTrue(
            helm.command.joined(separator: " ").contains("helm template \"$PLUMB_APP_NAME\" ."), "\(helm.command)")
    }
}
