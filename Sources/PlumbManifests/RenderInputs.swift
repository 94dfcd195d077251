import PlumbCore

/// The one way a renderer reads the snapshot: symlinks are followed inside the repository,
/// SOPS-encrypted files are decrypted in memory, and every repository file read is recorded
/// (the input set the controller compares between commits). Not thread safe: one per render.
public final class RenderInputs {
    public let snapshot: any SnapshotReader
    /// Refuses files larger than this.
    public let maxFileSize: Int
    /// The keys SOPS-encrypted files are opened with.
    let keys: SopsKeys
    /// The repository paths read so far (as asked for, and the files symlinks led to).
    public private(set) var files: Set<String> = []
    /// Paths the render looked at without reading a file there (an import location tried, a
    /// kustomization name tried, a symlink followed): a file added there changes the render, so
    /// they are inputs, but not files the render was made from.
    public private(set) var lookedAt: Set<String> = []
    /// Values decrypted from SOPS files so far.
    public private(set) var secrets: Set<String> = []

    static let maxSymlinkDepth = 8

    init(snapshot: any SnapshotReader, maxFileSize: Int, keys: SopsKeys) {
        self.snapshot = snapshot
        self.maxFileSize = maxFileSize
        self.keys = keys
    }

    /// The content of the repository file at `path` (normalized, inside the repository),
    /// decrypted when it is a SOPS file and `decrypt` is true.
    public func read(_ path: String, decrypt: Bool = true) throws(ManifestError) -> [UInt8] {
        guard let start = RepoPath.normalize(path), !start.isEmpty else {
            throw ManifestError(file: path, message: "leaves the repository")
        }
        let entry = try resolve(start)
        let file = entry.path
        if entry.size > maxFileSize {
            throw ManifestError(
                file: path,
                message:
                    "file is \(formatByteSize(entry.size)), over the \(formatByteSize(maxFileSize)) limit (--max-file-size)"
            )
        }
        let bytes: [UInt8]
        do {
            bytes = try snapshot.read(file)
        } catch {
            throw ManifestError(file: path, message: "cannot read: \(error)")
        }
        files.insert(start)
        files.insert(file)
        guard decrypt else { return bytes }
        let (plain, secrets) = try RenderSops.decrypt(bytes, file: start, keys: keys)
        self.secrets.formUnion(secrets)
        return plain
    }

    /// Adds files a renderer read some other way (a kustomization's directories listed).
    func record(_ paths: Set<String>) {
        files.formUnion(paths.compactMap { RepoPath.normalize($0) }.filter { !$0.isEmpty })
    }

    /// Adds paths looked at without being read (see `lookedAt`).
    func lookedAt(_ paths: Set<String>) {
        lookedAt.formUnion(paths.compactMap { RepoPath.normalize($0) }.filter { !$0.isEmpty })
    }

    /// Whether `path` is a file (or a link to one) inside the repository.
    public func isFile(_ path: String) -> Bool {
        guard let p = RepoPath.normalize(path), !p.isEmpty else { return false }
        return (try? resolve(p)) != nil
    }

    /// Follows a symlink chain to a regular file inside the repository; its entry.
    func resolve(_ path: String) throws(ManifestError) -> SnapshotEntry {
        var current = path
        for _ in 0..<Self.maxSymlinkDepth {
            let entry: SnapshotEntry?
            do {
                entry = try snapshot.entry(current)
            } catch {
                throw ManifestError(file: path, message: "cannot read: \(error)")
            }
            guard let entry else {
                throw ManifestError(file: path, message: "no such file at revision \(snapshot.revisionName)")
            }
            switch entry.kind {
            case .file, .executable: return entry
            case .directory, .submodule: throw ManifestError(file: path, message: "is not a file")
            case .symlink:
                let target: String
                do {
                    target = String(decoding: try snapshot.read(current), as: UTF8.self)
                } catch {
                    throw ManifestError(file: path, message: "cannot read: \(error)")
                }
                let directory = RepoPath.parent(current)
                guard !target.hasPrefix("/"),
                    let next = RepoPath.normalize(directory.isEmpty ? target : directory + "/" + target),
                    !next.isEmpty
                else {
                    throw ManifestError(file: path, message: "symlink to \"\(target)\" leaves the repository")
                }
                files.insert(current)
                current = next
            }
        }
        throw ManifestError(file: path, message: "too many levels of symbolic links")
    }
}
