import PlumbCore
import PlumbYAML

/// A renderer plugin the operator declares (never the repository): a command that prints
/// YAML or JSON objects, run in a temporary export of the path.
///
/// ```yaml
/// plugins:
///   - name: helm
///     command: [sh, -c, 'helm template "$PLUMB_APP_NAME" . --namespace "$PLUMB_APP_NAMESPACE"']
///     detect: {glob: Chart.yaml}
///     env: [HELM_CACHE_HOME]
///     parameters: {values: values.yaml}
///     timeout: 60s
///     maxOutputBytes: 16Mi
///     network: false
/// ```
public struct RendererPlugin: Sendable, Equatable {
    public var name: String
    /// The argv; `argv[0]` is looked up on Plumb's PATH.
    public var command: [String]
    /// The path is rendered by this plugin when a file of it matches (a glob without `/`
    /// matches the files directly in the path).
    public var detect: Glob?
    /// Names of Plumb's environment variables passed on to the command.
    public var env: [String]
    /// The parameters the repository or the Application may set, with their defaults (nil:
    /// required), given to the command as `PARAM_<NAME>`.
    public var parameters: [Parameter]
    public var timeout: Duration
    public var maxOutputBytes: Int
    /// Whether the command keeps the host's network; false runs it in a network namespace of
    /// its own (no interface but loopback).
    public var network: Bool

    public struct Parameter: Sendable, Equatable {
        public var name: String
        public var defaultValue: String?
    }

    public static let defaultTimeout: Duration = .seconds(60)
    public static let defaultMaxOutputBytes = 16 << 20
    /// Names the built-in renderers take.
    public static let reservedNames: Set<String> = ["plain", "directory", "kustomize", "jsonnet", "plugin"]

    public init(
        name: String, command: [String], detect: Glob? = nil, env: [String] = [], parameters: [Parameter] = [],
        timeout: Duration = defaultTimeout, maxOutputBytes: Int = defaultMaxOutputBytes, network: Bool = false
    ) {
        self.name = name
        self.command = command
        self.detect = detect
        self.env = env
        self.parameters = parameters
        self.timeout = timeout
        self.maxOutputBytes = maxOutputBytes
        self.network = network
    }

    /// The environment variable a parameter is given as: `PARAM_` and the name in upper case,
    /// anything but letters and digits as `_` (Argo CD's convention).
    public static func variable(forParameter name: String) -> String {
        "PARAM_" + String(name.uppercased().map { $0.isASCII && ($0.isLetter || $0.isNumber) ? $0 : "_" })
    }
}

/// The operator's plugin file (`--plugin-config`).
public struct PluginConfig: Sendable, Equatable {
    public var plugins: [RendererPlugin]

    public init(plugins: [RendererPlugin] = []) { self.plugins = plugins }

    public static let none = PluginConfig()

    public func plugin(named name: String) -> RendererPlugin? { plugins.first { $0.name == name } }

    /// Parses a plugin file; errors name the file and the field (`plugins[0].timeout`).
    public static func parse(_ bytes: [UInt8], file: String) throws(SettingsError) -> PluginConfig {
        let documents: [YAMLDocument]
        do {
            documents = try YAML.parseDocuments(bytes, file: file)
        } catch {
            throw SettingsError("\(error)")
        }
        guard documents.count <= 1 else {
            throw SettingsError("\(file): one YAML document expected, found \(documents.count)")
        }
        guard let root = documents.first?.value, !root.isNull else { return PluginConfig() }
        guard let list = root["plugins"]?.arrayValue else { throw SettingsError("\(file): plugins: must be a list") }
        var plugins: [RendererPlugin] = []
        for (i, item) in list.enumerated() {
            let plugin = try parsePlugin(item, field: "\(file): plugins[\(i)]")
            if plugins.contains(where: { $0.name == plugin.name }) {
                throw SettingsError("\(file): plugins[\(i)].name: \"\(plugin.name)\" is declared twice")
            }
            plugins.append(plugin)
        }
        return PluginConfig(plugins: plugins)
    }

    static func parsePlugin(_ item: Value, field: String) throws(SettingsError) -> RendererPlugin {
        guard let object = item.objectValue else { throw SettingsError("\(field): must be an object") }
        let known: Set<String> = [
            "name", "command", "detect", "env", "parameters", "timeout", "maxOutputBytes", "network",
        ]
        for key in object.keys where !known.contains(key) {
            throw SettingsError(
                "\(field).\(key): unknown field (expected one of \(known.sorted().joined(separator: ", ")))")
        }
        guard let name = item["name"]?.stringValue, !name.isEmpty,
            name.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-") })
        else { throw SettingsError("\(field).name: required, lower-case letters, digits and '-'") }
        guard !RendererPlugin.reservedNames.contains(name) else {
            throw SettingsError("\(field).name: \"\(name)\" is a built-in renderer's name")
        }
        guard let argv = item["command"]?.arrayValue, !argv.isEmpty,
            case let command = argv.compactMap(\.stringValue), command.count == argv.count, !command[0].isEmpty
        else { throw SettingsError("\(field).command: must be a non-empty list of strings (the argv)") }
        var plugin = RendererPlugin(name: name, command: command)
        if let detect = item["detect"], !detect.isNull {
            guard let glob = detect["glob"]?.stringValue, !glob.isEmpty else {
                throw SettingsError("\(field).detect.glob: must be a file name glob such as Chart.yaml")
            }
            plugin.detect = Glob(glob)
        }
        if let env = item["env"], !env.isNull {
            guard let names = env.arrayValue?.compactMap(\.stringValue), names.count == env.arrayValue?.count else {
                throw SettingsError("\(field).env: must be a list of variable names")
            }
            for n in names
            where n.isEmpty || n.contains("=") || n == "HOME" || n.hasPrefix("PLUMB_") || n.hasPrefix("PARAM_") {
                throw SettingsError(
                    "\(field).env: \"\(n)\" cannot be passed on (HOME, PLUMB_* and PARAM_* are set by Plumb)")
            }
            plugin.env = names
        }
        if let params = item["parameters"], !params.isNull {
            guard let entries = params.objectValue?.entries else {
                throw SettingsError("\(field).parameters: must be a map of names to default values (null: required)")
            }
            for e in entries {
                switch e.value {
                case .null: plugin.parameters.append(.init(name: e.key, defaultValue: nil))
                case .string(let s): plugin.parameters.append(.init(name: e.key, defaultValue: s))
                case .int(let n): plugin.parameters.append(.init(name: e.key, defaultValue: "\(n)"))
                case .bool(let b): plugin.parameters.append(.init(name: e.key, defaultValue: b ? "true" : "false"))
                default: throw SettingsError("\(field).parameters.\(e.key): must be a string or null")
                }
            }
        }
        if let t = item["timeout"], !t.isNull {
            guard let text = t.stringValue, let d = parseDuration(text), d > .zero else {
                throw SettingsError("\(field).timeout: expected a duration such as 30s, 2m or 1m30s")
            }
            plugin.timeout = d
        }
        if let m = item["maxOutputBytes"], !m.isNull {
            let size = m.intValue.map(Int.init) ?? m.stringValue.flatMap(parseByteSize)
            guard let size, size > 0 else {
                throw SettingsError("\(field).maxOutputBytes: expected a size such as 16Mi or 1048576")
            }
            plugin.maxOutputBytes = size
        }
        if let n = item["network"], !n.isNull {
            guard let b = n.boolValue else { throw SettingsError("\(field).network: must be true or false") }
            plugin.network = b
        }
        return plugin
    }

    /// `90s`, `5m`, `1h`, `1m30s` or plain seconds.
    static func parseDuration(_ text: String) -> Duration? { DurationText.parse(text) }
}
