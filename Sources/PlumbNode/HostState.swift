import PlumbCore

/// What one observation script read on a host: the paths, sysctls, packages and units the
/// NodeConfigs name, the users and groups of the host root, and Plumb's ledgers.
struct HostState: Sendable {
    /// One path as it is.
    struct LiveFile: Sendable, Hashable {
        /// `file`, `directory`, `symlink`, `absent` or `other`.
        var type = "absent"
        var mode = ""
        var uid = ""
        var gid = ""
        /// A regular file's SHA-256, or a symlink's target.
        var sha256 = ""
        var target = ""
        /// The content, read only when it differs from Git's and is small.
        var content: [UInt8]?
    }

    var files: [String: LiveFile] = [:]
    /// Users and groups of the host root: name → id and id → name.
    var users: [String: String] = [:]
    var userNames: [String: String] = [:]
    var groups: [String: String] = [:]
    var groupNames: [String: String] = [:]
    /// Live sysctl values, whitespace collapsed; absent when the key does not exist.
    var sysctls: [String: String] = [:]
    /// Installed packages and their versions.
    var packages: [String: String] = [:]
    /// `systemctl is-enabled` of each unit (`not-found` when unknown).
    var enabled: [String: String] = [:]
    /// `systemctl is-active` of each unit, when a systemd runs the host.
    var active: [String: String] = [:]
    var systemdRuns = false
    /// Plumb's ledger of each NodeConfig that was applied here.
    var ledgers: [String: Ledger] = [:]

    func file(_ path: String) -> LiveFile { files[path] ?? LiveFile() }

    /// The name of a uid (the uid itself when the host root has no such user).
    func owner(_ uid: String) -> String { userNames[uid] ?? uid }
    func group(_ gid: String) -> String { groupNames[gid] ?? gid }

    /// Reads the lines the observation script printed (see `NodeObserveScript`).
    static func parse(_ text: String) throws(NodeScriptError) -> HostState {
        var state = HostState()
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            let f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            switch f[0] {
            case "F" where f.count >= 8:
                var file = LiveFile(
                    type: f[2], mode: f[3].isEmpty ? "" : String(repeating: "0", count: max(0, 4 - f[3].count)) + f[3])
                file.uid = f[4]
                file.gid = f[5]
                if file.type == "symlink" { file.target = f[6] } else { file.sha256 = f[6] }
                if let existing = state.files[f[1]] { file.content = existing.content }
                state.files[f[1]] = file
            case "C" where f.count >= 3:
                state.files[f[1], default: LiveFile()].content = NodeScript.decodeBase64(Substring(f[2]))
            case "U" where f.count >= 3:
                if state.users[f[1]] == nil { state.users[f[1]] = f[2] }
                if state.userNames[f[2]] == nil { state.userNames[f[2]] = f[1] }
            case "G" where f.count >= 3:
                if state.groups[f[1]] == nil { state.groups[f[1]] = f[2] }
                if state.groupNames[f[2]] == nil { state.groupNames[f[2]] = f[1] }
            case "S" where f.count >= 3:
                state.sysctls[f[1]] = f[2].split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ")
            case "P" where f.count >= 4:
                if f[3].hasPrefix("ii") || f[3].hasPrefix("hi") { state.packages[f[1]] = f[2] }
            case "E" where f.count >= 3:
                state.enabled[f[1]] = f[2].isEmpty ? "not-found" : f[2]
            case "A" where f.count >= 3:
                state.active[f[1]] = f[2]
            case "D":
                state.systemdRuns = true
            case "L" where f.count >= 3:
                guard let bytes = NodeScript.decodeBase64(Substring(f[2])) else { continue }
                state.ledgers[f[1]] = Ledger(parsing: String(decoding: bytes, as: UTF8.self))
            default:
                throw NodeScriptError(
                    "unexpected line from the observation script: \(Value.string(String(line.prefix(80))).jsonString)")
            }
        }
        return state
    }
}

/// What Plumb manages for one NodeConfig on a host, kept in `/var/lib/plumb/ledger/<name>`:
/// the app, and each file, unit, package and sysctl with whether Plumb created it
/// (`created`) or took over one that existed (`adopted`; a sysctl keeps its previous value).
/// Pruning removes only what Plumb created.
struct Ledger: Sendable, Hashable {
    struct Entry: Sendable, Hashable {
        /// `file`, `unit`, `package` or `sysctl`.
        var kind: String
        var name: String
        /// `created` or `adopted`; for a sysctl its value before Plumb.
        var note: String
    }

    var app = ""
    var entries: [Entry] = []

    init(app: String = "", entries: [Entry] = []) {
        self.app = app
        self.entries = entries
    }

    init(parsing text: String) {
        for line in text.split(separator: "\n") {
            let f = line.split(separator: "\t", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
            if f[0] == "app", f.count >= 2 {
                app = f[1]
            } else if f.count == 3 {
                entries.append(Entry(kind: f[0], name: f[1], note: f[2]))
            }
        }
    }

    func entry(_ kind: String, _ name: String) -> Entry? { entries.first { $0.kind == kind && $0.name == name } }

    func created(_ kind: String) -> [String] { entries.filter { $0.kind == kind && $0.note == "created" }.map(\.name) }
}

/// A script's output Plumb cannot read, or a script that failed.
public struct NodeScriptError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
