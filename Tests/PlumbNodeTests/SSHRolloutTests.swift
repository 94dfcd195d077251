import Foundation
import PlumbCore
import PlumbEngine
import PlumbNode
import PlumbTesting
import XCTest

/// `NodeRollout` over SSH to real hosts (sshd in network namespaces with their own roots).
final class SSHRolloutTests: XCTestCase {
    var hosts: TestHosts!

    override func setUpWithError() throws {
        if let reason = TestHosts.unavailableReason { throw XCTSkip(reason) }
        hosts = try TestHosts(count: 3)
    }

    override func tearDown() {
        hosts?.stop()
        hosts = nil
    }

    static let names = (0..<40).map { String(format: "part-%02d.conf", $0) }

    func config(_ version: String) throws -> [NodeConfig] {
        var yaml = """
            apiVersion: plumb.dev/v1alpha1
            kind: NodeConfig
            metadata: {name: cut}
            spec:
              hosts: [host-1, host-2, host-3]
              rollout: {maxUnavailable: 1}
              files:
                - {path: /etc/plumb-cut, state: directory}

            """
        for name in Self.names {
            yaml += "    - {path: /etc/plumb-cut/\(name), content: \"\(version) \(name)\\n\"}\n"
        }
        return try nodeConfigs(yaml)
    }

    func rollout(_ configs: [NodeConfig], progress: @escaping @Sendable (NodeRolloutEvent) -> Void = { _ in }) -> NodeRollout {
        let targets = hosts.hosts.map { NodeRolloutHost(target: NodeTarget(shell: SSHHostShell.forTest($0, of: hosts), configs: configs)) }
        var options = SyncOptions()
        options.timeout = .seconds(10)
        options.retry.maxAttempts = 1
        return NodeRollout(app: "nodes", hosts: targets, options: options, progress: progress)
    }

    func files(on host: TestHosts.Host) throws -> [String: String] {
        var files: [String: String] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: host.path("/etc/plumb-cut")) {
            files[name] = try String(contentsOfFile: host.path("/etc/plumb-cut/\(name)"), encoding: .utf8)
        }
        return files
    }

    func testAHostCutOffMidRolloutIsReportedUnreachableAndKeepsEveryFileWhole() async throws {
        let first = await rollout(try config("old")).run()
        XCTAssertEqual(first.hosts.map(\.outcome), [.synced, .synced, .synced], "\(first.hosts.map { $0.error ?? "" })")

        // host-2 loses its link once host-1 is done: its batch starts on a dead connection.
        let testHosts: TestHosts = hosts
        let victim = hosts.hosts[1]
        let started = Date()
        let result = await rollout(try config("new")) { event in
            if case .hostDone(let done) = event, done.host == "host-1" { try? testHosts.linkDown(victim) }
        }.run()
        XCTAssertEqual(result.hosts.map(\.outcome), [.synced, .unreachable, .notStarted], "\(result.hosts.map { $0.error ?? "" })")
        XCTAssertTrue(result.hosts[1].error?.contains("host-2 unreachable") ?? false, result.hosts[1].error ?? "")
        XCTAssertLessThan(Date().timeIntervalSince(started), 30, "keep-alives give the host up within seconds")

        try hosts.linkUp(victim)
        let expected = { (version: String) in Dictionary(uniqueKeysWithValues: Self.names.map { ($0, "\(version) \($0)\n") }) }
        XCTAssertEqual(try files(on: hosts.hosts[0]), expected("new"))
        XCTAssertEqual(try files(on: hosts.hosts[2]), expected("old"), "host-3 is not touched")
        // host-2: nothing half-written and no temporary file left: each file is whole, old or new.
        let cut = try files(on: victim)
        XCTAssertEqual(Set(cut.keys), Set(Self.names))
        for (name, content) in cut {
            XCTAssertTrue(content == "old \(name)\n" || content == "new \(name)\n", "\(name): \(content)")
        }

        // Back online, the next sync finishes the rollout.
        let resumed = await rollout(try config("new")).run()
        XCTAssertEqual(resumed.hosts.map(\.outcome), [.unchanged, .synced, .synced], "\(resumed.hosts.map { $0.error ?? "" })")
        XCTAssertEqual(try files(on: victim), expected("new"))
    }

    /// The built `plumb` next to the test bundle.
    var plumb: String {
        let bundle = Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments[0])
        var dir = bundle.deletingLastPathComponent()
        for _ in 0..<4 {
            if FileManager.default.isExecutableFile(atPath: dir.appendingPathComponent("plumb").path) { break }
            dir = dir.deletingLastPathComponent()
        }
        return dir.appendingPathComponent("plumb").path
    }

    func testPlumbNodeDiffAndSyncReachTheInventorysHostsOverSSH() throws {
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: plumb), "plumb is not built")
        let work = hosts.directory.sub("repo")
        try write(
            work + "/nodes/motd.yaml",
            """
            apiVersion: plumb.dev/v1alpha1
            kind: NodeConfig
            metadata: {name: motd}
            spec:
              groups: [web]
              files:
                - {path: /etc/motd-plumb, content: "managed by plumb\\n", mode: "0640"}
            """)
        try git(["init", "-q"], in: work)
        try git(["add", "-A"], in: work)
        try git(["commit", "-q", "-m", "motd"], in: work)
        var inventory = "all:\n  vars: {user: root}\n  hosts:\n"
        for host in hosts.hosts { inventory += "    \(host.name): {address: \(host.address)}\n" }
        inventory += "  children:\n    web:\n      hosts: {host-1: {}, host-2: {}}\n"
        try write(hosts.directory.sub("hosts.yaml"), inventory)
        var env = ProcessInfo.processInfo.environment
        env["XDG_RUNTIME_DIR"] = hosts.controlDirectory
        env["NO_COLOR"] = "1"
        let common = [
            "--inventory", hosts.directory.sub("hosts.yaml"), "--repo", work, "--path", "nodes", "--ssh-key", hosts.clientKey,
            "--ssh-known-hosts", hosts.knownHosts,
        ]
        let run = { (args: [String]) in try runTool(self.plumb, args, cwd: work, env: env, check: false) }

        let diff = try run(["node", "diff"] + common)
        XCTAssertEqual(diff.status, 1, diff.stderr)
        XCTAssertTrue(diff.stdout.contains("plumb.dev/v1alpha1 NodeConfig motd @ host-1  (create)"), diff.stdout)
        XCTAssertTrue(diff.stdout.contains("plumb.dev/v1alpha1 NodeConfig motd @ host-2  (create)"), diff.stdout)
        XCTAssertFalse(diff.stdout.contains("@ host-3"), diff.stdout)
        let sync = try run(["node", "sync", "--audit-db", hosts.directory.sub("audit.db")] + common)
        XCTAssertEqual(sync.status, 0, sync.stdout + sync.stderr)
        for host in hosts.hosts.prefix(2) {
            XCTAssertEqual(try String(contentsOfFile: host.path("/etc/motd-plumb"), encoding: .utf8), "managed by plumb\n")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: hosts.hosts[2].path("/etc/motd-plumb")))
        XCTAssertFalse(FileManager.default.fileExists(atPath: "/etc/motd-plumb"))
        let clean = try run(["node", "diff"] + common)
        XCTAssertEqual(clean.status, 0, clean.stdout + clean.stderr)

        // A host whose key is not the one in known_hosts is refused, with ssh's reason.
        try "".write(toFile: hosts.directory.sub("empty_known_hosts"), atomically: true, encoding: .utf8)
        var strict = common
        strict[strict.count - 1] = hosts.directory.sub("empty_known_hosts")
        // (a fresh control directory: the open shared connections were verified already)
        let fresh = hosts.directory.sub("xdg")
        try FileManager.default.createDirectory(atPath: fresh, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        env["XDG_RUNTIME_DIR"] = fresh
        let refused = try runTool(plumb, ["node", "diff"] + strict, cwd: work, env: env, check: false)
        XCTAssertEqual(refused.status, 2, refused.stdout + refused.stderr)
        XCTAssertTrue((refused.stdout + refused.stderr).contains("Host key verification failed"), refused.stdout + refused.stderr)
    }
}
