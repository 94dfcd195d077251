import Foundation
import PlumbAudit
import PlumbController
import PlumbCore
import PlumbGit
import PlumbManifests
import PlumbTesting
import XCTest

/// The controller renders an Application's path with the renderer its `spec.source.render`
/// (or its files) asks for, records the renderer, and does not render again for a commit that
/// touches nothing the render read.
final class ControllerRenderTests: ControllerTestCase {
    func applyRenderedApplication(_ name: String, path: String, render: String) throws {
        let yaml = """
            apiVersion: plumb.dev/v1alpha1
            kind: Application
            metadata:
              name: \(name)
              namespace: \(namespace)
            spec:
              source:
                repoURL: \(url)
                path: \(path)
                render: \(render)
              destination:
                namespace: \(namespace)
              interval: 1h
              syncPolicy:
                automated: true
            """
        try kubectlOK(["apply", "--server-side", "--field-manager=test", "-f", "-"], stdin: yaml)
    }

    func reconciler(plugins: PluginConfig) -> Reconciler {
        let holder = ControllerHolder()
        holders.append(holder)
        let objects = ManagedObjects(client: client, namespace: nil) { holder.controller?.managedObjectChanged($0) }
        var settings = Reconciler.Settings(
            git: GitSourceOptions(cacheDirectory: tmp.sub("cache"), lockTimeout: .seconds(20), environment: [:]),
            scratchDirectory: tmp.sub("scratch"), targetName: "kube:test")
        settings.cacheSyncTimeout = .seconds(5)
        settings.plugins = plugins
        return Reconciler(
            client: client, git: GitSources(cacheDirectory: tmp.sub("cache")), objects: objects, audit: audit,
            settings: settings)
    }

    func testSpecSourceRenderChoosesTheRendererAndTheAuditRecordNamesIt() async throws {
        try commit([
            "apps/web/main.jsonnet":
                "{ cm: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web' }, data: { color: std.extVar('color') } } }",
            "apps/web/objects.yaml": configMap("not-read", ["a": "b"]),
        ])
        try applyRenderedApplication("web", path: "apps/web", render: "{kind: jsonnet, extVars: {color: blue}}")
        let r = reconciler(plugins: .none)
        let out = await r.reconcile(try await application("web"))
        XCTAssertEqual(out.sync?.result.succeeded, true, "\(out.status.conditions)")
        let data = await configMapData("web")
        XCTAssertEqual(data?["color"], "blue")
        let notRead = await configMapData("not-read")
        XCTAssertNil(notRead, "the jsonnet renderer does not read the YAML file")
        let record = try XCTUnwrap(try audit.record(try XCTUnwrap(out.sync?.auditID)))
        XCTAssertEqual(record.options["renderer"], "jsonnet")
    }

    func testABadRenderFieldStallsTheApplicationNamingIt() async throws {
        try commit(["apps/web/cm.yaml": configMap("web", ["a": "b"])])
        try applyRenderedApplication("web", path: "apps/web", render: "{kind: plugin, plugin: helm}")
        let out = await reconciler(plugins: .none).reconcile(try await application("web"))
        XCTAssertNil(out.sync)
        let ready = out.status.condition("Ready")
        XCTAssertEqual(ready?.reason, "RenderFailed", "\(out.status.conditions)")
        XCTAssertTrue(
            ready?.message.contains("plugin \"helm\" is not declared by the operator") == true, ready?.message ?? "")
    }

    func testACommitOutsideThePathAndItsInputsIsNotRenderedAgain() async throws {
        let counter = tmp.sub("plugin-runs")
        let yaml = """
            plugins:
              - name: count
                command: [sh, -c, 'echo run >> \(counter); cat objects.txt']
                detect: {glob: objects.txt}
                network: true
            """
        let plugins = try PluginConfig.parse(Array(yaml.utf8), file: "plugins.yaml")
        try commit(["apps/web/objects.txt": configMap("web", ["v": "1"]), "apps/api/cm.yaml": configMap("api", [:])])
        try applyRenderedApplication("web", path: "apps/web", render: "{plugin: count}")
        let r = reconciler(plugins: plugins)
        func runs() -> Int {
            ((try? String(contentsOfFile: counter, encoding: .utf8)) ?? "").split(separator: "\n").count
        }
        let first = await r.reconcile(try await application("web"))
        XCTAssertEqual(first.sync?.result.succeeded, true, "\(first.status.conditions)")
        XCTAssertEqual(runs(), 1)
        XCTAssertEqual(try audit.record(try XCTUnwrap(first.sync?.auditID))?.options["renderer"], "count")
        _ = try await client.patch(
            try await application("web").ref, .merge(["status": first.status.value]), subresource: "status")

        let elsewhere = try commit(["apps/api/cm.yaml": configMap("api", ["x": "y"])])
        try await Task.sleep(for: .milliseconds(200))
        try kubectlOK([
            "annotate", "--overwrite", "applications.plumb.dev/web", "-n", namespace, "plumb.dev/reconcile-at=1",
        ])
        let second = await r.reconcile(try await application("web"))
        XCTAssertEqual(runs(), 1, "the plugin did not run for a commit outside its path")
        XCTAssertTrue(
            second.status.syncRevision?.contains(elsewhere) == true,
            "the new commit is the one reported: \(second.status.syncRevision ?? "")")
        _ = try await client.patch(
            try await application("web").ref, .merge(["status": second.status.value]), subresource: "status")

        try commit(["apps/web/objects.txt": configMap("web", ["v": "2"])])
        try kubectlOK([
            "annotate", "--overwrite", "applications.plumb.dev/web", "-n", namespace, "plumb.dev/reconcile-at=2",
        ])
        let third = await r.reconcile(try await application("web"))
        XCTAssertEqual(runs(), 2)
        XCTAssertEqual(third.sync?.result.succeeded, true, "\(third.status.conditions)")
        let data = await configMapData("web")
        XCTAssertEqual(data?["v"], "2")
    }
}
