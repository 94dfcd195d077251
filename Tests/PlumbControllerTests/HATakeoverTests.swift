import Foundation
import PlumbAudit
import PlumbController
import PlumbCore
import PlumbKube
import PlumbTesting
import Synchronization
import XCTest

/// A replica taking Applications over (a new leader, a dead shard's share), in process with a
/// gate the test opens: the order they are reconciled in, and the `started` audit records the
/// replica that stopped left behind, wherever it ran.
final class HATakeoverTests: ControllerTestCase {
    /// A gate closed until the test opens it, with the stopped holders it then reports.
    final class SwitchGate: WorkGate, Sendable {
        private let state = Mutex<(open: Bool, stopped: [StoppedProcess])>((false, []))
        private let handlers = Mutex<[@Sendable () async -> Void]>([])

        func admits(_ key: AppKey) -> Bool { state.withLock { $0.open } }
        func onChange(_ body: @escaping @Sendable () async -> Void) { handlers.withLock { $0.append(body) } }
        func takeStopped() -> [StoppedProcess] {
            state.withLock { s in
                defer { s.stopped = [] }
                return s.stopped
            }
        }

        /// Opens the gate, taking over from `stopped`.
        func open(takingOverFrom stopped: [StoppedProcess] = []) async {
            state.withLock { $0 = (true, stopped) }
            for h in handlers.withLock({ $0 }) { await h() }
        }
    }

    let names = (0..<6).map { "app\($0)" }

    /// Six Applications synced by a first controller, which is then stopped.
    func syncSix() async throws {
        var files: [String: String?] = [:]
        for name in names { files["apps/\(name)/cm.yaml"] = configMap(name, ["color": "blue"]) }
        try commit(files)
        for name in names { try applyApplication(name, path: "apps/\(name)", interval: "10m") }
        startController()
        try await eventually("all synced", timeout: 30) {
            for name in names where await configMapData(name)?["color"] != "blue" { return false }
            return true
        }
        await stopController()
    }

    /// A controller behind `gate` (closed): every Application it is handed is parked.
    func startGated(_ gate: SwitchGate, concurrency: Int) async throws -> ApplicationController {
        let holder = ControllerHolder()
        let c = ApplicationController(
            client: client, reconciler: makeReconciler(holder: holder), concurrency: concurrency, gate: gate)
        holder.controller = c
        controller = c
        controllerTask = Task { try await c.run() }
        // The cache synced and every Application handed out, parked.
        try await eventually("queue drained", timeout: 15) { await c.queue.depth == 0 && c.reconciles == 0 }
        try await Task.sleep(for: .milliseconds(1500))
        return c
    }

    func testANewHolderReconcilesTheApplicationAPushChangedFirst() async throws {
        try await syncSix()
        // Pushed while no replica worked: it changes the last Application in name order.
        let sha = try commit(["apps/app5/cm.yaml": configMap("app5", ["color": "green"])])
        let gate = SwitchGate()
        let c = try await startGated(gate, concurrency: 1)
        XCTAssertEqual(c.reconciles, 0, "a closed gate reconciles nothing")
        await gate.open()
        // One worker: the reconciles finished when app5 turns green say where it was in line.
        var before = -1
        try await eventually("app5 synced", timeout: 30) {
            let done = c.reconciles
            if await configMapData("app5")?["color"] == "green" {
                before = done
                return true
            }
            return false
        }
        // 0, or 1 when app5's own reconcile ended before the look; name order would give 5.
        XCTAssertLessThanOrEqual(before, 1, "app5 was reconciled after \(before) others (name order would put it last)")
        try await eventually("every Application reconciled", timeout: 30) { c.reconciles >= names.count }
        let last = try XCTUnwrap(try audit.history(app: "\(namespace)/app5", limit: 1).first)
        XCTAssertEqual(last.revision, sha)
        XCTAssertEqual(last.result, .synced)
    }

    func testTheStartedRecordsOfAReplicaOnAnotherHostThatLostItsLeaseAreInterrupted() async throws {
        try await syncSix()
        let elsewhere = AuditProcess(pid: 4242, host: "replica-b.example", bootID: "boot-b", startTime: 77)
        let alive = AuditProcess(pid: 4343, host: "replica-c.example", bootID: "boot-c", startTime: 88)
        func begin(_ app: String, _ process: AuditProcess) throws -> Int64 {
            try audit.begin(
                AuditRecord(
                    app: "\(namespace)/\(app)", target: "kube:test", repo: url, revision: try head(), author: "a",
                    committer: "c", message: "m", signature: .absent, previousRevision: nil,
                    initiator: AuditInitiator.controller, process: process))
        }
        let held = try begin("app2", elsewhere)
        let notHeld = try begin("gone-app", elsewhere)
        let otherReplica = try begin("app3", alive)
        let gate = SwitchGate()
        _ = try await startGated(gate, concurrency: 2)
        // Another host's process cannot be looked at: without the lease, only the 6-hour bound.
        XCTAssertEqual(try audit.record(held)?.result, .started)
        await gate.open(takingOverFrom: [StoppedProcess(process: elsewhere, identity: "replica-b")])
        try await eventually("the record is marked", timeout: 10) { try audit.record(held)?.result == .interrupted }
        let record = try XCTUnwrap(try audit.record(held))
        XCTAssertEqual(record.error, "process 4242 on replica-b.example (replica replica-b) lost its lease before the sync completed")
        XCTAssertEqual(try audit.record(notHeld)?.result, .started, "an Application not held here is not this replica's to mark")
        XCTAssertEqual(try audit.record(otherReplica)?.result, .started, "another replica's sync is left alone")
        guard case .intact = try audit.verify() else { return XCTFail("the chain does not verify after marking") }
    }
}
