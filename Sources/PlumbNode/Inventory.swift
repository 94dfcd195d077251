import PlumbCore
import PlumbYAML

/// The hosts `plumb node diff|sync` reaches, read from a YAML inventory shaped like Ansible's:
///
/// ```yaml
/// all:
///   vars: {user: deploy, sudo: true}
///   hosts:
///     web-1: {address: 10.0.0.11, labels: {role: web}}
///     lab:   {connection: local, root: /srv/lab-root}
///   children:
///     web:
///       hosts: {web-1: {}}
/// ```
///
/// Host keys: `address` (`ansible_host`), `port` (`ansible_port`), `user` (`ansible_user`),
/// `sudo` (`ansible_become`), `connection` (`ssh` or `local`, `ansible_connection`), `root`
/// (the directory standing for `/` of a local host), `labels`. `vars` of `all` and of groups
/// apply to their hosts; a host's own keys win. Groups nest through `children`.
public struct Inventory: Sendable, Equatable {
    /// The hosts in the order the file first names them.
    public var hosts: [InventoryHost]

    public init(hosts: [InventoryHost]) { self.hosts = hosts }

    /// The host named `name`.
    public func host(_ name: String) -> InventoryHost? { hosts.first { $0.name == name } }

    /// The hosts `config` selects, in inventory order.
    public func hosts(for config: NodeConfig) -> [InventoryHost] {
        hosts.filter { config.selector.selects(name: $0.name, groups: $0.groups, labels: $0.labels) }
    }

    /// Reads an inventory file's text; errors name the file and the field.
    public static func parse(_ text: String, file: String) throws(InventoryError) -> Inventory {
        let documents: [YAMLDocument]
        do {
            documents = try YAML.parseDocuments(text, file: file)
        } catch {
            throw InventoryError(file: file, field: "", message: error.description)
        }
        guard documents.count <= 1 else {
            throw InventoryError(file: file, field: "", message: "expected one YAML document")
        }
        guard let root = documents.first?.value.objectValue else {
            throw InventoryError(file: file, field: "", message: "expected a map with the group all")
        }
        var builder = Builder(file: file)
        for entry in root { try builder.group(entry.key, entry.value, field: entry.key, inherited: [:], parents: []) }
        for host in builder.order {
            guard let h = builder.hosts[host] else { continue }
            if h.connection == .ssh && h.address.isEmpty {
                throw InventoryError(file: file, field: "hosts.\(host)", message: "no address")
            }
        }
        return Inventory(hosts: builder.order.compactMap { builder.hosts[$0] })
    }

    private struct Builder {
        var file: String
        var hosts: [String: InventoryHost] = [:]
        var order: [String] = []

        func fail(_ field: String, _ message: String) -> InventoryError {
            InventoryError(file: file, field: field, message: message)
        }

        mutating func group(
            _ name: String, _ value: Value, field: String, inherited: [String: Value], parents: [String]
        ) throws(InventoryError) {
            guard !value.isNull else { return }
            guard let body = value.objectValue else {
                throw fail(field, "a group must be a map of hosts, vars and children")
            }
            for key in body.keys where !["hosts", "vars", "children"].contains(key) {
                throw fail("\(field).\(key)", "unknown field (expected hosts, vars or children)")
            }
            var vars = inherited
            if let v = body["vars"], !v.isNull {
                guard let o = v.objectValue else { throw fail("\(field).vars", "must be a map") }
                for e in o { vars[e.key] = e.value }
            }
            let groups = parents + (name == "all" ? [] : [name])
            if let h = body["hosts"], !h.isNull {
                guard let o = h.objectValue else { throw fail("\(field).hosts", "must be a map of host names") }
                for e in o { try host(e.key, e.value, field: "\(field).hosts.\(e.key)", vars: vars, groups: groups) }
            }
            if let c = body["children"], !c.isNull {
                guard let o = c.objectValue else { throw fail("\(field).children", "must be a map of groups") }
                for e in o {
                    try group(e.key, e.value, field: "\(field).children.\(e.key)", inherited: vars, parents: groups)
                }
            }
        }

        mutating func host(_ name: String, _ value: Value, field: String, vars: [String: Value], groups: [String])
            throws(InventoryError)
        {
            // The groups' vars first, then the host's own keys: the host's win, whatever alias names them.
            var keys = vars.sorted { $0.key < $1.key }.map { (key: $0.key, value: $0.value) }
            if !value.isNull {
                guard let o = value.objectValue else { throw fail(field, "a host must be a map") }
                keys += o.entries.map { (key: $0.key, value: $0.value) }
            }
            var host = hosts[name] ?? InventoryHost(name: name)
            if hosts[name] == nil { order.append(name) }
            for (key, v) in keys {
                let text: String? =
                    switch v {
                    case .string(let s): s
                    case .int(let i): String(i)
                    default: nil
                    }
                switch key {
                case "address", "ansible_host":
                    guard let text else { throw fail("\(field).\(key)", "must be a string") }
                    host.address = text
                case "port", "ansible_port":
                    guard let p = text.flatMap({ Int($0) }), (1...65535).contains(p) else {
                        throw fail("\(field).\(key)", "must be a port number")
                    }
                    host.port = p
                case "user", "ansible_user":
                    guard let text else { throw fail("\(field).\(key)", "must be a string") }
                    host.user = text
                case "sudo", "ansible_become":
                    guard let b = v.boolValue else { throw fail("\(field).\(key)", "must be true or false") }
                    host.sudo = b
                case "connection", "ansible_connection":
                    guard let c = text.flatMap(InventoryHost.Connection.init(rawValue:)) else {
                        throw fail("\(field).\(key)", "must be ssh or local")
                    }
                    host.connection = c
                case "root":
                    guard let text, text.hasPrefix("/") else {
                        throw fail("\(field).\(key)", "must be an absolute directory")
                    }
                    host.root = text
                case "labels":
                    guard let o = v.objectValue else { throw fail("\(field).labels", "must be a map") }
                    for e in o {
                        guard
                            let s = e.value.stringValue ?? e.value.intValue.map(String.init)
                                ?? e.value.boolValue.map(String.init)
                        else { throw fail("\(field).labels.\(e.key)", "must be a string") }
                        host.labels[e.key] = s
                    }
                default:
                    // Other Ansible variables (ansible_python_interpreter, ...) mean nothing to Plumb.
                    if !key.hasPrefix("ansible_") { throw fail("\(field).\(key)", "unknown field") }
                }
            }
            for g in groups where !host.groups.contains(g) { host.groups.append(g) }
            if host.address.isEmpty && host.connection == .ssh { host.address = name }
            hosts[name] = host
        }
    }
}

/// One host of the inventory.
public struct InventoryHost: Sendable, Equatable {
    /// How Plumb reaches the host.
    public enum Connection: String, Sendable {
        /// Over SSH with the system's OpenSSH client.
        case ssh
        /// On this machine, with `root` standing for its `/`.
        case local
    }

    public var name: String
    /// The address to connect to (default the name).
    public var address = ""
    public var port = 22
    /// The SSH user; nil is the SSH client's default.
    public var user: String?
    /// Whether scripts run through `sudo -n`.
    public var sudo = false
    public var connection = Connection.ssh
    /// For a local host: the directory standing for `/`.
    public var root = "/"
    /// The groups it is in, outermost first.
    public var groups: [String] = []
    /// Labels a `nodeSelector` matches.
    public var labels: [String: String] = [:]

    public init(name: String) { self.name = name }
}

/// An inventory that cannot be read: `hosts.yaml: all.hosts.web-1.port: must be a port number`.
public struct InventoryError: Error, Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var field: String
    public var message: String

    public init(file: String, field: String, message: String) {
        self.file = file
        self.field = field
        self.message = message
    }

    public var description: String {
        if field.isEmpty { return message.hasPrefix(file) ? message : "\(file): \(message)" }
        return "\(file): \(field): \(message)"
    }
}
