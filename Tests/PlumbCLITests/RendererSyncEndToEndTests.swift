import Foundation
import PlumbCore
import XCTest

/// `plumb sync` of a Jsonnet path and of a plugin path against a sandbox: the summary line and
/// the audit record name the renderer.
final class RendererSyncEndToEndTests: SandboxTestCase {
    func testSyncSummaryAndAuditRecordNameTheRenderer() throws {
        try startSandbox()
        try repo.write(
            "apps/web/main.jsonnet",
            """
            local ns = std.extVar('ns');
            {
              namespace: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } },
              config: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web', namespace: ns }, data: { color: 'blue' } },
            }
            """)
        try repo.write("apps/web/.plumb.yaml", "render: {extVars: {ns: web}}\n")
        try repo.write("apps/chart/Chart.yaml", "name: chart\n")
        try repo.commit("jsonnet and a chart")

        let s = try sync()
        XCTAssertEqual(s.status, 0, s.stdout + s.stderr)
        let summary = s.stdout.split(separator: "\n").last.map(String.init) ?? ""
        XCTAssertTrue(
            summary.hasPrefix("synced \(try repo.git("rev-parse", "--short=7", "HEAD")) (rendered by jsonnet) in "),
            summary)
        XCTAssertTrue(summary.hasSuffix("2 created   audit #1"), summary)
        XCTAssertEqual(
            try kubectl("get", "configmap", "web", "-n", "web", "-o", "jsonpath={.data.color}").stdout, "blue")
        let record = try plumb(["history", "show", "1", "-o", "json"])
        XCTAssertEqual(try JSONReader().parse(record.stdout)[path: ["options", "renderer"]], "jsonnet", record.stdout)

        // A plugin from the operator's file renders the chart path; the record names it.
        let script = directory + "/chart.sh"
        try "printf 'apiVersion: v1\\nkind: ConfigMap\\nmetadata: {name: %s, namespace: web}\\n' \"$PLUMB_APP_NAME\"\n"
            .write(toFile: script, atomically: true, encoding: .utf8)
        let config = directory + "/plugins.yaml"
        try
            "plugins:\n  - name: chart\n    command: [sh, \(script)]\n    detect: {glob: Chart.yaml}\n    network: true\n"
            .write(toFile: config, atomically: true, encoding: .utf8)
        let p = try plumb(["sync", "--repo", repo.path, "--path", "apps/chart", "--plugin-config", config])
        XCTAssertEqual(p.status, 0, p.stdout + p.stderr)
        XCTAssertTrue(p.stdout.contains("(rendered by chart)"), p.stdout)
        XCTAssertEqual(
            try kubectl("get", "configmap", "chart", "-n", "web", "-o", "jsonpath={.metadata.name}").stdout, "chart")
        let second = try plumb(["history", "show", "2", "-o", "json"])
        XCTAssertEqual(try JSONReader().parse(second.stdout)[path: ["options", "renderer"]], "chart", second.stdout)
    }
}
