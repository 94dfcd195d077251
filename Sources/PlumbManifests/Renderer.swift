import PlumbCore

/// Who a render is for, as plugins see it (`PLUMB_APP_NAME`, `PLUMB_REVISION`, ...).
public struct RenderContext: Sendable, Equatable {
    /// The app's name (`web`).
    public var appName: String
    /// The namespace of objects that name none.
    public var appNamespace: String
    /// The full commit SHA being rendered.
    public var revision: String

    public init(appName: String, appNamespace: String = "default", revision: String = "") {
        self.appName = appName
        self.appNamespace = appNamespace
        self.revision = revision
    }
}

/// One renderer: turns a path of a snapshot into documents, reading every file through `inputs`.
protocol Renderer {
    /// The name results, sync lines and audit records give (`plain`, `kustomize`, `jsonnet`, `helm`).
    var name: String { get }
    /// The documents of `path` (normalized, "" for the root), each with where it came from.
    func render(path: String, inputs: RenderInputs) throws(ManifestErrors) -> [(Value, SourceLocation)]
}

/// What a render produced: the objects, the renderer that made them and the files it read.
public struct RenderResult: Sendable {
    /// The objects; `desired.files` is the sorted set of repository files the render read.
    public var desired: DesiredSet
    /// `plain`, `kustomize`, `jsonnet` or a plugin's name.
    public var renderer: String
    /// Values decrypted from SOPS files: secrets wherever they appear afterwards.
    public var secrets: Set<String>

    /// Paths looked at without a file read there (see `RenderInputs.lookedAt`).
    public var lookedAt: Set<String>

    public init(desired: DesiredSet, renderer: String, secrets: Set<String> = [], lookedAt: Set<String> = []) {
        self.desired = desired
        self.renderer = renderer
        self.secrets = secrets
        self.lookedAt = lookedAt
    }

    /// Every path the render depends on: the files it read and the paths it looked at.
    public var inputs: Set<String> { Set(desired.files).union(lookedAt) }
}

/// Builds resources from rendered documents: `kind: List` expanded, each object checked, an
/// object defined twice refused with both places.
enum ObjectBuilder {
    static func resources(_ documents: [(Value, SourceLocation)]) throws(ManifestErrors) -> [Resource] {
        var errors: [ManifestError] = []
        var resources: [Resource] = []
        var firstDefinition: [ObjectIdentity: SourceLocation] = [:]
        for (value, location) in documents {
            for item in ManifestLoader.expandLists(value) {
                let resource: Resource
                do {
                    resource = try Resource(item, source: location)
                } catch {
                    errors.append(
                        ManifestError(
                            file: location.file, line: location.line, column: location.column, message: error.message))
                    continue
                }
                if !resource.name.isEmpty {
                    let id = resource.ref.identity
                    if let first = firstDefinition[id] {
                        errors.append(
                            ManifestError(
                                file: location.file, line: location.line, column: location.column,
                                message: "\(resource.ref) is defined twice: first at \(first), again here"))
                        continue
                    }
                    firstDefinition[id] = location
                }
                resources.append(resource)
            }
        }
        if !errors.isEmpty { throw ManifestErrors(errors) }
        return resources
    }
}
