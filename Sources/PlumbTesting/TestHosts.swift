import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Hosts on this machine for node tests: each is a network namespace joined to the root
/// namespace by a veth pair (`10.213.B.4i+1` here, `10.213.B.4i+2` in the host), with its own
/// `sshd` (its own config, host key and port 22 on its own address), its own host name (UTS
/// namespace) and its own root: `sshd` runs in a private mount namespace where `/etc`, `/usr`,
/// `/var`, `/opt` and `/root` are overlays of this machine's directories with a per-host upper
/// directory, so what a script writes or installs on one host is on that host only and never
/// on this machine. Needs root (`ip netns`, `unshare`, overlayfs); `TestHosts.unavailableReason`
/// says why not when they cannot run. Everything is removed by `stop()` (and on deinit).
public final class TestHosts: @unchecked Sendable {
    /// One test host.
    public struct Host: Sendable {
        /// `host-1`, `host-2`, ...: also its host name.
        public let name: String
        /// The network namespace.
        public let namespace: String
        /// The address sshd listens on (port 22).
        public let address: String
        /// The veth end in the root namespace: down cuts the host off.
        public let link: String
        /// The pid of the host's sshd (its mount namespace is the host's view of files).
        public let pid: pid_t
        /// The directory holding the host's upper directories, config and keys.
        public let directory: String

        /// `path` as the host sees it (through its sshd's mount namespace).
        public func path(_ path: String) -> String { "/proc/\(pid)/root" + path }
    }

    public private(set) var hosts: [Host] = []
    /// The private key the hosts accept for `root`.
    public let clientKey: String
    /// A known_hosts file listing every host's key under its address.
    public let knownHosts: String
    /// A directory for ssh control sockets (short, so socket paths fit).
    public let controlDirectory: String
    public let directory: TempDir
    private var servers: [Server] = []
    private var stopped = false
    private static let prefix = "plumbt-"

    /// Why test hosts cannot run here (not root, no `ip netns`, no sshd), or nil.
    public static var unavailableReason: String? {
        if getuid() != 0 { return "test hosts need root (network and mount namespaces)" }
        for tool in ["/usr/sbin/sshd", "/usr/bin/ssh", "/usr/bin/unshare", "/usr/bin/ssh-keygen"]
        where !FileManager.default.isExecutableFile(atPath: tool) {
            return "test hosts need \(tool)"
        }
        if ipTool == nil { return "test hosts need ip (iproute2)" }
        return nil
    }

    static let ipTool: String? = ["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }

    /// Starts `count` hosts and waits (bounded) until each sshd answers.
    public init(count: Int, label: String = "plumbhosts") throws {
        precondition(count > 0 && count <= 60, "1 to 60 test hosts")
        if let reason = TestHosts.unavailableReason { throw TestFailure(reason) }
        directory = try TempDir(label)
        let id = String(UUID().uuidString.prefix(6)).lowercased()
        controlDirectory = "/tmp/pcm-\(id)"
        try FileManager.default.createDirectory(
            atPath: controlDirectory, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        clientKey = directory.sub("client_ed25519")
        knownHosts = directory.sub("known_hosts")
        do {
            TestHosts.removeStaleNamespaces()
            try runTool("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "plumb-test", "-f", clientKey])
            try FileManager.default.createDirectory(atPath: "/run/sshd", withIntermediateDirectories: true)
            let block = try TestHosts.freeBlock()
            var known = ""
            for index in 1...count {
                let host = try startHost(index: index, id: id, block: block)
                hosts.append(host)
                let key = try String(contentsOfFile: host.directory + "/ssh_host_ed25519_key.pub", encoding: .utf8)
                let fields = key.split(separator: " ")
                known += "\(host.address) \(fields[0]) \(fields[1])\n"
            }
            try known.write(toFile: knownHosts, atomically: true, encoding: .utf8)
            for (index, host) in hosts.enumerated() { try waitForSSHD(host, server: servers[index]) }
        } catch {
            stop()
            throw error
        }
    }

    deinit { stop() }

    /// Cuts the host off (its veth end in the root namespace down): packets are dropped, so an
    /// open connection hangs until ssh's keep-alives give up.
    public func linkDown(_ host: Host) throws { try ip(["link", "set", host.link, "down"]) }

    /// Brings the host back.
    public func linkUp(_ host: Host) throws { try ip(["link", "set", host.link, "up"]) }

    /// Runs a command in the host (its network, mount and UTS namespaces), as a test's back door.
    @discardableResult
    public func exec(_ host: Host, _ command: String) throws -> RunResult {
        try runTool(
            "/usr/bin/nsenter", ["-t", String(host.pid), "-n", "-m", "-u", "/bin/sh", "-c", command],
            env: ProcessInfo.processInfo.environment, check: false)
    }

    /// Kills every process of the hosts, deletes the namespaces (and with them the veth pairs)
    /// and the directories.
    public func stop() {
        guard !stopped else { return }
        stopped = true
        for host in hosts {
            _ = try? runTool(
                "/usr/bin/ssh", ["-o", "ControlPath=\(controlDirectory)/%C", "-O", "exit", "root@\(host.address)"],
                env: ProcessInfo.processInfo.environment, check: false)
        }
        for server in servers { server.stop() }
        for host in hosts { TestHosts.removeNamespace(host.namespace) }
        try? FileManager.default.removeItem(atPath: controlDirectory)
    }

    private func startHost(index: Int, id: String, block: Int) throws -> Host {
        let name = "host-\(index)"
        let namespace = "\(TestHosts.prefix)\(id)-\(index)"
        let link = "pv\(id)\(index)"
        let peer = "pp\(id)\(index)"
        let address = "10.213.\(block).\(4 * index + 2)"
        let dir = directory.sub(name)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try runTool("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", dir + "/ssh_host_ed25519_key"])
        try ip(["netns", "add", namespace])
        try ip(["link", "add", link, "type", "veth", "peer", "name", peer])
        try ip(["link", "set", peer, "netns", namespace])
        try ip(["addr", "add", "10.213.\(block).\(4 * index + 1)/30", "dev", link])
        try ip(["link", "set", link, "up"])
        try ip(["-n", namespace, "addr", "add", "\(address)/30", "dev", peer])
        try ip(["-n", namespace, "link", "set", peer, "up"])
        try ip(["-n", namespace, "link", "set", "lo", "up"])
        try FileManager.default.copyItem(atPath: clientKey + ".pub", toPath: dir + "/authorized_keys")
        let config = """
            ListenAddress \(address):22
            HostKey \(dir)/ssh_host_ed25519_key
            AuthorizedKeysFile \(dir)/authorized_keys
            PidFile none
            StrictModes no
            UsePAM no
            PermitRootLogin prohibit-password
            PasswordAuthentication no
            KbdInteractiveAuthentication no
            UseDNS no
            ClientAliveInterval 2
            ClientAliveCountMax 3
            MaxStartups 200:30:400
            MaxSessions 200
            LogLevel ERROR

            """
        try config.write(toFile: dir + "/sshd_config", atomically: true, encoding: .utf8)
        var mounts = ""
        for top in ["etc", "usr", "var", "opt", "root"] {
            for sub in ["upper", "work"] {
                try FileManager.default.createDirectory(atPath: "\(dir)/\(sub)/\(top)", withIntermediateDirectories: true)
            }
            mounts +=
                "mount -t overlay overlay -o lowerdir=/\(top),upperdir=\(dir)/upper/\(top),workdir=\(dir)/work/\(top) /\(top) || exit 1\n"
        }
        // root's shell files as a fresh Debian host has them: this machine's own ~/.bashrc may
        // do slow work (a version manager's init) on every SSH session.
        for file in [".bashrc", ".profile"] where FileManager.default.fileExists(atPath: "/etc/skel/\(file)") {
            try? FileManager.default.removeItem(atPath: "\(dir)/upper/root/\(file)")
            try FileManager.default.copyItem(atPath: "/etc/skel/\(file)", toPath: "\(dir)/upper/root/\(file)")
        }
        let boot = mounts + "hostname \(name)\nexec /usr/sbin/sshd -D -e -f \(dir)/sshd_config\n"
        let server = try Server(
            TestHosts.ipTool!,
            ["netns", "exec", namespace, "/usr/bin/unshare", "--mount", "--uts", "--propagation", "private", "/bin/sh", "-c", boot],
            log: dir + "/sshd.log", env: ProcessInfo.processInfo.environment)
        servers.append(server)
        return Host(name: name, namespace: namespace, address: address, link: link, pid: server.pid, directory: dir)
    }

    /// Waits (at most 10 s) until the host's sshd accepts TCP connections.
    private func waitForSSHD(_ host: Host, server: Server) throws {
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if !server.isRunning { throw TestFailure("sshd of \(host.name) exited: \(server.output)") }
            if TestHosts.canConnect(host.address, 22) { return }
            usleep(20_000)
        }
        throw TestFailure("sshd of \(host.name) does not answer on \(host.address):22 after 10s: \(server.output)")
    }

    static func canConnect(_ address: String, _ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr(address)
        addr.sin_port = UInt16(port).bigEndian
        return withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }

    /// A `10.213.B.0/24` block no interface of this machine uses yet.
    private static func freeBlock() throws -> Int {
        let used = (try? runTool(ipTool!, ["-o", "-4", "addr", "show"], env: ProcessInfo.processInfo.environment))?
            .stdout ?? ""
        for _ in 0..<50 {
            let block = Int.random(in: 0..<256)
            if !used.contains("10.213.\(block).") { return block }
        }
        throw TestFailure("no free 10.213.x.0/24 block for test hosts")
    }

    private func ip(_ args: [String]) throws {
        try runTool(TestHosts.ipTool!, args, env: ProcessInfo.processInfo.environment)
    }

    private static func removeNamespace(_ namespace: String) {
        let env = ProcessInfo.processInfo.environment
        // Sessions sshd forked (a script still running on a host) live on after sshd itself.
        for signal in [SIGTERM, SIGKILL] {
            let pids = (try? runTool(ipTool!, ["netns", "pids", namespace], env: env, check: false))?.stdout ?? ""
            let list = pids.split(whereSeparator: \.isWhitespace).compactMap { pid_t($0) }
            if list.isEmpty { break }
            for pid in list { kill(pid, signal) }
            usleep(200_000)
        }
        _ = try? runTool(ipTool!, ["netns", "del", namespace], env: env, check: false)
    }

    /// Namespaces of test hosts whose test was killed before it could clean up (no process
    /// left in them).
    private static func removeStaleNamespaces() {
        let env = ProcessInfo.processInfo.environment
        let list = (try? runTool(ipTool!, ["netns", "list"], env: env, check: false))?.stdout ?? ""
        for line in list.split(separator: "\n") {
            let name = String(line.split(separator: " ").first ?? "")
            guard name.hasPrefix(prefix) else { continue }
            // A namespace another test just made has no process yet either: leave young ones.
            let made = (try? FileManager.default.attributesOfItem(atPath: "/run/netns/\(name)"))?[.modificationDate] as? Date
            guard let made, made.timeIntervalSinceNow < -120 else { continue }
            let pids = (try? runTool(ipTool!, ["netns", "pids", name], env: env, check: false))?.stdout ?? ""
            if pids.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                _ = try? runTool(ipTool!, ["netns", "del", name], env: env, check: false)
            }
        }
    }
}
