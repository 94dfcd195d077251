import PlumbCore
import XCTest

@testable import PlumbManifests

/// NodeConfig `source:` files are put inline at render time, recorded as inputs of the render,
/// and a source that cannot be used is an error naming the document and the field.
final class NodeConfigSourcesTests: XCTestCase {
    private let selection = RendererSelectionTests(name: "render", testClosure: { _ in })

    private func nodeConfig(_ files: String) -> String {
        """
        apiVersion: plumb.dev/v1alpha1
        kind: NodeConfig
        metadata: {name: web}
        spec:
          hosts: [host-1]
          files:
        \(files)
        """
    }

    func testSourcesAreInlineAndInputs() throws {
        let result = try selection.render(
            [
                "nodes/web.yaml": nodeConfig(
                    """
                      - {path: /etc/nginx/nginx.conf, source: ../files/nginx.conf, mode: "0644"}
                      - {path: /etc/motd, source: /shared/motd}
                      - {path: /etc/issue, content: "inline\\n"}
                    """),
                "files/nginx.conf": "worker_processes 4;\n",
                "shared/motd": "hello\n",
            ], path: "nodes")
        let files = try XCTUnwrap(result.desired.resources.first?.body[path: ["spec", "files"]]?.arrayValue)
        XCTAssertEqual(files[0]["content"]?.stringValue, "worker_processes 4;\n")
        XCTAssertNil(files[0]["source"])
        XCTAssertEqual(files[0]["mode"]?.stringValue, "0644")
        XCTAssertEqual(files[1]["content"]?.stringValue, "hello\n")
        XCTAssertEqual(files[2]["content"]?.stringValue, "inline\n")
        // A commit changing a source file outside the path changes this render.
        XCTAssertTrue(result.inputs.isSuperset(of: ["files/nginx.conf", "shared/motd", "nodes/web.yaml"]), "\(result.inputs)")
    }

    func testAMissingOrEscapingSourceIsAnErrorNamingTheDocumentAndField() {
        let missing = selection.failure(
            ["nodes/web.yaml": nodeConfig("      - {path: /etc/a, source: gone.conf}\n")], path: "nodes")
        XCTAssertTrue(missing.hasPrefix("nodes/web.yaml:1:1: NodeConfig web: spec.files[0].source: cannot read gone.conf"), missing)
        let escaping = selection.failure(
            ["nodes/web.yaml": nodeConfig("      - {path: /etc/a, source: ../../x}\n")], path: "nodes")
        XCTAssertEqual(escaping, "nodes/web.yaml:1:1: NodeConfig web: spec.files[0].source: ../../x leaves the repository")
    }

    func testResolveStaysInsideTheRepository() {
        XCTAssertEqual(NodeConfigSources.resolve("a/./b", from: "x/y"), "x/y/a/b")
        XCTAssertEqual(NodeConfigSources.resolve("../f", from: "x/y"), "x/f")
        XCTAssertEqual(NodeConfigSources.resolve("/f", from: "x/y"), "f")
        XCTAssertNil(NodeConfigSources.resolve("../../../f", from: "x/y"))
    }
}
