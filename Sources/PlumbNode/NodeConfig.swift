import PlumbCore

/// A `plumb.dev/v1alpha1 NodeConfig`: the state a set of hosts must have (files, sysctls,
/// Debian packages, systemd units), the checks that say a changed host is healthy, and how
/// many hosts may change at once.
public struct NodeConfig: Sendable, Hashable {
    /// The API version of the kind.
    public static let apiVersion = "plumb.dev/v1alpha1"
    /// The kind.
    public static let kind = "NodeConfig"

    /// `metadata.name`.
    public var name: String
    /// Which hosts it applies to.
    public var selector: HostSelector
    /// Files, directories and symlinks, in declaration order.
    public var files: [NodeFile] = []
    /// Kernel parameters by key (`net.core.somaxconn`), in declaration order.
    public var sysctls: [NodeSysctl] = []
    /// Debian packages present or absent.
    public var packages: [NodePackage] = []
    /// systemd units.
    public var units: [NodeUnit] = []
    /// Checks run after a host changed, before the rollout moves on.
    public var healthChecks: [NodeHealthCheck] = []
    /// How many hosts may be changing at once.
    public var maxUnavailable: MaxUnavailable = .count(1)
    /// Whether a change takes the node out of service (cordon and drain it first).
    public var disruptive = false
    /// Where the object was defined, when it came from a file.
    public var source: SourceLocation?

    /// An empty configuration of `name` for the hosts `selector` picks.
    public init(name: String, selector: HostSelector) {
        self.name = name
        self.selector = selector
    }

    /// Whether any content is secret (its diff and every output mask it).
    public var sensitiveContents: [String] {
        files.compactMap { f in
            guard f.sensitive, case .file(let bytes) = f.kind else { return nil }
            return String(decoding: bytes, as: UTF8.self)
        }
    }
}

/// Which hosts a NodeConfig applies to: Kubernetes node labels (`nodeSelector`, matched against
/// the inventory's labels too), or inventory host names and groups. Empty selects nothing.
public struct HostSelector: Sendable, Hashable {
    /// Labels every selected host has.
    public var nodeSelector: [String: String] = [:]
    /// Host names of the inventory.
    public var hosts: [String] = []
    /// Group names of the inventory.
    public var groups: [String] = []

    public init(nodeSelector: [String: String] = [:], hosts: [String] = [], groups: [String] = []) {
        self.nodeSelector = nodeSelector
        self.hosts = hosts
        self.groups = groups
    }

    /// Whether a host with these name, groups and labels is selected: by name, by one of its
    /// groups, or by having every label of `nodeSelector`.
    public func selects(name: String, groups hostGroups: [String], labels: [String: String]) -> Bool {
        if hosts.contains(name) { return true }
        if groups.contains(where: hostGroups.contains) { return true }
        guard !nodeSelector.isEmpty else { return false }
        return nodeSelector.allSatisfy { labels[$0.key] == $0.value }
    }
}

/// One path of a host.
public struct NodeFile: Sendable, Hashable {
    /// What the path must be.
    public enum Kind: Sendable, Hashable {
        /// A regular file with this content.
        case file([UInt8])
        /// A directory.
        case directory
        /// A symbolic link to this target.
        case symlink(String)
        /// Nothing: the path is removed.
        case absent
    }

    /// The absolute path on the host.
    public var path: String
    public var kind: Kind
    /// The permission bits in octal (`0644`); nil leaves them as they are (new files: 0644, directories: 0755).
    public var mode: String?
    /// The owning user (name or uid); nil leaves it.
    public var owner: String?
    /// The owning group (name or gid); nil leaves it.
    public var group: String?
    /// Whether the content is secret: masked in diffs, never read back from the host.
    public var sensitive = false

    public init(
        path: String, kind: Kind, mode: String? = nil, owner: String? = nil, group: String? = nil,
        sensitive: Bool = false
    ) {
        self.path = path
        self.kind = kind
        self.mode = mode
        self.owner = owner
        self.group = group
        self.sensitive = sensitive
    }

    /// `file`, `directory`, `symlink` or `absent`: the type as observed and shown.
    public var typeName: String {
        switch kind {
        case .file: return "file"
        case .directory: return "directory"
        case .symlink: return "symlink"
        case .absent: return "absent"
        }
    }
}

/// One kernel parameter.
public struct NodeSysctl: Sendable, Hashable {
    /// `net.core.somaxconn`.
    public var key: String
    /// `4096`; values of several fields are compared with their whitespace collapsed.
    public var value: String

    public init(key: String, value: String) {
        self.key = key
        self.value = value
    }

    /// The file under `/proc/sys` that holds it.
    public var procPath: String { "/proc/sys/" + key.replacingDots() }
}

/// One Debian package.
public struct NodePackage: Sendable, Hashable {
    public var name: String
    /// The exact version wanted; nil accepts any installed version.
    public var version: String?
    /// Installed (true) or not (false).
    public var present: Bool

    public init(name: String, version: String? = nil, present: Bool = true) {
        self.name = name
        self.version = version
        self.present = present
    }
}

/// One systemd unit.
public struct NodeUnit: Sendable, Hashable {
    /// `nginx.service`.
    public var name: String
    /// The unit file's content written to `/etc/systemd/system/<name>`; nil manages only its state.
    public var content: String?
    /// Enabled (true), disabled (false), or left as it is (nil).
    public var enabled: Bool?
    /// Running (true), stopped (false), or left as it is (nil). Needs a running systemd.
    public var running: Bool?
    /// Paths of files of the same NodeConfig whose change restarts the unit.
    public var restartOn: [String] = []

    public init(
        name: String, content: String? = nil, enabled: Bool? = nil, running: Bool? = nil, restartOn: [String] = []
    ) {
        self.name = name
        self.content = content
        self.enabled = enabled
        self.running = running
        self.restartOn = restartOn
    }

    /// Where the unit file is written.
    public var path: String { "/etc/systemd/system/" + name }
}

/// A check that a changed host works.
public enum NodeHealthCheck: Sendable, Hashable, CustomStringConvertible {
    /// `systemctl is-active` answers `active`.
    case unit(String)
    /// A TCP connection to this host and port (on the host) succeeds.
    case tcp(host: String, port: Int)
    /// A GET of this URL (from the host) answers 2xx.
    case http(url: String)
    /// This shell command exits 0 on the host (`PLUMB_ROOT` is set).
    case command(String)

    public var description: String {
        switch self {
        case .unit(let u): return "unit \(u) active"
        case .tcp(let h, let p): return "tcp \(h):\(p)"
        case .http(let u): return "http \(u)"
        case .command(let c): return "command \(Value.string(c).jsonString)"
        }
    }
}

/// How many hosts a rollout changes at once: a count or a percent of the selected hosts.
public enum MaxUnavailable: Sendable, Hashable, CustomStringConvertible {
    case count(Int)
    case percent(Int)

    /// The batch size for `total` hosts: at least 1, a percent rounded down.
    public func batchSize(of total: Int) -> Int {
        switch self {
        case .count(let n): return max(1, n)
        case .percent(let p): return max(1, total * p / 100)
        }
    }

    public var description: String {
        switch self {
        case .count(let n): return "\(n)"
        case .percent(let p): return "\(p)%"
        }
    }
}

extension String {
    fileprivate func replacingDots() -> String { String(map { $0 == "." ? "/" : $0 }) }
}
