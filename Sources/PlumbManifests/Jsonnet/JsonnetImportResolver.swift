/// Finds what a Jsonnet `import`, `importstr` or `importbin` names, in the snapshot only: next
/// to the importing file first, then in the library folders (the right-most first, as the
/// `jsonnet` CLI's `-J`). An import that leaves the repository is refused, naming the import.
final class JsonnetImportResolver {
    let inputs: RenderInputs
    /// Library folders, repository paths.
    let jpath: [String]
    /// The VM whose allocator returned buffers use; set by `JsonnetVM`.
    var vm: OpaquePointer?

    init(inputs: RenderInputs, jpath: [String]) {
        self.inputs = inputs
        self.jpath = jpath
    }

    /// The repository path and content of the imported file.
    func resolve(base: String, import rel: String) -> Result<(String, String), JsonnetEvaluationError> {
        if rel.hasPrefix("/") {
            return .failure(JsonnetEvaluationError(message: "import \"\(rel)\" leaves the repository (absolute path)"))
        }
        var candidates = [base.isEmpty ? rel : base.hasSuffix("/") ? base + rel : base + "/" + rel]
        candidates += jpath.reversed().map { $0.isEmpty ? rel : $0 + "/" + rel }
        for candidate in candidates {
            guard let path = RepoPath.normalize(candidate), !path.isEmpty else {
                return .failure(JsonnetEvaluationError(message: "import \"\(rel)\" leaves the repository"))
            }
            guard inputs.isFile(path) else {
                // A file added here later would be imported instead: an input too.
                inputs.lookedAt([path])
                continue
            }
            do {
                let bytes = try inputs.read(path)
                return .success((path, String(decoding: bytes, as: UTF8.self)))
            } catch {
                return .failure(JsonnetEvaluationError(message: error.description))
            }
        }
        return .failure(JsonnetEvaluationError(message: "no match in the repository or in the library folders (jpath)"))
    }
}
