import Foundation
import PlumbTesting
import XCTest

@testable import PlumbNode

/// `SSHHostShell` against real sshd hosts in network namespaces (`TestHosts`).
final class SSHHostShellTests: XCTestCase {
    var hosts: TestHosts!

    override func setUpWithError() throws {
        if let reason = TestHosts.unavailableReason { throw XCTSkip(reason) }
        hosts = try TestHosts(count: 2)
    }

    override func tearDown() {
        hosts?.stop()
        hosts = nil
    }

    func shell(_ host: TestHosts.Host, _ change: (inout SSHOptions) -> Void = { _ in }) -> SSHHostShell {
        SSHHostShell.forTest(host, of: hosts, change)
    }

    func testScriptsRunOnTheirHostWithBinaryInputAndTheirExitStatus() async throws {
        let one = shell(hosts.hosts[0])
        let result = try await one.run(#"printf '%s|%s|' "$(hostname)" "${PLUMB_ROOT-unset}"; od -An -tx1 | tr -d ' \n'"#, input: Array(0...255))
        XCTAssertEqual(result.status, 0, result.stderr)
        let hex = (0...255).map { String(format: "%02x", $0) }.joined()
        XCTAssertEqual(result.stdoutText, "host-1||" + hex)
        let two = try await shell(hosts.hosts[1]).run("hostname", input: nil)
        XCTAssertEqual(two.stdoutText, "host-2\n")

        let failed = try await one.run("echo partial; echo 'it broke' >&2; exit 7", input: nil)
        XCTAssertEqual(failed, ShellResult(status: 7, stdout: Array("partial\n".utf8), stderr: "it broke\n"))
        // 255 is ssh's own failure code; the script's 255 is still a result.
        let status255 = try await one.run("printf 'no newline' >&2; exit 255", input: nil)
        XCTAssertEqual(status255.status, 255)
        XCTAssertEqual(status255.stderr, "no newline")
        // The script's own stdin is the input, not the rest of the script.
        let lines = try await one.run("read first; echo \"[$first]\"\nexit 0\n", input: Array("exit 9\n".utf8))
        XCTAssertEqual(lines.stdoutText, "[exit 9]\n")
    }

    func testAFileWrittenOnOneHostIsOnThatHostOnly() async throws {
        let (one, two) = (hosts.hosts[0], hosts.hosts[1])
        let path = "/etc/plumb-test-\(UUID().uuidString.prefix(8))/motd"
        let write = try await shell(one).run(
            "mkdir -p \"$(dirname \(path))\" && cat > \(path) && cat \(path)", input: Array("host one\n".utf8))
        XCTAssertEqual(write.status, 0, write.stderr)
        XCTAssertEqual(write.stdoutText, "host one\n")
        XCTAssertEqual(try String(contentsOfFile: one.path(path), encoding: .utf8), "host one\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: two.path(path)), "host-2 must not see host-1's file")
        XCTAssertFalse(FileManager.default.fileExists(atPath: path), "this machine's /etc must stay untouched")
        let other = try await shell(two).run("cat \(path)", input: nil)
        XCTAssertNotEqual(other.status, 0)
        XCTAssertTrue(other.stderr.contains("No such file"), other.stderr)
    }

    func testManyScriptsAtOnceShareTheConnection() async throws {
        let host = hosts.hosts[0]
        let one = shell(host)
        let outputs = try await withThrowingTaskGroup(of: String.self) { group in
            for index in 0..<12 {
                group.addTask { try await one.run("cat; echo \(index)", input: Array("n=".utf8)).stdoutText }
            }
            return try await group.reduce(into: [String]()) { $0.append($1) }
        }
        XCTAssertEqual(Set(outputs), Set((0..<12).map { "n=\($0)\n" }))
        // One master connection serves them: ssh -O check answers through the control socket.
        let check = try runTool(
            "/usr/bin/ssh", ["-o", "ControlPath=\(hosts.controlDirectory)/%C", "-O", "check", "root@\(host.address)"],
            env: ProcessInfo.processInfo.environment, check: false)
        XCTAssertEqual(check.status, 0, check.stderr)
        XCTAssertTrue(check.stderr.contains("Master running"), check.stderr)
        await one.disconnect()
        let after = try runTool(
            "/usr/bin/ssh", ["-o", "ControlPath=\(hosts.controlDirectory)/%C", "-O", "check", "root@\(host.address)"],
            env: ProcessInfo.processInfo.environment, check: false)
        XCTAssertNotEqual(after.status, 0)
    }

    func testAnUnknownHostKeyIsRefused() async throws {
        let empty = hosts.directory.sub("empty_known_hosts")
        try "".write(toFile: empty, atomically: true, encoding: .utf8)
        let strict = shell(hosts.hosts[0]) { $0.knownHostsFile = empty }
        do {
            _ = try await strict.run("echo should not run", input: nil)
            XCTFail("a host missing from known_hosts must be refused")
        } catch let error as HostUnreachable {
            XCTAssertEqual(error.host, "host-1")
            XCTAssertTrue(error.reason.contains("Host key verification failed"), error.reason)
        }
        // Turned off on purpose, any key is accepted.
        let lax = shell(hosts.hosts[0]) {
            $0.knownHostsFile = empty
            $0.strictHostKeyChecking = false
        }
        let accepted = try await lax.run("echo ok", input: nil)
        XCTAssertEqual(accepted.stdoutText, "ok\n")
    }

    func testAHostNobodyAnswersOnIsUnreachableWithSSHsReason() async throws {
        let refused = shell(hosts.hosts[0]) { $0.port = 2222 }
        do {
            _ = try await refused.run("true", input: nil)
            XCTFail("nothing listens on port 2222")
        } catch let error as HostUnreachable {
            XCTAssertTrue(error.reason.contains("Connection refused"), error.reason)
            XCTAssertTrue(error.description.hasPrefix("host host-1 unreachable: "), error.description)
        }
        let wrongKey = hosts.directory.sub("other_key")
        try runTool("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", wrongKey])
        do {
            _ = try await shell(hosts.hosts[1]) { $0.identityFile = wrongKey }.run("true", input: nil)
            XCTFail("a key the host does not accept")
        } catch let error as HostUnreachable {
            XCTAssertTrue(error.reason.contains("Permission denied"), error.reason)
        }
    }

    func testAHostCutOffMidScriptIsUnreachableAndItsFileIsNeverHalfWritten() async throws {
        let host = hosts.hosts[0]
        let one = shell(host)
        let path = "/etc/plumb-cut.conf"
        let old = String(repeating: "old line\n", count: 1000)
        let new = String(repeating: "new line\n", count: 20000)
        _ = try await one.run("cat > \(path)", input: Array(old.utf8))
        // The atomic write Plumb's file scripts use: a temporary file beside the target,
        // fsync'd, renamed over it; the host is cut off while the script is under way.
        let script = """
            tmp="$(dirname \(path))/.plumb-cut.conf.$$"
            trap 'rm -f "$tmp"' HUP TERM
            cat > "$tmp" && sleep 3 && sync "$tmp" 2>/dev/null; mv -f "$tmp" \(path)
            """
        let started = Date()
        let testHosts: TestHosts = hosts
        let cut = Task {
            try await Task.sleep(for: .seconds(1))
            try testHosts.linkDown(host)
        }
        do {
            _ = try await one.run(script, input: Array(new.utf8))
            XCTFail("the host was cut off mid-script")
        } catch let error as HostUnreachable {
            XCTAssertEqual(error.host, "host-1")
            XCTAssertFalse(error.reason.isEmpty)
        }
        try await cut.value
        // Keep-alives every second, two missed: reported within a few seconds, not a TCP timeout.
        XCTAssertLessThan(Date().timeIntervalSince(started), 15)
        try hosts.linkUp(host)
        // Whatever the script got to do, the file is the old or the new content, whole.
        for _ in 0..<40 {
            let content = try String(contentsOfFile: host.path(path), encoding: .utf8)
            XCTAssertTrue(content == old || content == new, "half-written: \(content.count) bytes")
            if content == new { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        let back = try await one.run("cat \(path) | wc -l", input: nil)
        XCTAssertEqual(back.status, 0, back.stderr)
        XCTAssertTrue(["1000", "20000"].contains(back.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)))
    }

    func testNetworkSysctlsAreSetAndRevertedPerHost() async throws {
        let (one, two) = (shell(hosts.hosts[0]), shell(hosts.hosts[1]))
        let read = "sysctl -n net.ipv4.ip_forward net.core.somaxconn"
        let machine = try String(contentsOfFile: "/proc/sys/net/ipv4/ip_forward", encoding: .utf8)
        let before = try await one.run(read, input: nil).stdoutText
        let set = try await one.run("sysctl -q -w net.ipv4.ip_forward=1 net.core.somaxconn=4096 && \(read)", input: nil)
        XCTAssertEqual(set.status, 0, set.stderr)
        XCTAssertEqual(set.stdoutText, "1\n4096\n")
        let other = try await two.run(read, input: nil)
        XCTAssertEqual(other.stdoutText, before, "host-2 keeps its own values")
        XCTAssertEqual(try String(contentsOfFile: "/proc/sys/net/ipv4/ip_forward", encoding: .utf8), machine)
        let values = before.split(separator: "\n")
        let revert = try await one.run(
            "sysctl -q -w net.ipv4.ip_forward=\(values[0]) net.core.somaxconn=\(values[1]) && \(read)", input: nil)
        XCTAssertEqual(revert.stdoutText, before)
    }

    func testUnitsAreEnabledAndDisabledOfflineWithSystemctlRoot() async throws {
        let host = hosts.hosts[0]
        let one = shell(host)
        let unit = "plumb-test-\(UUID().uuidString.prefix(6).lowercased()).service"
        let enable = try await one.run(
            """
            cat > /etc/systemd/system/\(unit) && systemctl --root=/ enable \(unit) >/dev/null 2>&1 &&
            systemctl --root=/ is-enabled \(unit)
            """,
            input: Array("[Unit]\nDescription=test\n[Service]\nExecStart=/bin/true\n[Install]\nWantedBy=multi-user.target\n".utf8))
        XCTAssertEqual(enable.status, 0, enable.stderr)
        XCTAssertEqual(enable.stdoutText, "enabled\n")
        let link = "/etc/systemd/system/multi-user.target.wants/\(unit)"
        XCTAssertNotNil(try? FileManager.default.destinationOfSymbolicLink(atPath: host.path(link)))
        XCTAssertNil(try? FileManager.default.destinationOfSymbolicLink(atPath: hosts.hosts[1].path(link)))
        XCTAssertFalse(FileManager.default.fileExists(atPath: "/etc/systemd/system/\(unit)"))
        let disable = try await one.run(
            "systemctl --root=/ disable \(unit) >/dev/null 2>&1; systemctl --root=/ is-enabled \(unit)", input: nil)
        XCTAssertEqual(disable.stdoutText, "disabled\n")
        XCTAssertNil(try? FileManager.default.destinationOfSymbolicLink(atPath: host.path(link)))
    }

    func testADebianPackageIsInstalledAndRemovedOnOneHostOnly() async throws {
        // `hello` (53 kB) comes from the machine's apt sources; the hosts have no route out,
        // so the .deb is put in the host's apt cache and apt-get must not download anything.
        let downloads = hosts.directory.sub("debs")
        try FileManager.default.createDirectory(atPath: downloads, withIntermediateDirectories: true)
        let fetched = try runTool(
            "/usr/bin/apt-get", ["download", "-q", "hello"], cwd: downloads, env: ProcessInfo.processInfo.environment,
            check: false)
        guard fetched.status == 0, let deb = try FileManager.default.contentsOfDirectory(atPath: downloads).first else {
            throw XCTSkip("apt-get download hello failed (no apt lists or mirror): \(fetched.stderr)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: "/usr/bin/hello"), "this machine must not have hello")
        let (host, other) = (hosts.hosts[0], hosts.hosts[1])
        try FileManager.default.copyItem(
            atPath: downloads + "/" + deb, toPath: host.path("/var/cache/apt/archives/\(deb)"))
        let one = shell(host)
        let install = try await one.run(
            "DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-download hello >/dev/null && hello && dpkg-query -W -f='${Status}' hello",
            input: nil)
        XCTAssertEqual(install.status, 0, install.stderr)
        XCTAssertEqual(install.stdoutText, "Hello, world!\ninstall ok installed")
        XCTAssertTrue(FileManager.default.fileExists(atPath: host.path("/usr/bin/hello")))
        XCTAssertFalse(FileManager.default.fileExists(atPath: other.path("/usr/bin/hello")))
        XCTAssertFalse(FileManager.default.fileExists(atPath: "/usr/bin/hello"))
        let remove = try await one.run(
            "DEBIAN_FRONTEND=noninteractive apt-get remove -y -q hello >/dev/null && command -v hello || echo gone", input: nil)
        XCTAssertEqual(remove.status, 0, remove.stderr)
        XCTAssertEqual(remove.stdoutText, "gone\n")
    }
}

extension SSHHostShell {
    /// A shell to a test host as root with the test key and known_hosts, and short keep-alives.
    static func forTest(
        _ host: TestHosts.Host, of hosts: TestHosts, _ change: (inout SSHOptions) -> Void = { _ in }
    ) -> SSHHostShell {
        var options = SSHOptions(
            user: "root", identityFile: hosts.clientKey, knownHostsFile: hosts.knownHosts, connectTimeout: 5,
            aliveInterval: 1, aliveCountMax: 2, timeout: 60, controlDirectory: hosts.controlDirectory)
        change(&options)
        return SSHHostShell(host: host.name, address: host.address, options: options)
    }
}
