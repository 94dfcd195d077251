import Foundation
import PlumbTesting
import XCTest

/// `plumb node diff|sync` end to end: the built binary, a Git repository of NodeConfigs, and
/// an inventory of local hosts whose roots are temporary directories.
final class NodeCommandTests: XCTestCase {
    let config = """
        apiVersion: plumb.dev/v1alpha1
        kind: NodeConfig
        metadata: {name: web-tuning}
        spec:
          groups: [web]
          files:
            - {path: /etc/nginx, state: directory}
            - {path: /etc/nginx/nginx.conf, source: ../files/nginx.conf, mode: "0644"}
          sysctls: {net.core.somaxconn: 4096}
          healthChecks:
            - command: test -s "$PLUMB_ROOT/etc/nginx/nginx.conf"
        """

    func makeHosts(_ dir: TempDir) throws -> String {
        var inventory = "all:\n  vars: {connection: local}\n  hosts:\n"
        for host in ["web-1", "web-2", "db-1"] {
            let root = dir.sub("roots/\(host)")
            try FileManager.default.createDirectory(
                atPath: root + "/proc/sys/net/core", withIntermediateDirectories: true)
            try FileManager.default.createDirectory(atPath: root + "/etc/sysctl.d", withIntermediateDirectories: true)
            try write(root + "/proc/sys/net/core/somaxconn", "128\n")
            try write(root + "/etc/passwd", "root:x:0:0::/root:/bin/sh\n")
            inventory += "    \(host): {root: \(root)}\n"
        }
        inventory += "  children:\n    web:\n      hosts: {web-1: {}, web-2: {}}\n"
        try write(dir.sub("hosts.yaml"), inventory)
        return dir.sub("hosts.yaml")
    }

    func testDiffSyncAndDriftOnOneHost() throws {
        let repo = try TestRepository()
        try repo.write("nodes/config/web.yaml", config)
        try repo.write("nodes/files/nginx.conf", "worker_processes 4;\nevents {}\n")
        try repo.commit("web tuning")
        let dir = try TempDir("plumbnodecli")
        let inventory = try makeHosts(dir)
        let common = ["--inventory", inventory, "--repo", repo.path, "--path", "nodes/config"]

        let before = try CLI.plumb(["node", "diff"] + common)
        XCTAssertEqual(before.status, 1, before.stderr)
        XCTAssertTrue(
            before.stdout.contains("plumb.dev/v1alpha1 NodeConfig web-tuning @ web-1  (create)\n"), before.stdout)
        XCTAssertFalse(before.stdout.contains("db-1"), "db-1 is not in the group web")

        let sync = try CLI.plumb(["node", "sync", "--audit-db", dir.sub("audit.db")] + common)
        XCTAssertEqual(sync.status, 0, sync.stdout + sync.stderr)
        XCTAssertTrue(
            sync.stdout.contains("batch 1  web-1\nweb-1  synced  web-tuning created\nbatch 2  web-2\n"), sync.stdout)
        XCTAssertTrue(sync.stdout.contains("on 3 hosts: 2 synced, 1 unchanged   audit #1"), sync.stdout)
        XCTAssertEqual(
            try String(contentsOfFile: dir.sub("roots/web-2/etc/nginx/nginx.conf"), encoding: .utf8),
            "worker_processes 4;\nevents {}\n")

        let clean = try CLI.plumb(["node", "diff"] + common)
        XCTAssertEqual(clean.status, 0, clean.stdout + clean.stderr)

        try write(dir.sub("roots/web-2/proc/sys/net/core/somaxconn"), "128\n")
        let drift = try CLI.plumb(["node", "diff"] + common)
        XCTAssertEqual(drift.status, 1, drift.stderr)
        XCTAssertTrue(
            drift.stdout.hasPrefix(
                "plumb.dev/v1alpha1 NodeConfig web-tuning @ web-2  (update)\n  sysctls[net.core.somaxconn]        128 → 4096\n"
            ),
            drift.stdout)
        XCTAssertFalse(drift.stdout.contains("@ web-1"), drift.stdout)

        let history = try CLI.plumb(["history", "--audit-db", dir.sub("audit.db")])
        XCTAssertEqual(history.status, 0, history.stderr)
        XCTAssertTrue(history.stdout.contains("synced"), history.stdout)
    }

    func testBadInputIsOneLineNamingTheField() throws {
        let repo = try TestRepository()
        try repo.write("nodes/config/web.yaml", config.replacingOccurrences(of: "mode: \"0644\"", with: "mode: \"rw\""))
        try repo.write("nodes/files/nginx.conf", "x\n")
        try repo.commit("bad mode")
        let dir = try TempDir("plumbnodecli")
        let inventory = try makeHosts(dir)
        let r = try CLI.plumb(["node", "diff", "--inventory", inventory, "--repo", repo.path, "--path", "nodes/config"])
        XCTAssertEqual(r.status, 2)
        XCTAssertEqual(
            r.stderr,
            "error: nodes/config/web.yaml:1:1: plumb.dev/v1alpha1 NodeConfig web-tuning: spec.files[/etc/nginx/nginx.conf].mode: \"rw\" is not an octal mode such as \"0644\"\n"
        )

        try write(inventory, "all:\n  hosts:\n    web-1: {port: 99999}\n")
        let bad = try CLI.plumb([
            "node", "diff", "--inventory", inventory, "--repo", repo.path, "--path", "nodes/config",
        ])
        XCTAssertEqual(bad.status, 2)
        XCTAssertEqual(bad.stderr, "error: \(inventory): all.hosts.web-1.port: must be a port number\n")
    }
}
