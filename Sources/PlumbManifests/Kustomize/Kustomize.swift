import PlumbCore

/// The objects a kustomization renders to, and every repository path the render depends on.
public struct KustomizeOutput: Sendable {
    /// The rendered objects, each with the repository file (and line and column) it came from.
    public var documents: [(Value, SourceLocation)]
    /// The repository files passed to `read`.
    public var files: Set<String>
    /// Paths looked at without a file read there: symbolic links followed, and kustomization
    /// file names tried before the one found (a file added there changes the render).
    public var lookedAt: Set<String>
    /// Every repository path the render depends on.
    public var inputs: Set<String> { files.union(lookedAt) }

    public init(documents: [(Value, SourceLocation)], files: Set<String>, lookedAt: Set<String>) {
        self.documents = documents
        self.files = files
        self.lookedAt = lookedAt.subtracting(files)
    }
}

/// A native Kustomize renderer: `kubectl kustomize` semantics for resources, components,
/// generators, patches and the built-in transformers, reading only from the snapshot.
public enum Kustomize {
    /// The kustomization file names, in the order kustomize looks for them.
    public static let fileNames = ["kustomization.yaml", "kustomization.yml", "Kustomization"]

    /// Whether `directory` (a repository path, "" = root) holds kustomization.yaml / .yml / Kustomization.
    public static func kustomizationFile(in directory: String, snapshot: some SnapshotReader) throws -> String? {
        for name in fileNames {
            let path = KustomizePath.join(directory, name)
            if let entry = try snapshot.entry(path), entry.kind != .directory, entry.kind != .submodule {
                return path
            }
        }
        return nil
    }

    /// Renders the kustomization in `directory`. `read` returns a repository file's bytes (the caller
    /// decrypts SOPS files in it); every path passed to `read` is added to `files`.
    public static func render(
        directory: String, snapshot: some SnapshotReader,
        read: (String) throws -> [UInt8]
    ) throws(ManifestErrors) -> KustomizeOutput {
        let result = withoutActuallyEscaping(read) { read -> Result<KustomizeOutput, ManifestError> in
            var builder = KustomizeBuilder(snapshot: snapshot, read: read)
            do throws(ManifestError) {
                let resources = try builder.build(directory: KustomizePath.clean(directory))
                return .success(
                    KustomizeOutput(
                        documents: resources.map { ($0.value, $0.location) }, files: builder.filesRead,
                        lookedAt: builder.lookedAt))
            } catch {
                return .failure(error)
            }
        }
        switch result {
        case .success(let output): return output
        case .failure(let error): throw ManifestErrors([error])
        }
    }
}
