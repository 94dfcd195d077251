import Foundation
import PlumbAudit
import PlumbCore
import PlumbEngine
import PlumbNode
import PlumbTesting
import Synchronization
import XCTest

final class NodeRolloutTests: XCTestCase {
    static func app(version: String, maxUnavailable: String = "1") -> String {
        """
        apiVersion: plumb.dev/v1alpha1
        kind: NodeConfig
        metadata: {name: app}
        spec:
          nodeSelector: {all: "yes"}
          files:
            - {path: /etc/app.conf, content: "version = \(version)\\n"}
          sysctls: {net.core.somaxconn: \(version == "1" ? 1024 : 2048)}
          healthChecks:
            - command: test ! -f "$PLUMB_ROOT/etc/broken"
          rollout: {maxUnavailable: \(maxUnavailable)}
        """
    }

    func testHostsAreChangedOneAtATimeInOrder() async throws {
        let roots = try TestRoots(4)
        let log = EventLog()
        let events = EventLog()
        var sync = rollout(try nodeConfigs(Self.app(version: "1")), roots: roots) {
            RecordingShell(roots.shell($0), log: log)
        }
        sync.progress = { event in
            if case .batchStarted(_, let hosts) = event { events.append(hosts.joined(separator: ",")) }
        }
        let result = await sync.run()
        XCTAssertEqual(
            result.hosts.map(\.outcome), [.synced, .synced, .synced, .synced], "\(result.hosts.map(\.error))")
        XCTAssertEqual(
            log.entries,
            [
                "start host-1", "end host-1", "start host-2", "end host-2", "start host-3", "end host-3",
                "start host-4", "end host-4",
            ])
        XCTAssertEqual(events.entries, ["host-1", "host-2", "host-3", "host-4"])
        for host in roots.names { XCTAssertEqual(roots.read(host, "/etc/app.conf"), "version = 1\n") }
    }

    func testMaxUnavailableAsAPercentChangesHostsInBatches() async throws {
        let roots = try TestRoots(4)
        let log = EventLog()
        let sync = rollout(try nodeConfigs(Self.app(version: "1", maxUnavailable: "\"50%\"")), roots: roots) {
            RecordingShell(roots.shell($0), log: log)
        }
        let result = await sync.run()
        XCTAssertEqual(result.hosts.map(\.outcome), [.synced, .synced, .synced, .synced])
        let order = log.entries
        // Two at once: both hosts of the first batch start before either of the second.
        XCTAssertEqual(Set(order.prefix(4)), ["start host-1", "end host-1", "start host-2", "end host-2"])
        XCTAssertEqual(Set(order.suffix(4)), ["start host-3", "end host-3", "start host-4", "end host-4"])
        XCTAssertLessThan(order.firstIndex(of: "start host-2")!, order.firstIndex(of: "end host-1")!)
    }

    func testAFailingHealthCheckStopsTheRolloutAndRestoresThatHost() async throws {
        let roots = try TestRoots(4)
        let run1 = await rollout(try nodeConfigs(Self.app(version: "1")), roots: roots).run()
        XCTAssertEqual(run1.failed, false, "\(run1.hosts.map { $0.error ?? "" })")
        try write(roots.path("host-2", "/etc/broken"), "")

        let result = await rollout(try nodeConfigs(Self.app(version: "2")), roots: roots).run()
        XCTAssertEqual(result.hosts.map(\.outcome), [.synced, .restored, .notStarted, .notStarted])
        let error = result.hosts[1].error ?? ""
        XCTAssertTrue(error.contains("not healthy after"), error)
        XCTAssertTrue(error.contains(#"command "test ! -f \"$PLUMB_ROOT/etc/broken\"": exit status 1"#), error)
        XCTAssertEqual(result.hosts[2].error, "not started: the rollout stopped at host-2")

        XCTAssertEqual(roots.read("host-1", "/etc/app.conf"), "version = 2\n")
        XCTAssertEqual(roots.read("host-2", "/etc/app.conf"), "version = 1\n", "host-2 is put back")
        XCTAssertEqual(roots.read("host-2", "/proc/sys/net/core/somaxconn"), "1024\n")
        XCTAssertTrue(roots.read("host-2", "/etc/sysctl.d/90-plumb-app.conf")?.contains("= 1024") ?? false)
        for host in ["host-3", "host-4"] {
            XCTAssertEqual(roots.read(host, "/etc/app.conf"), "version = 1\n", "\(host) is untouched")
            XCTAssertEqual(roots.read(host, "/proc/sys/net/core/somaxconn"), "1024\n")
        }
        // The restored host is drift again, with its ledger as before.
        let diff = await rollout(try nodeConfigs(Self.app(version: "2")), roots: roots, dryRun: true).run()
        XCTAssertEqual(diff.hosts.map(\.outcome), [.unchanged, .planned, .planned, .planned])

        // The audit record lists every host with its changes and result.
        let entries = result.auditEntries
        XCTAssertEqual(entries.map(\.ref.name), ["app @ host-1", "app @ host-2", "app @ host-3", "app @ host-4"])
        XCTAssertEqual(entries.map(\.action), [.configured, .failed, .skipped, .skipped])
        XCTAssertEqual(
            entries[0].changedPaths,
            ["files[/etc/app.conf].content", "sysctls.persisted.content", "sysctls[net.core.somaxconn]"])
        XCTAssertTrue(entries[1].error?.contains("(restored)") ?? false, entries[1].error ?? "")
    }

    func testAnUnreachableHostIsReportedAndTheRestIsUntouched() async throws {
        let roots = try TestRoots(3)
        let down = Set(["host-2"])
        let sync = rollout(try nodeConfigs(Self.app(version: "1")), roots: roots) { name in
            down.contains(name) ? UnreachableShell(host: name) as any HostShell : roots.shell(name)
        }
        let result = await sync.run()
        XCTAssertEqual(result.hosts.map(\.outcome), [.notStarted, .unreachable, .notStarted])
        XCTAssertEqual(result.hosts[1].error, "host host-2 unreachable: connection refused")
        for host in ["host-1", "host-3"] { XCTAssertFalse(roots.exists(host, "/etc/app.conf")) }
        XCTAssertTrue(result.failed)
    }

    func testDrainerCordonsDisruptiveChangesAndUncordonsWhenHealthy() async throws {
        let roots = try TestRoots(2)
        let configs = try nodeConfigs(
            """
            apiVersion: plumb.dev/v1alpha1
            kind: NodeConfig
            metadata: {name: kernel}
            spec:
              nodeSelector: {all: "yes"}
              sysctls: {vm.swappiness: 1}
              disruptive: true
            """)
        let drainer = RecordingDrainer()
        var plan = rollout(configs, roots: roots)
        plan.hosts = plan.hosts.map { NodeRolloutHost(target: $0.target, node: $0.name) }
        plan.drainer = drainer
        let result = await plan.run()
        XCTAssertEqual(result.hosts.map(\.outcome), [.synced, .synced])
        XCTAssertEqual(drainer.calls.entries, ["drain host-1", "uncordon host-1", "drain host-2", "uncordon host-2"])
    }
}

struct UnreachableShell: HostShell {
    let host: String
    func run(_ script: String, input: [UInt8]?) async throws -> ShellResult {
        throw HostUnreachable(host: host, reason: "connection refused")
    }
}

final class RecordingDrainer: NodeDrainer {
    let calls = EventLog()
    func cordonAndDrain(node: String) async throws { calls.append("drain \(node)") }
    func uncordon(node: String) async throws { calls.append("uncordon \(node)") }
}
