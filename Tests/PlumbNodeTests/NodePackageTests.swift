import Foundation
import PlumbCore
import PlumbEngine
import PlumbNode
import PlumbTesting
import XCTest

/// Packages through `NodeTarget` on real hosts (sshd in network namespaces with their own
/// roots): installed with apt-get, seen by dpkg-query, removed when they leave Git.
final class NodePackageTests: XCTestCase {
    var hosts: TestHosts!

    override func setUpWithError() throws {
        if let reason = TestHosts.unavailableReason { throw XCTSkip(reason) }
        hosts = try TestHosts(count: 2)
    }

    override func tearDown() {
        hosts?.stop()
        hosts = nil
    }

    func config(_ packages: String) throws -> [NodeConfig] {
        try nodeConfigs(
            """
            apiVersion: plumb.dev/v1alpha1
            kind: NodeConfig
            metadata: {name: tools}
            spec:
              hosts: [host-1]
              packages: \(packages)
            """ + (packages == "[]" ? "" : "\n  healthChecks:\n    - command: hello\n"))
    }

    func sync(_ configs: [NodeConfig], dryRun: Bool = false) -> NodeRollout {
        let targets = hosts.hosts.map { host in
            NodeRolloutHost(
                target: NodeTarget(
                    shell: SSHHostShell.forTest(host, of: hosts),
                    configs: configs.filter { $0.selector.selects(name: host.name, groups: [], labels: [:]) }))
        }
        var options = SyncOptions()
        options.dryRun = dryRun
        options.timeout = .seconds(10)
        options.retry.maxAttempts = 1
        return NodeRollout(app: "nodes", hosts: targets, options: options)
    }

    func testAPackageIsInstalledOnTheSelectedHostAndRemovedWhenItLeavesGit() async throws {
        // `hello` comes from the machine's apt sources into host-1's apt cache (the hosts have no route out).
        let downloads = hosts.directory.sub("debs")
        try FileManager.default.createDirectory(atPath: downloads, withIntermediateDirectories: true)
        let fetched = try runTool(
            "/usr/bin/apt-get", ["download", "-q", "hello"], cwd: downloads, env: ProcessInfo.processInfo.environment,
            check: false)
        guard fetched.status == 0, let deb = try FileManager.default.contentsOfDirectory(atPath: downloads).first else {
            throw XCTSkip("apt-get download hello failed (no apt lists or mirror): \(fetched.stderr)")
        }
        let (one, two) = (hosts.hosts[0], hosts.hosts[1])
        try FileManager.default.copyItem(
            atPath: downloads + "/" + deb, toPath: one.path("/var/cache/apt/archives/\(deb)"))

        let plan = await sync(try config("[hello]"), dryRun: true).run()
        XCTAssertEqual(plan.hosts.map(\.outcome), [.planned, .unchanged])

        let installed = await sync(try config("[hello]")).run()
        XCTAssertEqual(
            installed.hosts.map(\.outcome), [.synced, .unchanged], "\(installed.hosts.map { $0.error ?? "" })")
        XCTAssertTrue(FileManager.default.fileExists(atPath: one.path("/usr/bin/hello")))
        XCTAssertFalse(FileManager.default.fileExists(atPath: two.path("/usr/bin/hello")))

        let again = await sync(try config("[hello]"), dryRun: true).run()
        XCTAssertEqual(again.hosts.map(\.outcome), [.unchanged, .unchanged])

        // Plumb installed it: when it leaves the NodeConfig it is removed.
        let removed = await sync(try config("[]")).run()
        XCTAssertEqual(removed.hosts.first?.outcome, .synced, removed.hosts.first?.error ?? "")
        XCTAssertEqual(
            removed.plans["host-1"]?.objects.first?.diff.changes.map(\.description).first,
            "packages[hello] \(version(deb)) → (none)")
        XCTAssertFalse(FileManager.default.fileExists(atPath: one.path("/usr/bin/hello")))
    }

    /// `hello_2.10-3_amd64.deb` → `2.10-3`.
    func version(_ deb: String) -> String {
        let parts = deb.split(separator: "_")
        return parts.count >= 2 ? String(parts[1]).replacingOccurrences(of: "%3a", with: ":") : deb
    }
}
