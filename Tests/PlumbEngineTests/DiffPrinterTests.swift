import PlumbCore
import PlumbEngine
import XCTest

final class DiffPrinterTests: XCTestCase {
    func ref(_ apiVersion: String, _ kind: String, _ name: String) -> ObjectRef {
        ObjectRef(apiVersion: apiVersion, kind: kind, namespace: "web", name: name)
    }

    func planned(_ ref: ObjectRef, _ changes: [FieldChange], before: Value? = [:], after: Value? = [:]) -> PlannedObject {
        var body: Value = ["apiVersion": .string(ref.apiVersion), "kind": .string(ref.kind)]
        body["metadata"] = ["name": .string(ref.name), "namespace": .string(ref.namespace)]
        return PlannedObject(
            resource: try! Resource(body), syncWave: 0, phase: 0,
            diff: ObjectDiff(ref: ref, changes: changes, before: before, after: after))
    }

    /// The plan of the UX sketch: a create, two updates (one a Secret), a prune, 14 unchanged.
    var sketch: Plan {
        let unchanged = (1...14).map { planned(ref("v1", "ConfigMap", "same-\($0)"), []) }
        return Plan(
            app: "web",
            steps: [PlanStep(syncWave: 0, phase: 0, objects: [
                planned(ref("v1", "ConfigMap", "new"), [FieldChange(path: "data.a", old: nil, new: "1")], before: nil),
                planned(ref("apps/v1", "Deployment", "web"), [
                    FieldChange(path: "spec.replicas", old: 2, new: 3),
                    FieldChange(path: "spec.template.spec.containers[web].image", old: "nginx:1.25", new: "nginx:1.26"),
                ]),
                planned(ref("v1", "Secret", "creds"), [FieldChange(maskedPath: "data.password", oldLength: 12, newLength: 16)]),
            ] + unchanged)],
            prune: [PlannedPrune(ref: ref("v1", "ConfigMap", "legacy"), syncWave: 0, phase: 30)])
    }

    func testFieldsFormatMatchesTheSketch() {
        let text = DiffPrinter().render(sketch, trailer: "revision 3f9c2ab (main)")
        XCTAssertEqual(text, """
            v1 ConfigMap web/new  (create)
            apps/v1 Deployment web/web  (update)
              spec.replicas                      2 → 3
              spec.template.spec.containers[web].image
                                                 nginx:1.25 → nginx:1.26
            v1 Secret web/creds  (update)
              data.password                      (changed, 12 → 16 bytes masked)
            v1 ConfigMap web/legacy  (prune)
            1 to create, 2 to update, 1 to prune, 14 unchanged   revision 3f9c2ab (main)

            """)
    }

    func testColourOnlyWhenAsked() {
        XCTAssertFalse(DiffPrinter().render(sketch).contains("\u{1B}["))
        let coloured = DiffPrinter(color: true).render(sketch)
        XCTAssertTrue(coloured.contains("\u{1B}[31m2\u{1B}[0m → \u{1B}[32m3\u{1B}[0m"), coloured)
    }

    func testNoDifferences() {
        let plan = Plan(app: "web", steps: [PlanStep(syncWave: 0, phase: 0, objects: [planned(ref("v1", "ConfigMap", "a"), [])])])
        XCTAssertEqual(DiffPrinter().render(plan), "0 to create, 0 to update, 0 to prune, 1 unchanged\n")
        XCTAssertFalse(plan.hasChanges)
    }

    /// Flat `key: value` lines: enough YAML for a diff test.
    static let flatYAML: @Sendable (Value) -> String = { v in
        (v.objectValue?.entries ?? []).map { "\($0.key): \(FieldChange.display($0.value))\n" }.joined()
    }

    func testUnifiedDiffAsDiffU() {
        let keys = "abcdefghijklm".map(String.init)
        var before = ValueObject()
        for (i, k) in keys.enumerated() { before[k] = .int(Int64(i + 1)) }
        var after = before
        after["b"] = 20
        after["l"] = nil
        after["n"] = 14
        let plan = Plan(app: "web", steps: [PlanStep(syncWave: 0, phase: 0, objects: [
            planned(ref("apps/v1", "Deployment", "web"), [FieldChange(path: "b", old: 2, new: 20)],
                    before: .object(before), after: .object(after)),
            planned(ref("v1", "ConfigMap", "new"), [FieldChange(path: "x", old: nil, new: 1)], before: nil, after: ["x": 1]),
        ])], prune: [PlannedPrune(ref: ref("v1", "ConfigMap", "legacy"), syncWave: 0, phase: 30)])
        XCTAssertEqual(DiffPrinter(format: .unified(yaml: Self.flatYAML)).render(plan), """
            --- live/apps/v1/Deployment/web/web.yaml
            +++ predicted/apps/v1/Deployment/web/web.yaml
            @@ -1,5 +1,5 @@
             a: 1
            -b: 2
            +b: 20
             c: 3
             d: 4
             e: 5
            @@ -9,5 +9,5 @@
             i: 9
             j: 10
             k: 11
            -l: 12
             m: 13
            +n: 14
            --- /dev/null
            +++ predicted/v1/ConfigMap/web/new.yaml
            @@ -0,0 +1 @@
            +x: 1
            # v1 ConfigMap web/legacy  (prune)

            """)
    }

    func testUnifiedDiffEdges() {
        XCTAssertEqual(UnifiedDiff.diff(old: "a\n", new: "a\n", oldLabel: "x", newLabel: "y"), "")
        XCTAssertEqual(UnifiedDiff.diff(old: "a\nb\n", new: "", oldLabel: "x", newLabel: "/dev/null"), """
            --- x
            +++ /dev/null
            @@ -1,2 +0,0 @@
            -a
            -b

            """)
        XCTAssertEqual(UnifiedDiff.diff(old: "a\nc\n", new: "a\nb\nc\n", oldLabel: "x", newLabel: "y"), """
            --- x
            +++ y
            @@ -1,2 +1,3 @@
             a
            +b
             c

            """)
    }

    func testJSONHasActionsChangesAndNoSecretValues() throws {
        let text = DiffPrinter(format: .json).render(sketch, trailer: "revision 3f9c2ab")
        let doc = try JSONReader().parse(text)
        let objects = try XCTUnwrap(doc["objects"]?.arrayValue)
        XCTAssertEqual(objects.count, 18)
        XCTAssertEqual(objects[1]["ref"], "apps/v1 Deployment web/web")
        XCTAssertEqual(objects[1]["action"], "update")
        XCTAssertEqual(objects[1]["changes"]?.arrayValue?.first, ["path": "spec.replicas", "old": 2, "new": 3])
        XCTAssertEqual(objects[2]["changes"]?.arrayValue?.first,
                       ["path": "data.password", "masked": true, "oldLength": 12, "newLength": 16])
        XCTAssertEqual(objects.last?["action"], "prune")
        XCTAssertEqual(doc["summary"], ["create": 1, "update": 2, "prune": 1, "unchanged": 14, "note": "revision 3f9c2ab"])
    }

    /// From a predicted apply to the printed line: keys by merge key, Secret values masked.
    func testPrintsPredictedApplyDiffs() throws {
        let live: Value = [
            "apiVersion": "v1", "kind": "Secret", "metadata": ["name": "creds", "namespace": "web"],
            "data": ["password": .string(SecretData.base64Encode(Array("twelve-bytes".utf8)))],
        ]
        var desired = live
        desired["data"] = nil
        desired["stringData"] = ["password": "sixteen-bytes-xx"]
        let diff = try ApplyDiff.predict(desired: Resource(desired), live: live)
        let plan = Plan(app: "web", steps: [PlanStep(syncWave: 0, phase: 0, objects: [
            PlannedObject(resource: try Resource(desired), syncWave: 0, phase: 0, diff: diff.diff),
        ])])
        for format in [DiffPrinter.Format.fields, .json, .unified(yaml: Self.flatYAML)] {
            let text = DiffPrinter(format: format).render(plan)
            XCTAssertFalse(text.contains("sixteen") || text.contains("twelve") || text.contains("dHdlbHZl"), text)
        }
        XCTAssertTrue(DiffPrinter().render(plan).contains("  data.password                      (changed, 12 → 16 bytes masked)\n"))
    }
}

extension DiffPrinterTests {
    func testHugeRewriteIsReplacedWhole() {
        let old = (0..<2100).map { "old \($0)\n" }.joined()
        let new = (0..<2100).map { "new \($0)\n" }.joined()
        let lines = UnifiedDiff.diff(old: "head\n" + old + "tail\n", new: "head\n" + new + "tail\n", oldLabel: "x", newLabel: "y")
            .split(separator: "\n")
        XCTAssertEqual(lines[2], "@@ -1,2102 +1,2102 @@")
        XCTAssertEqual(lines.filter { $0.hasPrefix("-old") }.count, 2100)
        XCTAssertEqual(lines.filter { $0.hasPrefix("+new") }.count, 2100)
        XCTAssertEqual(lines[4], "-old 0")
        XCTAssertEqual(lines.last, " tail")
    }
}
