import PlumbCore

/// A NodeConfig that cannot be used, naming the object, the field and where it was defined:
/// `nodes/web.yaml:1:1: plumb.dev/v1alpha1 NodeConfig web: spec.files[0].path: must be absolute`.
public struct NodeConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    public var source: SourceLocation?
    public var object: String
    public var field: String
    public var message: String

    public init(source: SourceLocation?, object: String, field: String, message: String) {
        self.source = source
        self.object = object
        self.field = field
        self.message = message
    }

    public var description: String {
        (source.map { "\($0): " } ?? "") + "\(object): \(field): \(message)"
    }
}

extension NodeConfig {
    /// Whether `resource` is a NodeConfig.
    public static func isNodeConfig(_ resource: Resource) -> Bool {
        resource.ref.group == "plumb.dev" && resource.kind == kind
    }

    /// Reads a NodeConfig object. `readFile` returns a repository file named by a file's
    /// `source` (relative to the repository root); without one, `source` is an error.
    public init(_ resource: Resource, readFile: ((String) throws -> [UInt8])? = nil) throws(NodeConfigError) {
        let p = FieldReader(source: resource.source, object: resource.ref.description)
        guard resource.apiVersion == NodeConfig.apiVersion, resource.kind == NodeConfig.kind else {
            throw p.error("apiVersion", "expected \(NodeConfig.apiVersion) \(NodeConfig.kind)")
        }
        guard let spec = resource.body["spec"], spec.objectValue != nil else { throw p.error("spec", "missing") }
        try p.allow(
            spec, "spec",
            [
                "nodeSelector", "hosts", "groups", "files", "sysctls", "packages", "units", "healthChecks",
                "rollout", "disruptive",
            ])
        let selector = HostSelector(
            nodeSelector: try p.stringMap(spec["nodeSelector"], "spec.nodeSelector"),
            hosts: try p.strings(spec["hosts"], "spec.hosts"), groups: try p.strings(spec["groups"], "spec.groups"))
        if selector.nodeSelector.isEmpty && selector.hosts.isEmpty && selector.groups.isEmpty {
            throw p.error("spec", "selects no host: give nodeSelector, hosts or groups")
        }
        self.init(name: resource.name, selector: selector)
        self.source = resource.source
        for (i, item) in try p.list(spec["files"], "spec.files").enumerated() {
            files.append(try p.file(item, "spec.files[\(i)]", readFile: readFile))
        }
        var seen = Set<String>()
        for f in files where !seen.insert(f.path).inserted { throw p.error("spec.files[\(f.path)]", "declared twice") }
        for (key, value) in try p.entries(spec["sysctls"], "spec.sysctls") {
            let field = "spec.sysctls[\(key)]"
            guard !key.isEmpty, key.allSatisfy({ $0.isLetter || $0.isNumber || "._-/".contains($0) }),
                !key.contains("..")
            else {
                throw p.error(field, "not a sysctl key")
            }
            guard let text = p.scalarText(value), !text.contains("\n") else {
                throw p.error(field, "must be a single-line value")
            }
            sysctls.append(NodeSysctl(key: key, value: text))
        }
        for (i, item) in try p.list(spec["packages"], "spec.packages").enumerated() {
            packages.append(try p.package(item, "spec.packages[\(i)]"))
        }
        for (i, item) in try p.list(spec["units"], "spec.units").enumerated() {
            units.append(try p.unit(item, "spec.units[\(i)]", files: files))
        }
        for (i, item) in try p.list(spec["healthChecks"], "spec.healthChecks").enumerated() {
            healthChecks.append(try p.healthCheck(item, "spec.healthChecks[\(i)]"))
        }
        if let rollout = spec["rollout"] {
            try p.allow(rollout, "spec.rollout", ["maxUnavailable"])
            if let m = rollout["maxUnavailable"] {
                maxUnavailable = try p.maxUnavailable(m, "spec.rollout.maxUnavailable")
            }
        }
        if let d = spec["disruptive"] {
            guard let b = d.boolValue else { throw p.error("spec.disruptive", "must be true or false") }
            disruptive = b
        }
    }
}

/// Reads fields of one object, every error naming the field.
struct FieldReader {
    var source: SourceLocation?
    var object: String

    func error(_ field: String, _ message: String) -> NodeConfigError {
        NodeConfigError(source: source, object: object, field: field, message: message)
    }

    func allow(_ value: Value, _ field: String, _ keys: Set<String>) throws(NodeConfigError) {
        guard let o = value.objectValue else { throw error(field, "must be an object") }
        for key in o.keys where !keys.contains(key) {
            throw error("\(field).\(key)", "unknown field (expected one of \(keys.sorted().joined(separator: ", ")))")
        }
    }

    func list(_ value: Value?, _ field: String) throws(NodeConfigError) -> [Value] {
        guard let value, !value.isNull else { return [] }
        guard let a = value.arrayValue else { throw error(field, "must be a list") }
        return a
    }

    func entries(_ value: Value?, _ field: String) throws(NodeConfigError) -> [(String, Value)] {
        guard let value, !value.isNull else { return [] }
        guard let o = value.objectValue else { throw error(field, "must be a map") }
        return o.entries.map { ($0.key, $0.value) }
    }

    func strings(_ value: Value?, _ field: String) throws(NodeConfigError) -> [String] {
        var out: [String] = []
        for (i, v) in try list(value, field).enumerated() {
            guard let s = v.stringValue, !s.isEmpty else { throw error("\(field)[\(i)]", "must be a non-empty string") }
            out.append(s)
        }
        return out
    }

    func stringMap(_ value: Value?, _ field: String) throws(NodeConfigError) -> [String: String] {
        var out: [String: String] = [:]
        for (k, v) in try entries(value, field) {
            guard let s = scalarText(v) else { throw error("\(field)[\(k)]", "must be a string") }
            out[k] = s
        }
        return out
    }

    /// A scalar as text: strings, numbers and booleans as YAML wrote them.
    func scalarText(_ value: Value) -> String? {
        switch value {
        case .string(let s): return s
        case .int(let i): return String(i)
        case .double(let d): return String(d)
        case .bool(let b): return b ? "1" : "0"
        default: return nil
        }
    }

    func string(_ value: Value, _ key: String, _ field: String) throws(NodeConfigError) -> String? {
        guard let v = value[key], !v.isNull else { return nil }
        guard let s = scalarText(v), !s.isEmpty else { throw error("\(field).\(key)", "must be a non-empty string") }
        return s
    }

    func bool(_ value: Value, _ key: String, _ field: String) throws(NodeConfigError) -> Bool? {
        guard let v = value[key], !v.isNull else { return nil }
        guard let b = v.boolValue else { throw error("\(field).\(key)", "must be true or false") }
        return b
    }

    func file(_ item: Value, _ field: String, readFile: ((String) throws -> [UInt8])?) throws(NodeConfigError)
        -> NodeFile
    {
        try allow(item, field, ["path", "content", "source", "mode", "owner", "group", "state", "target", "sensitive"])
        guard let path = try string(item, "path", field) else { throw error("\(field).path", "missing") }
        guard path.hasPrefix("/"), !path.split(separator: "/").contains(".."), path != "/", !path.hasSuffix("/"),
            !path.unicodeScalars.contains(where: { $0.value < 32 || $0.value == 127 })
        else {
            throw error("\(field).path", "\(Value.string(path).jsonString) must be an absolute path without \"..\"")
        }
        let field = "spec.files[\(path)]"
        let state = try string(item, "state", field) ?? (item["target"] != nil ? "symlink" : "file")
        var kind: NodeFile.Kind
        switch state {
        case "file":
            let inline = item["content"]
            let named = try string(item, "source", field)
            if let inline, !inline.isNull, named != nil { throw error(field, "give content or source, not both") }
            if let named {
                guard let readFile else { throw error("\(field).source", "no repository to read \(named) from") }
                do {
                    kind = .file(try readFile(named))
                } catch {
                    throw self.error("\(field).source", "cannot read \(named): \(error)")
                }
            } else if let inline, !inline.isNull {
                guard let text = inline.stringValue else { throw error("\(field).content", "must be a string") }
                kind = .file(Array(text.utf8))
            } else {
                kind = .file([])
            }
        case "directory": kind = .directory
        case "symlink":
            guard let target = try string(item, "target", field) else {
                throw error("\(field).target", "missing for a symlink")
            }
            kind = .symlink(target)
        case "absent": kind = .absent
        default:
            throw error("\(field).state", "\(Value.string(state).jsonString) is not file, directory, symlink or absent")
        }
        let mode = try string(item, "mode", field)
        if let mode, !(3...4).contains(mode.count) || !mode.allSatisfy({ ("0"..."7").contains($0) }) {
            throw error("\(field).mode", "\(Value.string(mode).jsonString) is not an octal mode such as \"0644\"")
        }
        let owner = try string(item, "owner", field)
        let group = try string(item, "group", field)
        for (key, name) in [("owner", owner), ("group", group)] {
            if let name, !name.allSatisfy({ $0.isLetter || $0.isNumber || "._-".contains($0) }) {
                throw error("\(field).\(key)", "\(Value.string(name).jsonString) is not a user or group name")
            }
        }
        return NodeFile(
            path: path, kind: kind, mode: mode.map { $0.count == 3 ? "0" + $0 : $0 }, owner: owner, group: group,
            sensitive: try bool(item, "sensitive", field) ?? false)
    }

    func package(_ item: Value, _ field: String) throws(NodeConfigError) -> NodePackage {
        if let name = item.stringValue { return try package(["name": .string(name)], field) }
        try allow(item, field, ["name", "version", "state"])
        guard let name = try string(item, "name", field) else { throw error("\(field).name", "missing") }
        guard name.allSatisfy({ $0.isLowercase || $0.isNumber || "+-.".contains($0) }) else {
            throw error("\(field).name", "\(Value.string(name).jsonString) is not a Debian package name")
        }
        let state = try string(item, "state", field) ?? "present"
        guard state == "present" || state == "absent" else {
            throw error("\(field).state", "must be present or absent")
        }
        let version = try string(item, "version", field)
        if let version, version.contains(where: { $0 == " " || $0 == "'" || $0 == "\n" }) {
            throw error("\(field).version", "\(Value.string(version).jsonString) is not a package version")
        }
        return NodePackage(name: name, version: version, present: state == "present")
    }

    func unit(_ item: Value, _ field: String, files: [NodeFile]) throws(NodeConfigError) -> NodeUnit {
        try allow(item, field, ["name", "content", "enabled", "state", "restartOn"])
        guard let name = try string(item, "name", field) else { throw error("\(field).name", "missing") }
        guard name.contains("."), name.allSatisfy({ $0.isLetter || $0.isNumber || "@._:-".contains($0) }) else {
            throw error("\(field).name", "\(Value.string(name).jsonString) is not a unit name such as nginx.service")
        }
        let field = "spec.units[\(name)]"
        var running: Bool?
        if let state = try string(item, "state", field) {
            guard state == "running" || state == "stopped" else {
                throw error("\(field).state", "must be running or stopped")
            }
            running = state == "running"
        }
        let restartOn = try strings(item["restartOn"], "\(field).restartOn")
        for path in restartOn where !files.contains(where: { $0.path == path }) {
            throw error("\(field).restartOn", "\(path) is not a file of this NodeConfig")
        }
        var content: String?
        if let c = item["content"], !c.isNull {
            guard let text = c.stringValue else { throw error("\(field).content", "must be a string") }
            content = text
        }
        return NodeUnit(
            name: name, content: content, enabled: try bool(item, "enabled", field), running: running,
            restartOn: restartOn)
    }

    func healthCheck(_ item: Value, _ field: String) throws(NodeConfigError) -> NodeHealthCheck {
        try allow(item, field, ["unit", "tcp", "http", "command"])
        guard item.objectValue?.count == 1 else { throw error(field, "give exactly one of unit, tcp, http, command") }
        if let unit = try string(item, "unit", field) { return .unit(unit) }
        if let command = try string(item, "command", field) { return .command(command) }
        if let url = try string(item, "http", field) {
            guard url.hasPrefix("http://") || url.hasPrefix("https://"), !url.contains("'") else {
                throw error("\(field).http", "\(Value.string(url).jsonString) is not an http(s) URL")
            }
            return .http(url: url)
        }
        let tcp = try string(item, "tcp", field) ?? ""
        let parts = tcp.split(separator: ":", omittingEmptySubsequences: false)
        let host = parts.count == 2 ? String(parts[0]) : "127.0.0.1"
        guard let port = parts.last.flatMap({ Int($0) }), (1...65535).contains(port), parts.count <= 2,
            host.allSatisfy({ $0.isLetter || $0.isNumber || ".-".contains($0) })
        else { throw error("\(field).tcp", "\(Value.string(tcp).jsonString) is not PORT or HOST:PORT") }
        return .tcp(host: host.isEmpty ? "127.0.0.1" : host, port: port)
    }

    func maxUnavailable(_ value: Value, _ field: String) throws(NodeConfigError) -> MaxUnavailable {
        if let n = value.intValue, n >= 1 { return .count(Int(n)) }
        if let s = value.stringValue, s.hasSuffix("%"), let p = Int(s.dropLast()), (1...100).contains(p) {
            return .percent(p)
        }
        if let s = value.stringValue, let n = Int(s), n >= 1 { return .count(n) }
        throw error(field, "\(FieldChange.display(value)) is not a count of at least 1 or a percent such as \"25%\"")
    }
}
