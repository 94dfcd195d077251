import PlumbCore
import XCTest

final class SyncTypesTests: XCTestCase {
    func testValueTextKeepsIntOrStringApartAndMasksSecrets() {
        let cases: [(FieldChange, String)] = [
            (FieldChange(path: "spec.replicas", old: 2, new: 3), "2 → 3"),
            (FieldChange(path: "a", old: "nginx:1.25", new: "nginx:1.26"), "nginx:1.25 → nginx:1.26"),
            (FieldChange(path: "a", old: 80, new: "80"), #"80 → "80""#),
            (FieldChange(path: "a", old: nil, new: "true"), #"(none) → "true""#),
            (FieldChange(path: "a", old: ["x"], new: nil), #"["x"] → (none)"#),
            (FieldChange(maskedPath: "data.password", oldLength: 12, newLength: 16), "(changed, 12 → 16 bytes masked)"),
            (FieldChange(maskedPath: "data.password", oldLength: 7, newLength: 7), "(changed, 7 → 7 bytes masked)"),
            (FieldChange(maskedPath: "data.token", oldLength: nil, newLength: 4), "(added, 4 bytes masked)"),
            (FieldChange(maskedPath: "data.token", oldLength: 4, newLength: nil), "(removed, 4 bytes masked)"),
        ]
        for (change, text) in cases { XCTAssertEqual(change.valueText, text, change.path) }
    }

    func testChangeSetCountsAndSummary() {
        let ref = ObjectRef(apiVersion: "v1", kind: "ConfigMap", namespace: "web", name: "a")
        let set = ChangeSet([
            ObjectChange(ref: ref, action: .created), ObjectChange(ref: ref, action: .unchanged),
            ObjectChange(ref: ref, action: .unchanged), ObjectChange(ref: ref, action: .failed, error: "x"),
        ])
        XCTAssertEqual(set.count(.unchanged), 2)
        XCTAssertEqual(set.summary, "1 created, 2 unchanged, 1 failed")
        XCTAssertFalse(set.succeeded)
        XCTAssertFalse(set.nothingApplied)
        XCTAssertTrue(ChangeSet([ObjectChange(ref: ref, action: .skipped)]).nothingApplied)
        XCTAssertEqual(HealthStatus(.degraded, "deadline exceeded").description, "Degraded: deadline exceeded")
    }
}

extension SyncTypesTests {
    func testChangeSetJSONRoundTrip() throws {
        let web = ObjectRef(apiVersion: "apps/v1", kind: "Deployment", namespace: "web", name: "web")
        let ns = ObjectRef(apiVersion: "v1", kind: "Namespace", name: "web")
        let set = ChangeSet([
            ObjectChange(ref: ns, action: .created, health: .healthy),
            ObjectChange(
                ref: web, action: .configured,
                changes: [
                    FieldChange(path: "spec.replicas", old: 2, new: 3),
                    FieldChange(path: "spec.paused", old: nil, new: true),
                    FieldChange(maskedPath: "data.password", oldLength: nil, newLength: 16),
                ],
                health: HealthStatus(.degraded, "deadline exceeded"), error: "apps/v1 Deployment web/web: degraded: deadline exceeded",
                isTransient: true),
            ObjectChange(ref: ns, action: .unknown, error: "v1 Namespace web: unknown: sent, but the server became unreachable"),
        ], interruption: "server unreachable since 12:03:04 (waited 60s)")
        let text = try JSONWriter().string(set.jsonValue)
        XCTAssertEqual(try ChangeSet(jsonValue: try JSONReader().parse(text)), set)
        XCTAssertTrue(text.contains(#"{"path":"data.password","masked":true,"newLength":16}"#), text)
        XCTAssertThrowsError(try ChangeSet(jsonValue: json(#"{"objects":[{"ref":{"kind":"A","name":"a"},"action":"exploded"}]}"#))) {
            XCTAssertEqual(($0 as? ResultDecodingError)?.message,
                           "objects[0].action: not one of created, configured, unchanged, pruned, skipped, failed, unknown")
        }
    }
}
