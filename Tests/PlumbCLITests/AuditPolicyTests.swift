import Foundation
import PlumbAudit
import PlumbCore
import XCTest

/// The policy verdict in the audit record: stored, read back and exported as it was hashed;
/// a record without one hashes as records written before policies existed.
final class AuditPolicyTests: XCTestCase {
    static let verdict = AuditPolicy(
        violations: [
            .init(
                object: "apps/v1 Deployment web/web", check: "PLB-IMG-002",
                message: "container web: image nginx:latest has the tag latest",
                mode: "enforce"),
            .init(
                object: "apps/v1 Deployment web/web", check: "PLB-RES-002", message: "container web: no memory limit",
                mode: "warn"),
        ],
        exempted: [
            .init(
                object: "v1 Service edge/lb", check: "PLB-NET-001", message: "type is LoadBalancer",
                exception: "edge-lb",
                reason: "approved in CHG-1")
        ])

    func testAVerdictRoundTripsThroughTheStoreAndTheExport() throws {
        let fixture = try AuditFixture()
        let store = try fixture.store()
        var record = AuditFixture.record()
        record.policy = Self.verdict
        let id = try store.begin(record)
        try store.complete(id, result: .failed, endedAt: .now(), objects: [], error: Self.verdict.violations[0].line)
        let read = try XCTUnwrap(try store.record(id))
        XCTAssertEqual(read.policy, Self.verdict)
        XCTAssertTrue(read.policy?.blocked == true)
        guard case .intact(count: 1, _) = try store.verify() else { return XCTFail("the chain does not verify") }
        var lines: [String] = []
        try store.export(format: .jsonl) { lines.append($0) }
        XCTAssertEqual(lines.count, 1)
        XCTAssertTrue(lines[0].contains(#""policy":{"blocked":true,"exempted":[{"check":"PLB-NET-001""#), lines[0])
        let exported = try AuditRecord(exportValue: try JSONReader().parse(lines[0]))
        XCTAssertEqual(exported.policy, Self.verdict)
        guard case .intact = AuditChain.verify(exportLines: lines) else { return XCTFail("the export does not verify") }
    }

    func testARecordWithoutAPolicyHashesAsBefore() throws {
        let record = AuditFixture.record()
        XCTAssertNil(record.headerValue["policy"])
        var judged = record
        judged.policy = AuditPolicy()
        XCTAssertEqual(judged.headerValue["policy"], ["blocked": false, "violations": [], "exempted": []])
        // Editing the stored verdict breaks the chain.
        let fixture = try AuditFixture()
        let store = try fixture.store()
        var r = AuditFixture.record()
        r.policy = Self.verdict
        let id = try store.begin(r)
        try store.complete(id, result: .failed, endedAt: .now(), objects: [], error: nil)
        try fixture.sql("UPDATE audit_record SET policy = replace(policy, 'enforce', 'warn')")
        guard case .broken(recordID: id, problem: .edited) = try fixture.store().verify() else {
            return XCTFail("an edited verdict was not found")
        }
    }
}
