import ArgumentParser
import Foundation
import PlumbManifests

/// How paths are rendered: the operator's renderer plugins and the keys SOPS files open with.
/// Plugins come from this file only, never from the repository.
struct RendererFlags: ParsableArguments {
    @Option(help: "A YAML file of renderer plugins (name, command, detect glob, ...); see docs/renderers.md.")
    var pluginConfig: String?

    @Option(
        help:
            "An age identity file for SOPS-encrypted files (repeatable; SOPS_AGE_KEY_FILE and SOPS_AGE_KEY are read too)."
    )
    var sopsAgeKeyFile: [String] = []

    @Option(help: "The GnuPG home for SOPS files encrypted to PGP keys (default $GNUPGHOME).")
    var sopsGnupghome: String?

    /// The plugin file, parsed; no file: no plugins.
    func plugins() throws -> PluginConfig {
        guard let file = pluginConfig else { return .none }
        guard let data = FileManager.default.contents(atPath: file) else {
            throw CLIError("--plugin-config \(file): cannot read the file")
        }
        do {
            return try PluginConfig.parse([UInt8](data), file: file)
        } catch {
            throw CLIError(error.description)
        }
    }

    /// The SOPS keys from the flags and the environment.
    func sopsKeys() throws -> SopsKeys {
        do {
            return try SopsKeys.fromEnvironment(
                ProcessInfo.processInfo.environment, ageKeyFiles: sopsAgeKeyFile, gnupgHome: sopsGnupghome,
                readFile: { path in
                    guard let data = FileManager.default.contents(atPath: path) else {
                        throw CLIError("no such file or not readable")
                    }
                    return [UInt8](data)
                })
        } catch {
            throw CLIError(error.description)
        }
    }

    /// What a render of `path` needs, for the app `app` in `namespace`.
    func renderOptions(_ manifests: ManifestOptions, app: String, namespace: String = "default") throws -> RenderOptions
    {
        RenderOptions(
            manifests: manifests, plugins: try plugins(), keys: try sopsKeys(),
            context: RenderContext(appName: app, appNamespace: namespace))
    }
}
