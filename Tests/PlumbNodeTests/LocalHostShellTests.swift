import Foundation
import XCTest

@testable import PlumbNode

final class LocalHostShellTests: XCTestCase {
    func testScriptsSeeTheHostRootAndTheirInput() async throws {
        let root = NSTemporaryDirectory() + "plumbnode-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: root + "/etc", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let shell = LocalHostShell(host: "host-1", root: root)
        let result = try await shell.run(#"cat > "$PLUMB_ROOT/etc/motd" && cat "$PLUMB_ROOT/etc/motd""#, input: Array("hello\n".utf8))
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stdoutText, "hello\n")
        XCTAssertEqual(try String(contentsOfFile: root + "/etc/motd", encoding: .utf8), "hello\n")
    }

    func testAFailingScriptIsAResultNotAnError() async throws {
        let result = try await LocalHostShell(host: "host-1", root: "/").run("echo oops >&2; exit 3", input: nil)
        XCTAssertEqual(result.status, 3)
        XCTAssertEqual(result.stderr, "oops\n")
    }
}
