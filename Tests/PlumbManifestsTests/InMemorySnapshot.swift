import PlumbManifests

/// A snapshot held in memory: files, symlinks and submodules by path.
struct InMemorySnapshot: SnapshotReader {
    enum Item {
        case file(String)
        case symlink(String)
        case submodule
    }

    var items: [String: Item]
    var revisionName: String { "test" }

    init(_ items: [String: Item]) { self.items = items }

    func entries(under directory: String) throws -> [SnapshotEntry] {
        items.compactMap { path, item in
            guard directory.isEmpty || path.hasPrefix(directory + "/") else { return nil }
            switch item {
            case .file(let text): return SnapshotEntry(path: path, kind: .file, size: text.utf8.count)
            case .symlink(let target): return SnapshotEntry(path: path, kind: .symlink, size: target.utf8.count)
            case .submodule: return SnapshotEntry(path: path, kind: .submodule, size: 0)
            }
        }.sorted { $0.path < $1.path }
    }

    func entry(_ path: String) throws -> SnapshotEntry? {
        if let found = try entries(under: "").first(where: { $0.path == path }) { return found }
        let isDirectory = items.keys.contains { $0.hasPrefix(path + "/") }
        return isDirectory ? SnapshotEntry(path: path, kind: .directory, size: 0) : nil
    }

    func read(_ path: String) throws -> [UInt8] {
        switch items[path] {
        case .file(let text)?: return Array(text.utf8)
        case .symlink(let target)?: return Array(target.utf8)
        default: throw NotFound(path: path)
        }
    }

    struct NotFound: Error, CustomStringConvertible {
        var path: String
        var description: String { "\(path): not found" }
    }
}
