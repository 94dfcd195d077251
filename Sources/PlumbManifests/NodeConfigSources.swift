import PlumbCore

/// The `source:` files of NodeConfig objects, put inline as `content` at render time: a
/// NodeConfig applied to a cluster then carries its files (the node agent reads no
/// repository), and the files are inputs of the render like any other, so a commit changing
/// one re-renders the Application. A source is relative to the rendered path; a leading `/`
/// starts at the repository's root. Its bytes go in as they are in Git (no SOPS decryption:
/// a NodeConfig is not a Secret); they must be UTF-8 text.
enum NodeConfigSources {
    static let apiVersion = "plumb.dev/v1alpha1"
    static let kind = "NodeConfig"

    static func inline(
        _ documents: [(Value, SourceLocation)], path: String, inputs: RenderInputs
    ) throws(ManifestErrors) -> [(Value, SourceLocation)] {
        var errors: [ManifestError] = []
        var out = documents
        for index in out.indices {
            var (object, location) = out[index]
            guard object["apiVersion"]?.stringValue == apiVersion, object["kind"]?.stringValue == kind,
                var files = object[path: ["spec", "files"]]?.arrayValue
            else { continue }
            let name = object[path: ["metadata", "name"]]?.stringValue ?? ""
            var changed = false
            for (i, item) in files.enumerated() {
                guard let source = item["source"], item["content"] == nil || item["content"]?.isNull == true else { continue }
                func fail(_ message: String) {
                    errors.append(
                        ManifestError(
                            file: location.file, line: location.line, column: location.column,
                            message: "NodeConfig \(name): spec.files[\(i)].source: \(message)"))
                }
                guard let named = source.stringValue, !named.isEmpty else {
                    fail("must be a repository path")
                    continue
                }
                guard let file = resolve(named, from: path) else {
                    fail("\(named) leaves the repository")
                    continue
                }
                let bytes: [UInt8]
                do {
                    bytes = try inputs.read(file, decrypt: false)
                } catch {
                    fail("cannot read \(named): \(error.message)")
                    continue
                }
                guard let text = String(validating: bytes, as: UTF8.self) else {
                    fail("\(named) is not UTF-8 text (a NodeConfig carries text files)")
                    continue
                }
                var entry = item
                entry["source"] = nil
                entry["content"] = .string(text)
                files[i] = entry
                changed = true
            }
            if changed {
                object.setPath(["spec", "files"], .array(files))
                out[index] = (object, location)
            }
        }
        guard errors.isEmpty else { throw ManifestErrors(errors) }
        return out
    }

    /// `name` relative to `base` (a leading `/`: to the repository root), normalized; nil when
    /// it leaves the repository.
    static func resolve(_ name: String, from base: String) -> String? {
        var parts: [Substring] = name.hasPrefix("/") ? [] : base.split(separator: "/")
        for part in name.split(separator: "/") where part != "." {
            if part == ".." {
                guard !parts.isEmpty else { return nil }
                parts.removeLast()
            } else {
                parts.append(part)
            }
        }
        return parts.isEmpty ? nil : parts.joined(separator: "/")
    }
}
