// `swift run -c release Benchmarks node` (as root): `plumb node diff` of 20 hosts × 200 files over
// SSH against Ansible's check mode on the same hosts and files, in the same run. The hosts are
// `TestHosts`: network namespaces with their own sshd and overlay roots. Plumb runs in this
// process as `plumb node diff|sync` does (NodeRollout over SSHHostShell: one observation script
// per host over one shared SSH connection per host); Ansible is `ansible-playbook --check --diff`
// of one `copy` task looping over the 200 files, with pipelining, 20 forks and no fact gathering
// (its fastest settings), from ansible-core in a venv under /tmp (installed when missing).
// `PLUMB_BENCH_HOSTS` and `PLUMB_BENCH_FILES` shrink the run.
import Foundation
import PlumbCore
import PlumbEngine
import PlumbNode
import PlumbTesting
import PlumbYAML

private let hostCount = max(1, Int(ProcessInfo.processInfo.environment["PLUMB_BENCH_HOSTS"] ?? "") ?? 20)
private let fileCount = max(1, Int(ProcessInfo.processInfo.environment["PLUMB_BENCH_FILES"] ?? "") ?? 200)
private let ansibleVenv = "/tmp/plumb-ansible"

func runNodeBenchmark() async throws {
    if let reason = TestHosts.unavailableReason { throw TestFailure("node benchmark: \(reason)") }
    let playbook = try ensureAnsible()
    print("node: \(hostCount) hosts × \(fileCount) files over SSH (network namespaces, own sshd and root each)")
    let hosts = try TestHosts(count: hostCount, label: "plumbnodebench")
    defer { hosts.stop() }
    let work = try TempDir("plumbnodework")

    // The desired files: 200 of 24 lines each under /etc/plumb-bench.
    let names = (0..<fileCount).map { String(format: "app-%03d.conf", $0) }
    func content(_ name: String) -> String {
        (0..<24).map { "\(name) setting_\($0) = value-\($0 * 7 % 13)\n" }.joined()
    }
    try FileManager.default.createDirectory(atPath: work.sub("files"), withIntermediateDirectories: true)
    var yaml = "apiVersion: plumb.dev/v1alpha1\nkind: NodeConfig\nmetadata: {name: bench-files}\nspec:\n"
    yaml += "  hosts: [\(hosts.hosts.map(\.name).joined(separator: ", "))]\n  rollout: {maxUnavailable: \"100%\"}\n  files:\n"
    yaml += "    - {path: /etc/plumb-bench, state: directory, mode: \"0755\"}\n"
    for name in names {
        try content(name).write(toFile: work.sub("files/\(name)"), atomically: true, encoding: .utf8)
        yaml += "    - path: /etc/plumb-bench/\(name)\n      mode: \"0644\"\n      content: |\n"
        yaml += content(name).split(separator: "\n").map { "        \($0)\n" }.joined()
    }
    let document = try YAML.parseDocuments(yaml, file: "bench-files.yaml")[0].value
    let config = try NodeConfig(try Resource(document))

    var options = SSHOptions(
        user: "root", identityFile: hosts.clientKey, knownHostsFile: hosts.knownHosts, timeout: 300,
        controlDirectory: hosts.controlDirectory)
    options.controlPersist = 120
    let shells = hosts.hosts.map { SSHHostShell(host: $0.name, address: $0.address, options: options) }
    func rollout(dryRun: Bool) -> NodeRollout {
        NodeRollout(
            app: "bench", hosts: shells.map { NodeRolloutHost(target: NodeTarget(shell: $0, configs: [config])) },
            options: SyncOptions(dryRun: dryRun, prune: false))
    }

    // Every host gets the files, then 5 hosts drift (10 files edited by hand on each).
    let (first, firstSeconds) = await time { await rollout(dryRun: false).run() }
    guard !first.failed else { throw TestFailure("first sync failed: \(first.hosts.compactMap(\.error))") }
    let drifted = Array(hosts.hosts.prefix(min(5, hostCount)))
    for host in drifted {
        for name in names.prefix(10) {
            try "edited by hand\n".write(toFile: host.path("/etc/plumb-bench/\(name)"), atomically: false, encoding: .utf8)
        }
    }
    print(String(format: "  first plumb node sync (writes %d files): %.2f s", hostCount * fileCount, firstSeconds))

    // plumb node diff, cold: no open SSH connection (as a fresh `plumb node diff` run).
    for shell in shells { await shell.disconnect() }
    let (diff, plumbCold) = await time { () -> (Int, Int) in
        let (plans, failures) = await rollout(dryRun: true).plan()
        let text = plans.keys.sorted().map { DiffPrinter().render(plans[$0]!) }.joined()
        return (plans.values.filter(\.hasChanges).count + failures.count, text.count)
    }
    guard diff.0 == drifted.count else { throw TestFailure("plumb node diff found \(diff.0) hosts with changes, expected \(drifted.count)") }
    let (_, plumbWarm) = await time { _ = await rollout(dryRun: true).plan() }

    // Ansible's check mode on the same hosts and files.
    let ansible = try ansibleProject(hosts, names: names, files: work.sub("files"), in: work.sub("ansible"))
    let (result, ansibleSeconds) = try await time {
        try runTool(
            playbook, ["-i", ansible + "/inventory.ini", ansible + "/site.yml", "--check", "--diff"], cwd: ansible,
            env: ansibleEnvironment(ansible), check: false)
    }
    let changedHosts = result.stdout.split(separator: "\n").filter { $0.contains("changed=1") }.count
    guard result.status == 0 || result.status == 2, changedHosts == drifted.count else {
        throw TestFailure("ansible-playbook exited \(result.status), \(changedHosts) changed hosts: \(result.stdout.suffix(2000)) \(result.stderr.suffix(2000))")
    }

    // A sync that puts the drift back, then a no-change sync.
    _ = await rollout(dryRun: false).run()
    let (again, noChange) = await time { await rollout(dryRun: false).run() }
    guard again.hosts.allSatisfy({ $0.outcome == .unchanged }) else {
        throw TestFailure("the second sync changed hosts: \(again.hosts.map { "\($0.host) \($0.outcome)" })")
    }

    print(String(format: "  plumb node diff (cold: new SSH connections)   %.2f s   %d hosts with changes found", plumbCold, diff.0))
    print(String(format: "  plumb node diff (warm: shared connections)    %.2f s", plumbWarm))
    print(String(format: "  ansible-playbook --check --diff                %.2f s   %d hosts changed", ansibleSeconds, changedHosts))
    print(String(format: "  ratio ansible / plumb (cold)                  %.1fx   (target ≥ 5x)", ansibleSeconds / plumbCold))
    print(String(format: "  plumb node sync, no change                    %.2f s", noChange))
}

/// `ansible-playbook` of the venv, installed from PyPI (ansible-core) when missing.
private func ensureAnsible() throws -> String {
    let playbook = ansibleVenv + "/bin/ansible-playbook"
    if FileManager.default.isExecutableFile(atPath: playbook) { return playbook }
    print("node: installing ansible-core into \(ansibleVenv) (pip)")
    let env = ProcessInfo.processInfo.environment
    try runTool("/usr/bin/python3", ["-m", "venv", ansibleVenv], env: env)
    try runTool(ansibleVenv + "/bin/pip", ["install", "-q", "ansible-core"], env: env)
    return playbook
}

private func ansibleEnvironment(_ dir: String) -> [String: String] {
    var env = ProcessInfo.processInfo.environment
    env["ANSIBLE_CONFIG"] = dir + "/ansible.cfg"
    env["ANSIBLE_HOME"] = dir + "/home"
    env["ANSIBLE_LOCAL_TEMP"] = dir + "/tmp"
    env["ANSIBLE_NOCOLOR"] = "1"
    return env
}

/// An inventory of the same hosts, the key and known_hosts Plumb uses, and a playbook that
/// copies the same 200 files with the same mode.
private func ansibleProject(_ hosts: TestHosts, names: [String], files: String, in dir: String) throws -> String {
    try FileManager.default.createDirectory(atPath: dir + "/home", withIntermediateDirectories: true)
    var inventory = "[bench]\n"
    for host in hosts.hosts { inventory += "\(host.name) ansible_host=\(host.address)\n" }
    inventory += """
        [bench:vars]
        ansible_user=root
        ansible_ssh_private_key_file=\(hosts.clientKey)
        ansible_python_interpreter=/usr/bin/python3
        ansible_ssh_common_args='-o UserKnownHostsFile=\(hosts.knownHosts) -o StrictHostKeyChecking=yes'

        """
    try inventory.write(toFile: dir + "/inventory.ini", atomically: true, encoding: .utf8)
    let config = """
        [defaults]
        forks = \(max(20, hosts.hosts.count))
        host_key_checking = True
        gathering = explicit
        stdout_callback = default
        interpreter_python = /usr/bin/python3

        [ssh_connection]
        pipelining = True
        control_path_dir = \(dir)/cp
        ssh_args = -o ControlMaster=auto -o ControlPersist=60s

        """
    try config.write(toFile: dir + "/ansible.cfg", atomically: true, encoding: .utf8)
    let playbook = """
        - hosts: bench
          gather_facts: false
          tasks:
            - name: directory
              ansible.builtin.file:
                path: /etc/plumb-bench
                state: directory
                mode: "0755"
            - name: files
              ansible.builtin.copy:
                src: "\(files)/{{ item }}"
                dest: "/etc/plumb-bench/{{ item }}"
                mode: "0644"
              loop: \(names.map { "\"\($0)\"" }.joined(separator: ", ").wrappedInBrackets)

        """
    try playbook.write(toFile: dir + "/site.yml", atomically: true, encoding: .utf8)
    return dir
}

extension String {
    fileprivate var wrappedInBrackets: String { "[" + self + "]" }
}
