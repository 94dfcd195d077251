import Foundation
import PlumbController
import PlumbCore
import PlumbYAML
import XCTest

/// charts/plumb and `plumb install --export` do not drift apart: the chart rendered with its
/// values (by `HelmSubset`) gives the export's objects, object by object; the CRD that Swift
/// embeds is the chart's file.
final class InstallChartTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let chart = root.appendingPathComponent("charts/plumb")
    static let crdFile = chart.appendingPathComponent("crds/applications.plumb.dev.yaml")

    /// Labels only Helm sets: `helm install` owns them, the export has no use for them.
    static let helmOnlyLabels = ["app.kubernetes.io/managed-by", "helm.sh/chart"]

    private func read(_ url: URL) throws -> String { try String(contentsOf: url, encoding: .utf8) }

    private func yamlValue(_ text: String, _ file: String) throws -> Value {
        try YAML.parseDocuments(text, file: file).first?.value ?? .null
    }

    /// Renders the chart as `helm template --namespace plumb-system` would, with `overrides`
    /// merged over values.yaml (one level deep, enough for the values the tests set).
    func renderChart(overrides: [String: Value] = [:]) throws -> [Value] {
        var values = try yamlValue(try read(Self.chart.appendingPathComponent("values.yaml")), "values.yaml")
        for (key, value) in overrides {
            if case .object(let o) = value, var existing = values[key] {
                for entry in o.entries { existing[entry.key] = entry.value }
                values[key] = existing
            } else {
                values[key] = value
            }
        }
        let chartYAML = try yamlValue(try read(Self.chart.appendingPathComponent("Chart.yaml")), "Chart.yaml")
        let root: Value = [
            "Values": values,
            "Release": ["Name": "plumb", "Namespace": "plumb-system", "Service": "Helm"],
            "Chart": [
                "Name": chartYAML["name"] ?? .null, "Version": chartYAML["version"] ?? .null,
                "AppVersion": chartYAML["appVersion"] ?? .null,
            ],
        ]
        var helm = HelmSubset()
        let templates = Self.chart.appendingPathComponent("templates")
        let names = try FileManager.default.contentsOfDirectory(atPath: templates.path).sorted()
        // Named templates first, as Helm loads every file before rendering any.
        for name in names where name.hasSuffix(".tpl") {
            _ = try helm.parse(try read(templates.appendingPathComponent(name)))
        }
        var objects: [Value] = []
        for name in names where name.hasSuffix(".yaml") {
            let nodes = try helm.parse(try read(templates.appendingPathComponent(name)))
            let text = try helm.render(nodes, dot: root, root: root)
            objects += try YAML.parseDocuments(text, file: name).map(\.value)
        }
        // crds/ is installed as it is, without templating.
        let crds = Self.chart.appendingPathComponent("crds")
        for name in try FileManager.default.contentsOfDirectory(atPath: crds.path).sorted() {
            objects += try YAML.parseDocuments(try read(crds.appendingPathComponent(name)), file: name).map(\.value)
        }
        return objects.map { object in
            guard var meta = object["metadata"], var labels = meta["labels"]?.objectValue else { return object }
            for label in Self.helmOnlyLabels { _ = labels.removeValue(forKey: label) }
            meta["labels"] = .object(labels)
            var o = object
            o["metadata"] = meta
            return o
        }
    }

    private func key(_ o: Value) -> String {
        [
            o["kind"]?.stringValue, o[path: ["metadata", "namespace"]]?.stringValue,
            o[path: ["metadata", "name"]]?.stringValue,
        ]
        .map { $0 ?? "" }.joined(separator: "/")
    }

    private func canonical(_ v: Value) -> String {
        (try? JSONWriter(style: .pretty(indent: 2), sortKeys: true).string(v)) ?? ""
    }

    /// The chart's objects equal the export's, except the Namespace (Helm's `--create-namespace`).
    private func assertSameObjects(chart: [Value], export: [Value], file: StaticString = #filePath, line: UInt = #line)
    {
        let exported = export.filter { $0["kind"]?.stringValue != "Namespace" }
        XCTAssertEqual(chart.map(key).sorted(), exported.map(key).sorted(), "the same objects", file: file, line: line)
        let byKey = Dictionary(chart.map { (key($0), $0) }, uniquingKeysWith: { a, _ in a })
        for object in exported {
            guard let rendered = byKey[key(object)] else { continue }
            XCTAssertEqual(canonical(rendered), canonical(object), "\(key(object)) differs", file: file, line: line)
        }
    }

    func testDefaultValuesRenderTheExport() throws {
        assertSameObjects(chart: try renderChart(), export: InstallManifests.objects())
    }

    func testNamespacedRBACRendersTheNamespacedExport() throws {
        var options = InstallManifests.Options()
        options.namespaced = true
        let chart = try renderChart(overrides: ["rbac": ["namespaced": true]])
        assertSameObjects(chart: chart, export: InstallManifests.objects(options))
        XCTAssertTrue(chart.contains { $0["kind"]?.stringValue == "Role" }, "a Role, not a ClusterRole")
        XCTAssertFalse(chart.contains { $0["kind"]?.stringValue == "ClusterRole" })
    }

    func testValuesReachTheObjectsAsTheExportFlagsDo() throws {
        var options = InstallManifests.Options()
        options.image = "registry.acme.dev/plumb:9.9.9"
        options.replicas = 2
        options.logFormat = "text"
        options.concurrency = 8
        options.storageSize = "5Gi"
        let chart = try renderChart(overrides: [
            "image": ["repository": "registry.acme.dev/plumb", "tag": "9.9.9"], "replicas": 2, "logFormat": "text",
            "concurrency": 8, "persistence": ["size": "5Gi"],
        ])
        assertSameObjects(chart: chart, export: InstallManifests.objects(options))
    }

    func testWebhooksAreOffByDefault() throws {
        let chart = try renderChart()
        XCTAssertFalse(chart.contains { $0["kind"]?.stringValue == "Ingress" })
        XCTAssertFalse(chart.contains { $0[path: ["metadata", "name"]]?.stringValue == InstallManifests.webhookServiceName })
        let args = deploymentArgs(chart)
        XCTAssertFalse(args.contains { $0.hasPrefix("--webhook-secret") }, "\(args)")
    }

    func testWebhookValuesRenderTheExportsServiceIngressAndSecretFlag() throws {
        var options = InstallManifests.Options()
        options.webhookSecret = "forge-hooks"
        options.webhookIngress = InstallManifests.WebhookIngress(host: "plumb.acme.dev", className: "nginx", tlsSecret: "plumb-tls")
        let chart = try renderChart(overrides: [
            "webhooks": [
                "enabled": true, "secretName": "forge-hooks",
                "ingress": ["enabled": true, "host": "plumb.acme.dev", "className": "nginx", "tls": ["secretName": "plumb-tls"]],
            ]
        ])
        assertSameObjects(chart: chart, export: InstallManifests.objects(options))

        // The controller reads the Secret named by the value, and serves /hooks on its http port.
        XCTAssertTrue(deploymentArgs(chart).contains("--webhook-secret=forge-hooks"), "\(deploymentArgs(chart))")
        let service = try XCTUnwrap(chart.first { $0["kind"]?.stringValue == "Service" && $0[path: ["metadata", "name"]]?.stringValue == "plumb-webhooks" })
        XCTAssertEqual(service[path: ["spec", "ports"]]?.arrayValue?.first?["targetPort"]?.stringValue, "http")
        XCTAssertEqual(service[path: ["spec", "ports"]]?.arrayValue?.first?["port"]?.intValue, 80)
        XCTAssertEqual(service[path: ["spec", "selector", "app.kubernetes.io/component"]]?.stringValue, "controller")
        let deployment = try XCTUnwrap(chart.first { $0["kind"]?.stringValue == "Deployment" })
        let ports = deployment[path: ["spec", "template", "spec", "containers"]]?.arrayValue?.first?["ports"]?.arrayValue ?? []
        XCTAssertTrue(ports.contains { $0["name"]?.stringValue == "http" }, "the Service's targetPort is a port of the container")

        // The Ingress routes only /hooks of the host, with TLS, to that Service.
        let ingress = try XCTUnwrap(chart.first { $0["kind"]?.stringValue == "Ingress" })
        XCTAssertEqual(ingress["apiVersion"]?.stringValue, "networking.k8s.io/v1")
        XCTAssertEqual(ingress[path: ["spec", "ingressClassName"]]?.stringValue, "nginx")
        XCTAssertEqual(ingress[path: ["spec", "tls"]]?.arrayValue?.first?["secretName"]?.stringValue, "plumb-tls")
        XCTAssertEqual(ingress[path: ["spec", "tls"]]?.arrayValue?.first?["hosts"], ["plumb.acme.dev"])
        let rules = ingress[path: ["spec", "rules"]]?.arrayValue ?? []
        XCTAssertEqual(rules.count, 1)
        XCTAssertEqual(rules.first?["host"]?.stringValue, "plumb.acme.dev")
        let paths = rules.first?[path: ["http", "paths"]]?.arrayValue ?? []
        XCTAssertEqual(paths.map { $0["path"]?.stringValue }, ["/hooks"], "nothing but the receivers is exposed")
        XCTAssertEqual(paths.first?["pathType"]?.stringValue, "Prefix")
        XCTAssertEqual(paths.first?[path: ["backend", "service", "name"]]?.stringValue, "plumb-webhooks")
        XCTAssertEqual(paths.first?[path: ["backend", "service", "port", "name"]]?.stringValue, "http-webhooks")
    }

    func testWebhookIngressWithoutHostClassOrTLSLeavesThemOut() throws {
        var options = InstallManifests.Options()
        options.webhookSecret = "plumb-webhooks"
        options.webhookIngress = InstallManifests.WebhookIngress()
        let chart = try renderChart(overrides: ["webhooks": ["enabled": true, "ingress": ["enabled": true, "host": "", "className": "", "tls": ["secretName": ""]]]])
        assertSameObjects(chart: chart, export: InstallManifests.objects(options))
        let ingress = try XCTUnwrap(chart.first { $0["kind"]?.stringValue == "Ingress" })
        XCTAssertNil(ingress[path: ["spec", "ingressClassName"]])
        XCTAssertNil(ingress[path: ["spec", "tls"]])
        XCTAssertNil(ingress[path: ["spec", "rules"]]?.arrayValue?.first?["host"])
        // Without the Ingress, the Service is still there for a LoadBalancer or a port-forward.
        options.webhookIngress = nil
        let serviceOnly = try renderChart(overrides: ["webhooks": ["enabled": true]])
        assertSameObjects(chart: serviceOnly, export: InstallManifests.objects(options))
        XCTAssertFalse(serviceOnly.contains { $0["kind"]?.stringValue == "Ingress" })
    }

    private func deploymentArgs(_ objects: [Value]) -> [String] {
        let deployment = objects.first { $0["kind"]?.stringValue == "Deployment" }
        return (deployment?[path: ["spec", "template", "spec", "containers"]]?.arrayValue?.first?["args"]?.arrayValue ?? []).compactMap(\.stringValue)
    }

    /// The CRD Swift embeds is byte for byte the chart's file; PLUMB_REGENERATE_CRD=1 rewrites it.
    func testEmbeddedCRDIsTheChartsFile() throws {
        let text = try read(Self.crdFile)
        if ProcessInfo.processInfo.environment["PLUMB_REGENERATE_CRD"] == "1" {
            let swift = """
                // Generated from charts/plumb/crds/applications.plumb.dev.yaml; InstallChartTests keeps the two
                // equal. Regenerate with: PLUMB_REGENERATE_CRD=1 swift test --filter InstallChartTests

                extension InstallManifests {
                    /// The Application CRD, exactly as charts/plumb/crds/applications.plumb.dev.yaml holds it.
                    public static let applicationCRDYAML = #\"\"\"

                """ + text + "\"\"\"#\n}\n"
            try swift.write(
                to: Self.root.appendingPathComponent("Sources/PlumbController/InstallManifestsCRD.swift"),
                atomically: true,
                encoding: .utf8)
        }
        XCTAssertEqual(
            InstallManifests.applicationCRDYAML + "\n", text,
            "Sources/PlumbController/InstallManifestsCRD.swift is stale: PLUMB_REGENERATE_CRD=1 swift test --filter InstallChartTests"
        )
        XCTAssertEqual(InstallManifests.applicationCRD["kind"]?.stringValue, "CustomResourceDefinition")
    }
}
