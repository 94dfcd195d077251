import Foundation
import PlumbController
import PlumbCore
import PlumbRollout
import PlumbYAML
import XCTest

/// The rollout CRDs Swift embeds are the chart's files, and `plumb install` ships them.
final class RolloutCRDTests: XCTestCase {
    func testEmbeddedCRDsAreTheChartFiles() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        for file in RolloutCRDs.files {
            let text = try String(contentsOf: root.appendingPathComponent("charts/plumb/crds/\(file.name)"), encoding: .utf8)
            XCTAssertEqual(file.yaml + "\n", text, "\(file.name): Sources/PlumbRollout/RolloutCRDs.swift differs from the chart")
        }
    }

    func testInstallManifestsCarryTheRolloutCRDs() throws {
        let names = InstallManifests.objects().filter { $0["kind"]?.stringValue == "CustomResourceDefinition" }
            .compactMap { $0[path: ["metadata", "name"]]?.stringValue }
        XCTAssertTrue(names.contains("rolloutstrategies.plumb.dev"), "\(names)")
        XCTAssertTrue(names.contains("rolloutanalyses.plumb.dev"), "\(names)")
        let yaml = InstallManifests.yaml()
        XCTAssertTrue(yaml.contains("name: rolloutstrategies.plumb.dev"))
        let kinds = try YAML.parseDocuments(yaml, file: "install.yaml").compactMap { $0.value[path: ["spec", "names", "kind"]]?.stringValue }
        XCTAssertEqual(kinds.filter { $0 == "RolloutStrategy" }.count, 1)
        XCTAssertEqual(kinds.filter { $0 == "RolloutAnalysis" }.count, 1)
    }
}
