import PlumbGit

/// A Git commit's tree as manifests see it, read from the object database.
public struct GitSnapshotReader: SnapshotReader {
    public let snapshot: GitSnapshot

    public init(_ snapshot: GitSnapshot) { self.snapshot = snapshot }

    public var revisionName: String { snapshot.commit.short }

    public func entries(under directory: String) throws -> [SnapshotEntry] {
        try snapshot.files(under: directory).map(SnapshotEntry.init)
    }

    public func entry(_ path: String) throws -> SnapshotEntry? {
        try snapshot.entry(path).map(SnapshotEntry.init)
    }

    public func read(_ path: String) throws -> [UInt8] {
        try snapshot.read(path)
    }
}

extension SnapshotEntry {
    init(_ entry: GitTreeEntry) {
        let kind: SnapshotEntryKind
        switch entry.mode {
        case .file: kind = .file
        case .executable: kind = .executable
        case .symlink: kind = .symlink
        case .submodule: kind = .submodule
        case .directory: kind = .directory
        }
        self.init(path: entry.path, kind: kind, size: entry.size ?? 0)
    }
}
