import PlumbCore

/// Plain manifests: every `*.yaml`, `*.yml` and `*.json` file below the path (the include and
/// exclude globs applied), each document an object.
struct PlainRenderer: Renderer {
    let options: ManifestOptions
    var name: String { "plain" }

    func render(path: String, inputs: RenderInputs) throws(ManifestErrors) -> [(Value, SourceLocation)] {
        var selection = options
        selection.path = path
        let files: [SelectedFile]
        do {
            files = try FileSelector(options: selection).select(in: inputs.snapshot)
        } catch let e as ManifestErrors {
            throw e
        } catch {
            throw ManifestErrors([ManifestError(file: path, message: "\(error)")])
        }
        var errors: [ManifestError] = []
        var documents: [(Value, SourceLocation)] = []
        for file in files {
            do {
                let bytes = try inputs.read(file.path)
                documents += try ManifestLoader.parse(bytes, file: file.path)
            } catch {
                errors.append(error)
            }
        }
        if !errors.isEmpty { throw ManifestErrors(errors) }
        return documents
    }
}
