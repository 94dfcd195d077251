import Foundation
import PlumbCore
import PlumbRollout
import PlumbYAML
import XCTest

/// docs/examples/rollout-canary.yaml is a valid declaration.
final class RolloutExampleTests: XCTestCase {
    func testTheDocumentedExampleIsValid() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let path = "docs/examples/rollout-canary.yaml"
        let text = try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
        let resources = try YAML.parseDocuments(text, file: path).map { try Resource($0.value, source: $0.location) }
        let declarations = try RolloutDeclarations(resources)
        XCTAssertEqual(declarations.strategies.count, 1)
        let strategy = try XCTUnwrap(declarations.strategies.first)
        XCTAssertEqual(strategy.steps.count, 5)
        XCTAssertEqual(strategy.routing, .none)
        XCTAssertEqual(strategy.weight(afterStep: 3), 60)
        XCTAssertEqual(declarations.templates["shop/success-rate"]?.metrics.first?.name, "success-rate")
    }
}
