import PlumbCore

/// Kustomize, native: the kustomization in the path, every file read through `inputs` (so
/// SOPS files are decrypted before generators read them, and each read is recorded).
struct KustomizeRenderer: Renderer {
    var name: String { "kustomize" }

    func render(path: String, inputs: RenderInputs) throws(ManifestErrors) -> [(Value, SourceLocation)] {
        let output = try Kustomize.render(directory: path, snapshot: inputs.snapshot, read: { try inputs.read($0) })
        inputs.record(output.files)
        inputs.lookedAt(output.lookedAt)
        return output.documents
    }
}
