import Foundation
import PlumbCore
import PlumbYAML

/// Runs an operator-declared plugin on a temporary export of the path (written from the
/// snapshot, removed afterwards) and reads its stdout as YAML or JSON objects.
struct PluginRenderer: Renderer {
    let plugin: RendererPlugin
    let settings: RenderSettings
    let context: RenderContext
    /// Plumb's own environment, from which `PATH`, `LANG` and the plugin's `env` are taken.
    let environment: [String: String]
    var name: String { plugin.name }

    func render(path: String, inputs: RenderInputs) throws(ManifestErrors) -> [(Value, SourceLocation)] {
        do {
            return try renderOne(path: path, inputs: inputs)
        } catch {
            throw ManifestErrors([error])
        }
    }

    func renderOne(path: String, inputs: RenderInputs) throws(ManifestError) -> [(Value, SourceLocation)] {
        let parameters = try parameterValues(path: path)
        let root = try PluginExport.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let source = root + "/src"
        let home = root + "/home"
        do {
            try FileManager.default.createDirectory(atPath: source, withIntermediateDirectories: false)
            try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: false)
        } catch {
            throw ManifestError(file: path, message: "plugin \(name): cannot make its directory: \(error)")
        }
        try PluginExport.write(path: path, inputs: inputs, to: source)

        var env = [
            "PATH=" + (environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"), "HOME=" + home,
            "LANG=" + (environment["LANG"] ?? "C.UTF-8"), "PLUMB_APP_NAME=" + context.appName,
            "PLUMB_APP_NAMESPACE=" + context.appNamespace, "PLUMB_REVISION=" + context.revision,
            "PLUMB_PATH=" + (path.isEmpty ? "." : path),
        ]
        for variable in plugin.env { if let v = environment[variable] { env.append("\(variable)=\(v)") } }
        for (k, v) in parameters { env.append("\(RendererPlugin.variable(forParameter: k))=\(v)") }

        var argv = plugin.command
        if !plugin.network {
            guard let prefix = NetworkNamespace.prefix else {
                throw ManifestError(
                    file: path,
                    message:
                        "plugin \(name): network: false, but no network namespace can be made here (unshare -n failed); "
                        + "give the process CAP_SYS_ADMIN or user namespaces, or set network: true for this plugin")
            }
            argv = prefix + argv
        }
        let outcome = try PluginProcess.run(
            argv, environment: env, directory: source, timeout: plugin.timeout, maxOutput: plugin.maxOutputBytes)
        let stderr = Self.oneLine(outcome.stderr)
        if outcome.timedOut {
            throw ManifestError(
                file: path, message: "plugin \(name): timed out after \(Self.text(plugin.timeout)), killed\(stderr)")
        }
        if outcome.overflow {
            throw ManifestError(
                file: path,
                message:
                    "plugin \(name): output over the \(formatByteSize(plugin.maxOutputBytes)) limit (maxOutputBytes), killed"
            )
        }
        if let signal = outcome.signal {
            throw ManifestError(file: path, message: "plugin \(name): killed by signal \(signal)\(stderr)")
        }
        if let status = outcome.status, status != 0 {
            throw ManifestError(file: path, message: "plugin \(name): exit status \(status)\(stderr)")
        }
        return try Self.parse(outcome.stdout, file: "\(path.isEmpty ? "." : path) (plugin \(name) output)")
    }

    /// The declared parameters with the values the settings give, defaults otherwise.
    func parameterValues(path: String) throws(ManifestError) -> [(String, String)] {
        for (k, _) in settings.parameters where !plugin.parameters.contains(where: { $0.name == k }) {
            let declared = plugin.parameters.map(\.name).joined(separator: ", ")
            throw ManifestError(
                file: path,
                message:
                    "render.parameters.\(k): plugin \(name) declares no such parameter (it has: \(declared.isEmpty ? "none" : declared))"
            )
        }
        var out: [(String, String)] = []
        for p in plugin.parameters {
            guard let value = settings.parameters.last(where: { $0.name == p.name })?.value ?? p.defaultValue else {
                throw ManifestError(file: path, message: "render.parameters.\(p.name): plugin \(name) requires it")
            }
            out.append((p.name, value))
        }
        return out
    }

    /// stdout as objects: JSON when it starts with `{` or `[`, YAML documents otherwise.
    static func parse(_ bytes: [UInt8], file: String) throws(ManifestError) -> [(Value, SourceLocation)] {
        let first = bytes.first { !($0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09) }
        if first == UInt8(ascii: "{") || first == UInt8(ascii: "[") {
            let value: Value
            do {
                value = try JSONReader().parse(bytes)
            } catch let e as JSONReader.ParseError {
                throw ManifestError(file: file, line: e.line, column: e.column, message: e.message)
            } catch {
                throw ManifestError(file: file, message: "\(error)")
            }
            var out: [(Value, SourceLocation)] = []
            try JsonnetOutput.objects(
                value, at: "", into: &out, location: SourceLocation(file: file, line: 1, column: 1))
            return out
        }
        do {
            return try YAML.parseDocuments(bytes, file: file).map { ($0.value, $0.location) }
        } catch {
            throw ManifestError(error.located)
        }
    }

    /// `: <stderr on one line>` (its last 2 KiB), or nothing when stderr is empty.
    static func oneLine(_ bytes: [UInt8]) -> String {
        var text = String(decoding: bytes.suffix(2048), as: UTF8.self)
        text = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter {
            !$0.isEmpty
        }
        .joined(separator: "; ")
        return text.isEmpty ? "" : ": " + text
    }

    static func text(_ d: Duration) -> String {
        let s = d.components.seconds
        return s % 60 == 0 && s >= 60 ? "\(s / 60)m" : "\(s)s"
    }
}

/// `unshare -n` (as root) or `unshare -rn` (with user namespaces), whichever works here.
enum NetworkNamespace {
    static let prefix: [String]? = {
        for candidate in [["unshare", "--net", "--"], ["unshare", "--map-root-user", "--net", "--"]] {
            let outcome = try? PluginProcess.run(
                candidate + ["true"],
                environment: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
                directory: "/", timeout: .seconds(10), maxOutput: 4096)
            if outcome?.status == 0 { return candidate }
        }
        return nil
    }()
}
