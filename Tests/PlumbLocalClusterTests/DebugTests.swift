import Foundation
import XCTest

final class DebugTests: ClusterTestCase {
    func testDebugKubectl() throws {
        guard let args = ProcessInfo.processInfo.environment["PLUMB_DEBUG_KUBECTL"] else { return }
        for cmd in args.components(separatedBy: ";;") {
            let r = try kubectl(cmd.split(separator: " ").map(String.init) + ["-v=8"], stdin: ProcessInfo.processInfo.environment["PLUMB_DEBUG_STDIN"])
            print("=== \(cmd) exit \(r.status)\n\(r.stdout)\n\(r.stderr)")
        }
    }
}
