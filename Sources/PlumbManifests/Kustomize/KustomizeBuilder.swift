import PlumbCore
import PlumbYAML

/// Walks a kustomization tree the way kustomize's `KustTarget` does: resources, then
/// components, then generators, then the built-in transformers, level by level; content-hash
/// suffixes and name references are settled once at the top.
struct KustomizeBuilder<Snapshot: SnapshotReader> {
    let snapshot: Snapshot
    let read: (String) throws -> [UInt8]
    /// The repository files read.
    private(set) var filesRead: Set<String> = []
    /// Paths looked at without being read: symbolic links followed and kustomization file
    /// names tried before the one found (a new file there changes the render). A class, as
    /// the lookups are made from non-mutating methods.
    private let looked = LookedUp()
    /// The paths looked at where no file was read.
    var lookedAt: Set<String> { looked.paths.subtracting(filesRead) }

    final class LookedUp {
        var paths: Set<String> = []
    }

    init(snapshot: Snapshot, read: @escaping (String) throws -> [UInt8]) {
        self.snapshot = snapshot
        self.read = read
    }

    /// Renders the kustomization in `directory`.
    mutating func build(directory: String) throws(ManifestError) -> [KustomizeResource] {
        guard let file = try kustomizationFile(directory) else {
            throw ManifestError(
                file: directory.isEmpty ? "." : directory,
                message: "no kustomization.yaml, kustomization.yml or Kustomization in this folder")
        }
        var resources = try accumulate(file: file, stack: [], component: nil)
        KustomizeHash.addSuffixes(&resources)
        try KustomizeNameReference.fix(&resources)
        return resources
    }

    /// Reads a repository file through the caller, recording it as an input.
    mutating func readFile(_ path: String, for source: String) throws(ManifestError) -> [UInt8] {
        filesRead.insert(path)
        do {
            return try read(path)
        } catch {
            throw ManifestError(file: source, message: "cannot read \(path): \(error)")
        }
    }

    func kustomizationFile(_ directory: String) throws(ManifestError) -> String? {
        do {
            let found = try Kustomize.kustomizationFile(in: directory, snapshot: snapshot)
            for name in Kustomize.fileNames {
                let path = KustomizePath.join(directory, name)
                looked.paths.insert(path)
                if path == found { break }
            }
            return found
        } catch {
            throw ManifestError(file: directory.isEmpty ? "." : directory, message: "cannot list: \(error)")
        }
    }

    /// The kind of what is at a repository path, following symbolic links inside the repository.
    func entryKind(_ path: String) throws(ManifestError) -> (String, SnapshotEntryKind)? {
        var current = path
        for _ in 0..<16 {
            let entry: SnapshotEntry?
            do { entry = try snapshot.entry(current) } catch { throw ManifestError(file: current, message: "\(error)") }
            guard let entry else { return nil }
            guard entry.kind == .symlink else { return (current, entry.kind) }
            looked.paths.insert(current)
            let target: [UInt8]
            do { target = try snapshot.read(current) } catch { throw ManifestError(file: current, message: "\(error)") }
            guard
                let next = KustomizePath.resolve(KustomizePath.parent(current), String(decoding: target, as: UTF8.self))
            else {
                throw ManifestError(file: current, message: "symbolic link points outside the repository")
            }
            current = next
        }
        throw ManifestError(file: path, message: "too many levels of symbolic links")
    }

    /// Accumulates one kustomization (or, with `component`, applies a component to resources so far).
    mutating func accumulate(
        file: String, stack: [String], component: [KustomizeResource]?
    ) throws(ManifestError) -> [KustomizeResource] {
        if stack.contains(file) {
            throw ManifestError(
                file: file,
                message: "kustomizations include each other in a cycle: \((stack + [file]).joined(separator: " -> "))")
        }
        let stack = stack + [file]
        let k = try Kustomization.parse(path: file, bytes: try readFile(file, for: stack.first ?? file))
        if component != nil, !k.isComponent {
            throw ManifestError(
                file: file, message: "a folder in components must hold a kustomization of kind Component")
        }
        if component == nil, k.isComponent {
            throw ManifestError(file: file, message: "a Component may only be used in components, not in resources")
        }
        var list = component ?? []
        var seen: [String: SourceLocation] = [:]
        for r in list { seen[r.idKey] = r.location }
        for (entry, index, field) in k.resources {
            if KustomizePath.isRemote(entry) {
                throw k.text.error(
                    field, index: index,
                    "remote resource \"\(entry)\" is not supported: Plumb renders only what is in the repository")
            }
            guard let path = KustomizePath.resolve(k.directory, entry) else {
                throw k.text.error(field, index: index, "\"\(entry)\" is outside the repository")
            }
            guard let (real, kind) = try entryKind(path) else {
                throw k.text.error(field, index: index, "\"\(entry)\" does not exist")
            }
            var loaded: [KustomizeResource]
            switch kind {
            case .directory:
                guard let sub = try kustomizationFile(real) else {
                    throw k.text.error(field, index: index, "folder \"\(entry)\" holds no kustomization.yaml")
                }
                loaded = try accumulate(file: sub, stack: stack, component: nil)
            case .file, .executable:
                // kustomize reads resource files only in or below the kustomization's folder;
                // a folder elsewhere (a base) is fine.
                guard Self.isBelow(real, k.directory) else {
                    throw k.text.error(
                        field, index: index,
                        "file \"\(entry)\" is not in or below \(k.directory.isEmpty ? "the repository root" : k.directory) (use a kustomization folder)"
                    )
                }
                loaded = try loadObjects(real, for: file)
            case .symlink, .submodule:
                throw k.text.error(field, index: index, "\"\(entry)\" is a submodule, which Plumb does not follow")
            }
            for r in loaded {
                let key = r.idKey
                if let first = seen[key] {
                    throw k.text.error(
                        field, index: index, "\(r.label) is defined twice: first at \(first), again at \(r.location)")
                }
                seen[key] = r.location
                list.append(r)
            }
        }
        for (entry, index) in k.components {
            guard !KustomizePath.isRemote(entry) else {
                throw k.text.error("components", index: index, "remote component \"\(entry)\" is not supported")
            }
            guard let path = KustomizePath.resolve(k.directory, entry), let (real, kind) = try entryKind(path),
                kind == .directory, let sub = try kustomizationFile(real)
            else {
                throw k.text.error(
                    "components", index: index,
                    "\"\(entry)\" is not a folder of this repository holding a kustomization")
            }
            list = try accumulate(file: sub, stack: stack, component: list)
        }
        try runGenerators(k, &list)
        try runTransformers(k, &list)
        return list
    }

    /// The objects of a YAML or JSON resource file; `List` kinds stand for their items.
    mutating func loadObjects(_ path: String, for source: String) throws(ManifestError) -> [KustomizeResource] {
        let bytes = try readFile(path, for: source)
        let documents = try ManifestLoader.parse(bytes, file: path)
        var out: [KustomizeResource] = []
        for (value, location) in documents {
            for item in ManifestLoader.expandLists(value) {
                guard case .object = item else {
                    throw ManifestError(
                        file: location.file, line: location.line, column: location.column,
                        message: "a resource is a mapping, not \(item.typeName)")
                }
                guard item["kind"]?.stringValue?.isEmpty == false else {
                    throw ManifestError(
                        file: location.file, line: location.line, column: location.column, message: "missing kind")
                }
                guard item["metadata"]?["name"]?.stringValue?.isEmpty == false else {
                    throw ManifestError(
                        file: location.file, line: location.line, column: location.column,
                        message: "missing metadata.name")
                }
                out.append(KustomizeResource(value: item, location: location))
            }
        }
        return out
    }
}
