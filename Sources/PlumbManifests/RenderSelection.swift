import Foundation
import PlumbCore

/// Everything a render needs besides the snapshot.
public struct RenderOptions: Sendable {
    /// The path, its include/exclude globs and the file size limit.
    public var manifests: ManifestOptions
    /// The Application's `spec.source.render`: when set, it wins over the path's `.plumb.yaml`.
    public var settings: RenderSettings?
    /// The operator's plugins.
    public var plugins: PluginConfig
    /// The keys SOPS files are opened with.
    public var keys: SopsKeys
    public var context: RenderContext
    /// Plumb's environment, from which plugins get `PATH`, `LANG` and what they list in `env`.
    public var environment: [String: String]

    public init(
        manifests: ManifestOptions, settings: RenderSettings? = nil, plugins: PluginConfig = .none,
        keys: SopsKeys = .none,
        context: RenderContext, environment: [String: String] = ProcessInfo.processInfo.environment
    ) {
        self.manifests = manifests
        self.settings = settings
        self.plugins = plugins
        self.keys = keys
        self.context = context
        self.environment = environment
    }
}

/// Renders a path of a snapshot with the renderer it asks for: the one named by the
/// Application's `spec.source.render` or the path's `.plumb.yaml` `render:`, else the first of
/// a kustomization file → Kustomize, `*.jsonnet` files → Jsonnet, a plugin whose `detect` glob
/// matches → that plugin, else plain YAML/JSON.
public struct SourceRenderer {
    public let options: RenderOptions

    public init(options: RenderOptions) { self.options = options }

    /// The objects, the renderer's name and the files read; every problem is thrown together.
    public func render(from snapshot: some SnapshotReader) throws(ManifestErrors) -> RenderResult {
        guard let path = RepoPath.normalize(options.manifests.path) else {
            throw ManifestErrors([ManifestError(file: options.manifests.path, message: "path leaves the repository")])
        }
        let exists: Bool
        do {
            exists = try path.isEmpty || snapshot.entry(path)?.kind == .directory
        } catch {
            throw ManifestErrors([ManifestError(file: path, message: "cannot read: \(error)")])
        }
        guard exists else {
            throw ManifestErrors([
                ManifestError(file: path, message: "no such directory at revision \(snapshot.revisionName)")
            ])
        }
        let inputs = RenderInputs(snapshot: snapshot, maxFileSize: options.manifests.maxFileSize, keys: options.keys)
        var settings = options.settings
        if settings == nil { settings = try pathSettings(path, inputs: inputs) }
        let renderer = try select(path: path, settings: settings ?? RenderSettings(), inputs: inputs)
        let documents = try NodeConfigSources.inline(renderer.render(path: path, inputs: inputs), path: path, inputs: inputs)
        let resources = try ObjectBuilder.resources(documents)
        return RenderResult(
            desired: DesiredSet(resources: resources, files: inputs.files.sorted()), renderer: renderer.name,
            secrets: inputs.secrets, lookedAt: inputs.lookedAt.subtracting(inputs.files))
    }

    /// The `render:` of the path's `.plumb.yaml`, read (and recorded) like any input.
    func pathSettings(_ path: String, inputs: RenderInputs) throws(ManifestErrors) -> RenderSettings? {
        let file = path.isEmpty ? ".plumb.yaml" : path + "/.plumb.yaml"
        guard inputs.isFile(file) else { return nil }
        do {
            let bytes = try inputs.read(file, decrypt: false)
            return try RenderSettings.from(plumbYAML: bytes, file: file)
        } catch let error as ManifestError {
            throw ManifestErrors([error])
        } catch let error as SettingsError {
            let text = error.description
            let message = text.hasPrefix(file + ": ") ? String(text.dropFirst(file.count + 2)) : text
            throw ManifestErrors([ManifestError(file: file, message: message)])
        } catch {
            throw ManifestErrors([ManifestError(file: file, message: "\(error)")])
        }
    }

    /// The renderer the settings name, or the one the path's files call for.
    func select(path: String, settings: RenderSettings, inputs: RenderInputs) throws(ManifestErrors) -> any Renderer {
        switch settings.kind {
        case .plain: return PlainRenderer(options: options.manifests)
        case .kustomize: return KustomizeRenderer()
        case .jsonnet: return JsonnetRenderer(settings: settings)
        case .plugin(let name):
            guard let plugin = options.plugins.plugin(named: name) else {
                let known = options.plugins.plugins.map(\.name)
                throw ManifestErrors([
                    ManifestError(
                        file: path.isEmpty ? "." : path,
                        message:
                            "render: plugin \"\(name)\" is not declared by the operator (declared: \(known.isEmpty ? "none" : known.joined(separator: ", ")); see --plugin-config)"
                    )
                ])
            }
            return PluginRenderer(
                plugin: plugin, settings: settings, context: options.context, environment: options.environment)
        case nil:
            return try detect(path: path, settings: settings, inputs: inputs)
        }
    }

    func detect(path: String, settings: RenderSettings, inputs: RenderInputs) throws(ManifestErrors) -> any Renderer {
        let snapshot = inputs.snapshot
        let kustomization: String?
        let entries: [SnapshotEntry]
        do {
            kustomization = try Kustomize.kustomizationFile(in: path, snapshot: snapshot)
            entries = try snapshot.entries(under: path)
        } catch {
            throw ManifestErrors([ManifestError(file: path.isEmpty ? "." : path, message: "cannot read: \(error)")])
        }
        if kustomization != nil { return KustomizeRenderer() }
        if settings.entry != nil || !JsonnetRenderer.entries(in: path, snapshot: snapshot).isEmpty {
            return JsonnetRenderer(settings: settings)
        }
        let relative = entries.map { path.isEmpty ? $0.path : String($0.path.dropFirst(path.count + 1)) }
        for plugin in options.plugins.plugins {
            guard let glob = plugin.detect else { continue }
            let nested = glob.pattern.contains("/")
            if relative.contains(where: { (nested || !$0.contains("/")) && glob.matches($0) }) {
                return PluginRenderer(
                    plugin: plugin, settings: settings, context: options.context, environment: options.environment)
            }
        }
        return PlainRenderer(options: options.manifests)
    }
}
