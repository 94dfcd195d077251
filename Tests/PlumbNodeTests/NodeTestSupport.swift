import Foundation
import PlumbCore
import PlumbEngine
import PlumbNode
import PlumbTesting
import PlumbYAML
import Synchronization

/// Host roots in a temporary directory, each standing for one host's `/`: an `/etc` with
/// users and groups, a `/proc/sys` stand-in with a few sysctls, systemd's unit directory.
final class TestRoots {
    let dir: TempDir
    let names: [String]

    init(_ count: Int) throws {
        dir = try TempDir("plumbnode")
        names = (1...count).map { "host-\($0)" }
        for name in names {
            let root = self.root(name)
            for sub in ["etc/systemd/system", "proc/sys/net/core", "proc/sys/vm", "etc/sysctl.d", "var/lib/dpkg"] {
                try FileManager.default.createDirectory(atPath: "\(root)/\(sub)", withIntermediateDirectories: true)
            }
            try write(
                "\(root)/etc/passwd",
                "root:x:0:0:root:/root:/bin/sh\nwww-data:x:33:33:www-data:/var/www:/usr/sbin/nologin\n")
            try write("\(root)/etc/group", "root:x:0:\nwww-data:x:33:\nadm:x:4:\n")
            try write("\(root)/proc/sys/net/core/somaxconn", "128\n")
            try write("\(root)/proc/sys/vm/swappiness", "60\n")
            try write("\(root)/var/lib/dpkg/status", "")
        }
    }

    func root(_ host: String) -> String { dir.sub(host) }
    func path(_ host: String, _ path: String) -> String { root(host) + path }
    func read(_ host: String, _ path: String) -> String? {
        try? String(contentsOfFile: self.path(host, path), encoding: .utf8)
    }
    func exists(_ host: String, _ path: String) -> Bool {
        (try? FileManager.default.attributesOfItem(atPath: self.path(host, path))) != nil
    }
    func shell(_ host: String) -> LocalHostShell { LocalHostShell(host: host, root: root(host)) }
}

/// NodeConfigs from YAML text.
func nodeConfigs(_ yaml: String, files: [String: String] = [:]) throws -> [NodeConfig] {
    try YAML.parseDocuments(yaml, file: "nodes.yaml").map { doc in
        try NodeConfig(Resource(doc.value, source: doc.location)) { name in
            guard let text = files[name] else { throw TestFailure("no file \(name)") }
            return Array(text.utf8)
        }
    }
}

/// A shell that records when each apply script ran on its host (and can be cut off).
final class RecordingShell: HostShell {
    let inner: LocalHostShell
    let log: EventLog

    init(_ inner: LocalHostShell, log: EventLog) {
        self.inner = inner
        self.log = log
    }

    var host: String { inner.host }

    func run(_ script: String, input: [UInt8]?) async throws -> ShellResult {
        let applying = script.contains("rm -rf \"$B.new\"")
        if applying { log.append("start \(host)") }
        let result = try await inner.run(script, input: input)
        if applying {
            // Long enough for a concurrent apply on another host to overlap, were there one.
            try await Task.sleep(for: .milliseconds(50))
            log.append("end \(host)")
        }
        return result
    }
}

/// A sync of `configs` over the hosts of `roots`: each host gets the configs naming it.
func rollout(
    _ configs: [NodeConfig], roots: TestRoots, hosts: [String]? = nil, app: String = "nodes", prune: Bool = false,
    dryRun: Bool = false, shell: ((String) -> any HostShell)? = nil
) -> NodeRollout {
    let targets = (hosts ?? roots.names).map { name in
        let selected = configs.filter { $0.selector.selects(name: name, groups: [], labels: ["all": "yes"]) }
        return NodeRolloutHost(target: NodeTarget(shell: shell?(name) ?? roots.shell(name), configs: selected))
    }
    var options = SyncOptions()
    options.prune = prune
    options.dryRun = dryRun
    options.timeout = .milliseconds(600)
    options.pollInterval = .milliseconds(100)
    options.retry.maxAttempts = 1
    return NodeRollout(app: app, hosts: targets, options: options)
}

/// Lines recorded from concurrent tasks.
final class EventLog: Sendable {
    private let lines = Mutex<[String]>([])
    func append(_ line: String) { lines.withLock { $0.append(line) } }
    var entries: [String] { lines.withLock { $0 } }
}
