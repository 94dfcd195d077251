import Foundation
import PlumbCore
import PlumbManifests
import PlumbTesting
import XCTest

/// The table of fixtures/kustomize: every kustomization in each case folder rendered by
/// `kubectl kustomize` and by Plumb must give the same objects, field for field.
final class KustomizeJudgeTests: XCTestCase {
    func judgeCase(_ name: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let source = KustomizeJudge.repositoryRoot + "/fixtures/kustomize/" + name
        let dir = try TempDir("kustomize-judge")
        let (work, snapshot) = try KustomizeJudge.repository(copying: source, into: dir)
        let roots = try KustomizeJudge.kustomizationRoots(in: work)
        XCTAssertFalse(roots.isEmpty, "no kustomization in \(name)", file: file, line: line)
        for root in roots {
            let judge = try KustomizeJudge.judge(root.isEmpty ? work : work + "/" + root)
            let (plumb, output) = try KustomizeJudge.plumb(root, snapshot)
            XCTAssertFalse(judge.isEmpty, "\(name)/\(root): kubectl rendered nothing", file: file, line: line)
            let diffs = KustomizeJudge.differences(judge: judge, plumb: plumb)
            XCTAssert(diffs.isEmpty, "\(name)/\(root):\n" + diffs.joined(separator: "\n"), file: file, line: line)
            XCTAssert(
                output.inputs.contains { $0.hasSuffix("kustomization.yaml") || $0.hasSuffix("Kustomization") },
                "\(name)/\(root): the kustomization file is not among the inputs", file: file, line: line)
        }
    }

    func testBasicNamespacePrefixSuffixLabelsAnnotationsAndNameReferences() throws { try judgeCase("basic") }
    func testGeneratorsHashesBehaviorsOptionsAndReferences() throws { try judgeCase("generators") }
    func testStrategicMergeAndJSONPatchesWithTargets() throws { try judgeCase("patches") }
    func testOverlaysThreeLevelsDeep() throws { try judgeCase("overlays") }
    func testLabelsSelectorsTemplatesAndAnnotations() throws { try judgeCase("labels") }
    func testComponents() throws { try judgeCase("components") }
    func testImagesReplicasDirectivesClusterScopedKindsAndFileNames() throws { try judgeCase("edges") }
}
