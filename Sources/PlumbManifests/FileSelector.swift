import PlumbCore

/// A manifest file chosen for reading: its path in the repository and, for a symlink, the
/// path of the file it points to.
struct SelectedFile: Sendable, Equatable {
    var path: String
    var readPath: String
}

/// Picks the manifest files below a path: extensions, hidden files, globs, symlinks and sizes.
struct FileSelector {
    let options: ManifestOptions
    static let extensions = [".yaml", ".yml", ".json"]
    static let maxSymlinkDepth = 8

    func select(in snapshot: some SnapshotReader) throws -> [SelectedFile] {
        guard let root = RepoPath.normalize(options.path) else {
            throw ManifestErrors([ManifestError(file: options.path, message: "path leaves the repository")])
        }
        guard try root.isEmpty || snapshot.entry(root)?.kind == .directory else {
            throw ManifestErrors([
                ManifestError(
                    file: root, message: "no such directory at revision \(snapshot.revisionName)")
            ])
        }
        var errors: [ManifestError] = []
        var selected: [SelectedFile] = []
        for entry in try snapshot.entries(under: root) {
            let relative = root.isEmpty ? entry.path : String(entry.path.dropFirst(root.count + 1))
            guard wanted(relative) else { continue }
            switch entry.kind {
            case .submodule, .directory:
                continue
            case .file, .executable:
                if entry.size > options.maxFileSize {
                    errors.append(tooLarge(entry.path, entry.size))
                } else {
                    selected.append(SelectedFile(path: entry.path, readPath: entry.path))
                }
            case .symlink:
                do {
                    let target = try resolveLink(entry.path, in: snapshot)
                    if target.size > options.maxFileSize {
                        errors.append(tooLarge(entry.path, target.size))
                    } else {
                        selected.append(SelectedFile(path: entry.path, readPath: target.path))
                    }
                } catch let e as ManifestError {
                    errors.append(e)
                }
            }
        }
        if !errors.isEmpty { throw ManifestErrors(errors) }
        return selected.sorted { $0.path < $1.path }
    }

    /// Extension, hidden files and the include/exclude globs, on the path below `--path`.
    func wanted(_ relative: String) -> Bool {
        guard FileSelector.extensions.contains(where: { relative.hasSuffix($0) }) else { return false }
        if relative.split(separator: "/").contains(where: { $0.hasPrefix(".") }) { return false }
        if !options.include.isEmpty && !options.include.contains(where: { $0.matches(relative) }) { return false }
        if options.exclude.contains(where: { $0.matches(relative) }) { return false }
        return true
    }

    private func tooLarge(_ path: String, _ size: Int) -> ManifestError {
        ManifestError(
            file: path,
            message:
                "file is \(formatByteSize(size)), over the \(formatByteSize(options.maxFileSize)) limit (--max-file-size)")
    }

    /// Follows a symlink chain to a regular file inside the repository.
    private func resolveLink(_ path: String, in snapshot: some SnapshotReader) throws -> SnapshotEntry {
        var current = path
        for _ in 0..<FileSelector.maxSymlinkDepth {
            let target = String(decoding: try readOrFail(current, snapshot), as: UTF8.self)
            let directory = RepoPath.parent(current)
            guard !target.hasPrefix("/"),
                let resolved = RepoPath.normalize(directory.isEmpty ? target : directory + "/" + target)
            else {
                throw ManifestError(file: path, message: "symlink to \"\(target)\" leaves the repository")
            }
            guard let entry = try snapshot.entry(resolved) else {
                throw ManifestError(file: path, message: "symlink to \"\(target)\": no such file")
            }
            switch entry.kind {
            case .file, .executable: return entry
            case .symlink: current = resolved
            case .submodule, .directory:
                throw ManifestError(file: path, message: "symlink to \"\(target)\" is not a file")
            }
        }
        throw ManifestError(file: path, message: "too many levels of symbolic links")
    }

    private func readOrFail(_ path: String, _ snapshot: some SnapshotReader) throws -> [UInt8] {
        do { return try snapshot.read(path) } catch {
            throw ManifestError(file: path, message: "cannot read: \(error)")
        }
    }
}

/// Repository-relative paths: `/`-separated, no leading `./`, no `..` above the root.
enum RepoPath {
    /// The normal form of a relative path, or nil when it climbs above the root or is absolute.
    static func normalize(_ path: String) -> String? {
        if path.hasPrefix("/") { return nil }
        var parts: [Substring] = []
        for part in path.split(separator: "/", omittingEmptySubsequences: true) {
            switch part {
            case ".": continue
            case "..":
                if parts.isEmpty { return nil }
                parts.removeLast()
            default: parts.append(part)
            }
        }
        return parts.joined(separator: "/")
    }

    static func parent(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "" }
        return String(path[..<slash])
    }
}
