import Foundation
import PlumbCore
import PlumbManifests
import PlumbTesting
import XCTest

/// Public Kustomize examples kept in fixtures/real (with their licence): every kustomization
/// in them rendered by Plumb and by `kubectl kustomize` gives the same objects.
final class KustomizeRealWorldTests: XCTestCase {
    func judgeReal(_ name: String, expectedRoots: Int, file: StaticString = #filePath, line: UInt = #line) throws {
        let source = KustomizeJudge.repositoryRoot + "/fixtures/real/" + name
        XCTAssert(
            FileManager.default.fileExists(atPath: source + "/LICENSE"), "\(name) keeps its licence", file: file,
            line: line)
        let dir = try TempDir("kustomize-real")
        let (work, snapshot) = try KustomizeJudge.repository(copying: source, into: dir)
        let roots = try KustomizeJudge.kustomizationRoots(in: work)
        XCTAssertEqual(roots.count, expectedRoots, "\(name): \(roots)", file: file, line: line)
        for root in roots {
            let judge = try KustomizeJudge.judge(root.isEmpty ? work : work + "/" + root)
            let (plumb, _) = try KustomizeJudge.plumb(root, snapshot)
            XCTAssertFalse(judge.isEmpty, file: file, line: line)
            let diffs = KustomizeJudge.differences(judge: judge, plumb: plumb)
            XCTAssert(diffs.isEmpty, "\(name)/\(root):\n" + diffs.joined(separator: "\n"), file: file, line: line)
        }
    }

    func testMultibasesBaseThreeOverlaysAndTheirCombination() throws {
        try judgeReal("kustomize-multibases", expectedRoots: 5)
    }

    func testHelloWorldStandaloneBaseAndTwoOverlays() throws {
        try judgeReal("kustomize-helloworld", expectedRoots: 4)
    }
}
