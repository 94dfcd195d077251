import PlumbCore
import PlumbYAML

/// Which renderer a path asks for, and its arguments: `render:` in the path's `.plumb.yaml` or an
/// Application's `spec.source.render`. Without one, the renderer is chosen from the path's files.
///
/// ```yaml
/// render: {kind: jsonnet, entry: main.jsonnet, jpath: [lib], extVars: {env: prod}, tlas: {replicas: 3}}
/// render: {plugin: helm, parameters: {values: values-prod.yaml}}
/// ```
public struct RenderSettings: Sendable, Equatable {
    /// The renderer asked for.
    public enum Kind: Sendable, Equatable {
        /// Every `*.yaml`, `*.yml` and `*.json` file below the path.
        case plain
        case kustomize
        case jsonnet
        /// An operator-declared plugin, by name.
        case plugin(String)
    }

    /// A Jsonnet external variable or top-level argument: a string, or Jsonnet code.
    public enum JsonnetArgument: Sendable, Equatable {
        case string(String)
        case code(String)
    }

    public var kind: Kind?
    /// Jsonnet: the entry file, relative to the path (default every `*.jsonnet` of the path).
    public var entry: String?
    /// Jsonnet: library folders, relative to the path, searched for imports (right-most first).
    public var jpath: [String]
    /// Jsonnet: `std.extVar` values, in the order written.
    public var extVars: [(name: String, value: JsonnetArgument)]
    /// Jsonnet: top-level arguments of the entry's function.
    public var tlas: [(name: String, value: JsonnetArgument)]
    /// Plugin: values of the parameters the plugin declares.
    public var parameters: [(name: String, value: String)]

    public init(
        kind: Kind? = nil, entry: String? = nil, jpath: [String] = [],
        extVars: [(name: String, value: JsonnetArgument)] = [],
        tlas: [(name: String, value: JsonnetArgument)] = [], parameters: [(name: String, value: String)] = []
    ) {
        self.kind = kind
        self.entry = entry
        self.jpath = jpath
        self.extVars = extVars
        self.tlas = tlas
        self.parameters = parameters
    }

    public static func == (a: RenderSettings, b: RenderSettings) -> Bool {
        a.kind == b.kind && a.entry == b.entry && a.jpath == b.jpath
            && a.extVars.elementsEqual(b.extVars, by: { $0.name == $1.name && $0.value == $1.value })
            && a.tlas.elementsEqual(b.tlas, by: { $0.name == $1.name && $0.value == $1.value })
            && a.parameters.elementsEqual(b.parameters, by: { $0.name == $1.name && $0.value == $1.value })
    }

    /// The name of the renderer asked for, as results and records name it.
    public var kindName: String? {
        switch kind {
        case .plain: "plain"
        case .kustomize: "kustomize"
        case .jsonnet: "jsonnet"
        case .plugin(let name): name
        case nil: nil
        }
    }

    /// The `render:` of a `.plumb.yaml` file (the last document that has one), or nil.
    public static func from(plumbYAML bytes: [UInt8], file: String) throws(SettingsError) -> RenderSettings? {
        let documents: [YAMLDocument]
        do {
            documents = try YAML.parseDocuments(bytes, file: file)
        } catch {
            throw SettingsError("\(error)")
        }
        var found: RenderSettings?
        for doc in documents {
            guard let render = doc.value["render"], !render.isNull else { continue }
            found = try parse(render, field: "\(file): render")
        }
        return found
    }

    /// Parses a `render` object; `field` names it in errors (`spec.source.render`).
    public static func parse(_ value: Value, field: String) throws(SettingsError) -> RenderSettings {
        guard let object = value.objectValue else { throw SettingsError("\(field): must be an object") }
        let known: Set<String> = [
            "kind", "plugin", "entry", "jpath", "extVars", "extCode", "tlas", "tlaCode", "parameters",
        ]
        for key in object.keys where !known.contains(key) {
            throw SettingsError(
                "\(field).\(key): unknown field (expected one of \(known.sorted().joined(separator: ", ")))")
        }
        var settings = RenderSettings()
        let plugin = try string(value["plugin"], "\(field).plugin")
        switch try string(value["kind"], "\(field).kind") {
        case nil: settings.kind = plugin.map { .plugin($0) }
        case "plain", "directory": settings.kind = .plain
        case "kustomize": settings.kind = .kustomize
        case "jsonnet": settings.kind = .jsonnet
        case "plugin":
            guard let plugin else { throw SettingsError("\(field).plugin: is required with kind: plugin") }
            settings.kind = .plugin(plugin)
        case let other?:
            throw SettingsError(
                "\(field).kind: \(Value.string(other).jsonString) is not one of plain, kustomize, jsonnet, plugin")
        }
        if plugin != nil, case .plugin = settings.kind {
        } else if plugin != nil {
            throw SettingsError("\(field).plugin: cannot be combined with kind: \(settings.kindName ?? "")")
        }
        settings.entry = try string(value["entry"], "\(field).entry")
        if let entry = settings.entry, RepoPath.normalize(entry) == nil || entry.isEmpty {
            throw SettingsError("\(field).entry: \(Value.string(entry).jsonString) must be a file inside the path")
        }
        if let list = value["jpath"], !list.isNull {
            guard let items = list.arrayValue else { throw SettingsError("\(field).jpath: must be a list of folders") }
            for (i, item) in items.enumerated() {
                guard let s = item.stringValue else { throw SettingsError("\(field).jpath[\(i)]: must be a string") }
                settings.jpath.append(s)
            }
        }
        settings.extVars =
            try arguments(value["extVars"], code: false, "\(field).extVars")
            + arguments(value["extCode"], code: true, "\(field).extCode")
        settings.tlas =
            try arguments(value["tlas"], code: false, "\(field).tlas")
            + arguments(value["tlaCode"], code: true, "\(field).tlaCode")
        if let params = value["parameters"], !params.isNull {
            guard let entries = params.objectValue?.entries else {
                throw SettingsError("\(field).parameters: must be a map of names to strings")
            }
            for e in entries {
                switch e.value {
                case .string(let s): settings.parameters.append((e.key, s))
                case .int, .double, .bool: settings.parameters.append((e.key, scalarText(e.value)))
                default: throw SettingsError("\(field).parameters.\(e.key): must be a string, not \(e.value.typeName)")
                }
            }
        }
        return settings
    }

    private static func string(_ v: Value?, _ field: String) throws(SettingsError) -> String? {
        guard let v, !v.isNull else { return nil }
        guard let s = v.stringValue else { throw SettingsError("\(field): must be a string, not \(v.typeName)") }
        return s
    }

    /// `{name: value}`: a string is a string; a number, boolean, list or map is passed as the
    /// Jsonnet code of its JSON form; under `extCode`/`tlaCode` a string is Jsonnet code.
    private static func arguments(_ v: Value?, code: Bool, _ field: String) throws(SettingsError) -> [(
        name: String, value: JsonnetArgument
    )] {
        guard let v, !v.isNull else { return [] }
        guard let entries = v.objectValue?.entries else {
            throw SettingsError("\(field): must be a map of names to values")
        }
        var out: [(name: String, value: JsonnetArgument)] = []
        for e in entries {
            switch e.value {
            case .string(let s): out.append((e.key, code ? .code(s) : .string(s)))
            case .null: throw SettingsError("\(field).\(e.key): has no value")
            default:
                guard !code else { throw SettingsError("\(field).\(e.key): must be a string of Jsonnet code") }
                out.append((e.key, .code(e.value.jsonString)))
            }
        }
        return out
    }

    private static func scalarText(_ v: Value) -> String {
        switch v {
        case .int(let i): "\(i)"
        case .double(let d): "\(d)"
        case .bool(let b): b ? "true" : "false"
        default: v.stringValue ?? ""
        }
    }
}
