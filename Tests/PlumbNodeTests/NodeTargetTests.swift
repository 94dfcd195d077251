import Foundation
import PlumbCore
import PlumbEngine
import PlumbNode
import PlumbTesting
import Synchronization
import XCTest

final class NodeTargetTests: XCTestCase {
    static let web = """
        apiVersion: plumb.dev/v1alpha1
        kind: NodeConfig
        metadata: {name: web-tuning}
        spec:
          nodeSelector: {all: "yes"}
          files:
            - {path: /etc/nginx, state: directory, mode: "0750"}
            - path: /etc/nginx/nginx.conf
              content: |
                worker_processes 4;
                events {}
              mode: "0640"
              owner: www-data
              group: adm
            - {path: /etc/nginx/current, target: /etc/nginx/nginx.conf}
          sysctls:
            net.core.somaxconn: 4096
        """

    func testAFileChangedOnOneHostIsDriftOnThatHostOnly() async throws {
        let roots = try TestRoots(2)
        let configs = try nodeConfigs(Self.web)
        let first = await rollout(configs, roots: roots).run()
        XCTAssertEqual(first.hosts.map(\.outcome), [.synced, .synced], "\(first.hosts.map(\.error))")
        try write(roots.path("host-2", "/etc/nginx/nginx.conf"), "worker_processes 1;\nevents {}\nhttp {}\n")

        let diff = await rollout(configs, roots: roots, dryRun: true).run()
        XCTAssertEqual(diff.hosts.map(\.outcome), [.unchanged, .planned])
        let plan = try XCTUnwrap(diff.plans["host-2"])
        let object = try XCTUnwrap(plan.objects.first)
        XCTAssertEqual(object.ref.description, "plumb.dev/v1alpha1 NodeConfig web-tuning @ host-2")
        XCTAssertEqual(object.action, .configured)
        // The test's write made a new file: its mode and owners drifted too.
        XCTAssertEqual(
            object.diff.changes.map(\.description),
            [
                "files[/etc/nginx/nginx.conf].content (3 lines) → (changed, +1 −2 lines)",
                "files[/etc/nginx/nginx.conf].group root → adm",
                #"files[/etc/nginx/nginx.conf].mode "0644" → "0640""#,
                "files[/etc/nginx/nginx.conf].owner root → www-data",
            ])
        let text = DiffPrinter().render(plan)
        XCTAssertTrue(text.hasPrefix("plumb.dev/v1alpha1 NodeConfig web-tuning @ host-2  (update)\n"), text)
        // The dry run wrote nothing.
        XCTAssertEqual(roots.read("host-2", "/etc/nginx/nginx.conf"), "worker_processes 1;\nevents {}\nhttp {}\n")
    }

    func testASyncWritesEverythingAndASecondSyncChangesNothing() async throws {
        let roots = try TestRoots(1)
        let configs = try nodeConfigs(Self.web)
        let first = await rollout(configs, roots: roots).run()
        XCTAssertEqual(first.hosts.first?.outcome, .synced, "\(first.hosts.first?.error ?? "")")
        XCTAssertEqual(first.hosts.first?.changes.objects.map(\.action), [.created])

        XCTAssertEqual(roots.read("host-1", "/etc/nginx/nginx.conf"), "worker_processes 4;\nevents {}\n")
        let attributes = try FileManager.default.attributesOfItem(atPath: roots.path("host-1", "/etc/nginx/nginx.conf"))
        XCTAssertEqual((attributes[.posixPermissions] as? NSNumber)?.intValue, 0o640)
        XCTAssertEqual((attributes[.ownerAccountID] as? NSNumber)?.intValue, 33)
        XCTAssertEqual((attributes[.groupOwnerAccountID] as? NSNumber)?.intValue, 4)
        let dir = try FileManager.default.attributesOfItem(atPath: roots.path("host-1", "/etc/nginx"))
        XCTAssertEqual((dir[.posixPermissions] as? NSNumber)?.intValue, 0o750)
        XCTAssertEqual(
            try FileManager.default.destinationOfSymbolicLink(atPath: roots.path("host-1", "/etc/nginx/current")),
            "/etc/nginx/nginx.conf")
        XCTAssertEqual(roots.read("host-1", "/proc/sys/net/core/somaxconn"), "4096\n")
        XCTAssertEqual(
            roots.read("host-1", "/etc/sysctl.d/90-plumb-web-tuning.conf"),
            "# Written by Plumb for NodeConfig web-tuning; changes are overwritten.\nnet.core.somaxconn = 4096\n")
        // No temporary file is left next to the written ones.
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: roots.path("host-1", "/etc/nginx")).filter {
            $0.hasPrefix(".plumb")
        }
        XCTAssertEqual(leftovers, [])

        let second = await rollout(configs, roots: roots).run()
        XCTAssertEqual(second.hosts.first?.outcome, .unchanged)
        XCTAssertEqual(second.plans["host-1"]?.objects.map(\.action), [.unchanged])
        XCTAssertEqual(second.plans["host-1"]?.objects.first?.diff.changes, [])
    }

    func testSysctlsAreShownAppliedPersistedAndPutBackWhenTheyLeaveGit() async throws {
        let roots = try TestRoots(1)
        let v1 = try nodeConfigs(
            """
            apiVersion: plumb.dev/v1alpha1
            kind: NodeConfig
            metadata: {name: kernel}
            spec:
              hosts: [host-1]
              sysctls: {net.core.somaxconn: 1024, vm.swappiness: 10}
            """)
        let run1 = await rollout(v1, roots: roots).run()
        XCTAssertEqual(run1.hosts.first?.outcome, .synced, "\(run1.hosts.map { $0.error ?? "" })")
        XCTAssertEqual(roots.read("host-1", "/proc/sys/vm/swappiness"), "10\n")
        try write(roots.path("host-1", "/proc/sys/net/core/somaxconn"), "128\n")
        let drift = await rollout(v1, roots: roots, dryRun: true).run()
        XCTAssertEqual(
            drift.plans["host-1"]?.objects.first?.diff.changes.map(\.description),
            ["sysctls[net.core.somaxconn] 128 → 1024"])

        let v2 = try nodeConfigs(
            """
            apiVersion: plumb.dev/v1alpha1
            kind: NodeConfig
            metadata: {name: kernel}
            spec:
              hosts: [host-1]
              sysctls: {net.core.somaxconn: 1024}
            """)
        let plan = await rollout(v2, roots: roots, dryRun: true).run()
        XCTAssertEqual(
            plan.plans["host-1"]?.objects.first?.diff.changes.map(\.description),
            [
                "sysctls.persisted.content (3 lines) → (changed, +0 −1 lines)",
                "sysctls[net.core.somaxconn] 128 → 1024",
                "sysctls[vm.swappiness] 10 → 60",
            ])
        let run2 = await rollout(v2, roots: roots).run()
        XCTAssertEqual(run2.hosts.first?.outcome, .synced, "\(run2.hosts.map { $0.error ?? "" })")
        XCTAssertEqual(roots.read("host-1", "/proc/sys/vm/swappiness"), "60\n", "the value before Plumb is back")
        XCTAssertEqual(roots.read("host-1", "/proc/sys/net/core/somaxconn"), "1024\n")
        XCTAssertEqual(
            roots.read("host-1", "/etc/sysctl.d/90-plumb-kernel.conf"),
            "# Written by Plumb for NodeConfig kernel; changes are overwritten.\nnet.core.somaxconn = 1024\n")
    }

    func testPruneRemovesOnlyWhatPlumbCreated() async throws {
        let roots = try TestRoots(1)
        try write(roots.path("host-1", "/etc/motd"), "written by someone else\n")
        let v1 = try nodeConfigs(
            """
            apiVersion: plumb.dev/v1alpha1
            kind: NodeConfig
            metadata: {name: base}
            spec:
              hosts: [host-1]
              files:
                - {path: /etc/motd, content: "welcome\\n"}
                - {path: /etc/plumb-created.conf, content: "a = 1\\n"}
                - {path: /etc/kept.conf, content: "b = 2\\n"}
            ---
            apiVersion: plumb.dev/v1alpha1
            kind: NodeConfig
            metadata: {name: extra}
            spec:
              hosts: [host-1]
              files:
                - {path: /etc/extra.conf, content: "c = 3\\n"}
            """)
        let run3 = await rollout(v1, roots: roots).run()
        XCTAssertEqual(run3.hosts.first?.outcome, .synced, "\(run3.hosts.map { $0.error ?? "" })")

        // base drops two files; extra leaves Git.
        let v2 = try nodeConfigs(
            """
            apiVersion: plumb.dev/v1alpha1
            kind: NodeConfig
            metadata: {name: base}
            spec:
              hosts: [host-1]
              files:
                - {path: /etc/kept.conf, content: "b = 2\\n"}
            """)
        let plan = await rollout(v2, roots: roots, prune: true, dryRun: true).run()
        let hostPlan = try XCTUnwrap(plan.plans["host-1"])
        XCTAssertEqual(
            hostPlan.objects.first?.diff.changes.map(\.description),
            ["files[/etc/plumb-created.conf].state file → absent"])
        XCTAssertEqual(hostPlan.prune.map(\.ref.name), ["extra @ host-1"])

        let result = await rollout(v2, roots: roots, prune: true).run()
        XCTAssertEqual(result.hosts.first?.outcome, .synced, "\(result.hosts.first?.error ?? "")")
        XCTAssertFalse(roots.exists("host-1", "/etc/plumb-created.conf"))
        XCTAssertFalse(roots.exists("host-1", "/etc/extra.conf"))
        XCTAssertEqual(roots.read("host-1", "/etc/motd"), "welcome\n", "a file Plumb did not create stays")
        XCTAssertEqual(roots.read("host-1", "/etc/kept.conf"), "b = 2\n")
        XCTAssertFalse(roots.exists("host-1", "/var/lib/plumb/ledger/extra"))

        // Another app's NodeConfig on the same host is never a prune candidate.
        let other = await rollout([], roots: roots, app: "other", prune: true, dryRun: true).run()
        XCTAssertEqual(other.plans["host-1"]?.prune.map(\.ref.name), [])
    }

    func testSecretContentIsMaskedInEveryOutput() async throws {
        let roots = try TestRoots(1)
        let secret = "s3cr3t-db-password-42"
        let configs = try nodeConfigs(
            """
            apiVersion: plumb.dev/v1alpha1
            kind: NodeConfig
            metadata: {name: creds}
            spec:
              hosts: [host-1]
              files:
                - {path: /etc/db.pass, content: "\(secret)\\n", mode: "0600", sensitive: true}
            """)
        let run4 = await rollout(configs, roots: roots).run()
        XCTAssertEqual(run4.hosts.first?.outcome, .synced, "\(run4.hosts.map { $0.error ?? "" })")
        XCTAssertEqual(roots.read("host-1", "/etc/db.pass"), secret + "\n")
        try write(roots.path("host-1", "/etc/db.pass"), "old-password-value\n")

        let diff = await rollout(configs, roots: roots, dryRun: true).run()
        let plan = try XCTUnwrap(diff.plans["host-1"])
        let change = try XCTUnwrap(plan.objects.first?.diff.changes.first)
        XCTAssertEqual(change.path, "files[/etc/db.pass].content")
        XCTAssertTrue(change.masked)
        for format in [DiffPrinter.Format.fields, .json, .unified(yaml: { $0.compactJSONText })] {
            let text = DiffPrinter(format: format).render(plan)
            XCTAssertFalse(text.contains(secret), text)
            XCTAssertFalse(text.contains("old-password-value"), text)
        }
        // A failing script's error is masked as well.
        let target = NodeTarget(shell: roots.shell("host-1"), configs: configs)
        XCTAssertEqual(target.sensitive.redact("x \(secret) y"), "x (21 bytes masked) y")
    }

    func testUnitsAreWrittenEnabledAndDisabledWithoutARunningSystemd() async throws {
        let roots = try TestRoots(1)
        func config(enabled: Bool) throws -> [NodeConfig] {
            try nodeConfigs(
                """
                apiVersion: plumb.dev/v1alpha1
                kind: NodeConfig
                metadata: {name: agent}
                spec:
                  hosts: [host-1]
                  units:
                    - name: demo-agent.service
                      enabled: \(enabled)
                      content: |
                        [Unit]
                        Description=Demo agent
                        [Service]
                        ExecStart=/bin/true
                        [Install]
                        WantedBy=multi-user.target
                """)
        }
        let on = await rollout(try config(enabled: true), roots: roots).run()
        XCTAssertEqual(on.hosts.first?.outcome, .synced, "\(on.hosts.first?.error ?? "")")
        let wants = "/etc/systemd/system/multi-user.target.wants/demo-agent.service"
        XCTAssertEqual(
            try FileManager.default.destinationOfSymbolicLink(atPath: roots.path("host-1", wants)),
            "/etc/systemd/system/demo-agent.service")
        let run5 = await rollout(try config(enabled: true), roots: roots).run()
        XCTAssertEqual(run5.hosts.first?.outcome, .unchanged, "\(run5.hosts.map { $0.error ?? "" })")

        let plan = await rollout(try config(enabled: false), roots: roots, dryRun: true).run()
        XCTAssertEqual(
            plan.plans["host-1"]?.objects.first?.diff.changes.map(\.description),
            ["units[demo-agent.service].enabled enabled → disabled"])
        let run6 = await rollout(try config(enabled: false), roots: roots).run()
        XCTAssertEqual(run6.hosts.first?.outcome, .synced, "\(run6.hosts.map { $0.error ?? "" })")
        XCTAssertFalse(roots.exists("host-1", wants))
        XCTAssertTrue(roots.exists("host-1", "/etc/systemd/system/demo-agent.service"))
    }

    func testPackagesAreReadFromTheHostsDpkgDatabase() async throws {
        let roots = try TestRoots(1)
        try write(
            roots.path("host-1", "/var/lib/dpkg/status"),
            """
            Package: hello
            Status: install ok installed
            Priority: optional
            Section: devel
            Architecture: amd64
            Version: 2.10-3
            Description: example package based on GNU hello

            """)
        let configs = try nodeConfigs(
            """
            apiVersion: plumb.dev/v1alpha1
            kind: NodeConfig
            metadata: {name: tools}
            spec:
              hosts: [host-1]
              packages: [{name: hello, version: 2.10-4}, jq]
            """)
        let target = NodeTarget(shell: roots.shell("host-1"), configs: configs)
        // Never applied: the live object is absent. Compare with a live view that exists.
        let observation = try await target.observe(target.resources, app: "nodes")
        XCTAssertTrue(observation.live.isEmpty)
        let script = try await roots.shell("host-1").run(
            "mkdir -p \"$PLUMB_ROOT/var/lib/plumb/ledger\" && printf 'app\\tnodes\\n' > \"$PLUMB_ROOT/var/lib/plumb/ledger/tools\"",
            input: nil)
        XCTAssertEqual(script.status, 0)
        let live = try await target.observe(target.resources, app: "nodes").live.values.first
        XCTAssertEqual(live?["packages"], ["hello": "2.10-3", "jq": nil])
        let diff = try target.compare(target.resources[0], live: live)
        XCTAssertEqual(
            diff.changes.map(\.description), ["packages[hello] 2.10-3 → 2.10-4", "packages[jq] (none) → present"])
    }

    func testDryRunNamesWhatTheHostLacks() async throws {
        let roots = try TestRoots(1)
        let configs = try nodeConfigs(
            """
            apiVersion: plumb.dev/v1alpha1
            kind: NodeConfig
            metadata: {name: bad}
            spec:
              hosts: [host-1]
              files:
                - {path: /opt/app/config.yaml, content: "x: 1\\n", owner: nginx}
              sysctls: {net.ipv4.no_such_key: 1}
            """)
        let result = await rollout(configs, roots: roots).run()
        XCTAssertEqual(result.hosts.first?.outcome, .failed)
        let error = result.hosts.first?.changes.objects.first?.error ?? ""
        XCTAssertTrue(error.contains("sysctls[net.ipv4.no_such_key]: no such key on the host"), error)
        XCTAssertFalse(roots.exists("host-1", "/opt/app/config.yaml"))
    }

    func testTwoNodeConfigsMayNotManageTheSamePathOnAHost() async throws {
        let roots = try TestRoots(2)
        let configs = try nodeConfigs(
            """
            apiVersion: plumb.dev/v1alpha1
            kind: NodeConfig
            metadata: {name: a}
            spec:
              hosts: [host-1, host-2]
              files: [{path: /etc/motd, content: "a\\n"}]
            ---
            apiVersion: plumb.dev/v1alpha1
            kind: NodeConfig
            metadata: {name: b}
            spec:
              hosts: [host-2]
              files: [{path: /etc/motd, content: "b\\n"}]
              sysctls: {vm.swappiness: 5}
            """)
        let result = await rollout(configs, roots: roots).run()
        XCTAssertEqual(result.hosts.map(\.outcome), [.notStarted, .failed])
        XCTAssertEqual(result.hosts[1].error, "files[/etc/motd] is declared by NodeConfigs a and b")
        XCTAssertFalse(roots.exists("host-1", "/etc/motd"), "nothing changes while a host cannot be planned")
    }

}

extension Value {
    /// JSON text for the unified format's YAML printer stand-in.
    fileprivate var compactJSONText: String { FieldChange.display(self) }
}
