import PlumbCore

/// What a file in a snapshot is.
public enum SnapshotEntryKind: Sendable, Equatable {
    case file
    case executable
    /// A symbolic link; its target is read with `SnapshotReader.read`.
    case symlink
    /// A Git submodule: a commit of another repository, never followed.
    case submodule
    case directory
}

/// One file of a snapshot, by its path from the repository root.
public struct SnapshotEntry: Sendable, Equatable {
    public var path: String
    public var kind: SnapshotEntryKind
    public var size: Int

    public init(path: String, kind: SnapshotEntryKind, size: Int) {
        self.path = path
        self.kind = kind
        self.size = size
    }
}

/// Read access to one revision of a repository: the boundary between manifests and their
/// source (a Git commit in production, an in-memory tree in tests).
public protocol SnapshotReader {
    /// A short name for the revision, used in messages (`3f9c2ab`).
    var revisionName: String { get }
    /// Every file (not directory) below `directory` ("" for the root), recursively.
    func entries(under directory: String) throws -> [SnapshotEntry]
    /// The entry at `path` (a file, link, submodule or directory), or nil when there is none.
    func entry(_ path: String) throws -> SnapshotEntry?
    /// The bytes of a file, or the target of a symlink.
    func read(_ path: String) throws -> [UInt8]
}
