import PlumbCore
import PlumbYAML

/// Turns a directory of a snapshot into a `DesiredSet`: every `*.yaml`, `*.yml` and `*.json`
/// below it, recursively and in sorted order, hidden files skipped.
public struct ManifestLoader: Sendable {
    public let options: ManifestOptions

    public init(options: ManifestOptions) { self.options = options }

    /// Loads the desired set, or throws every problem found (nothing is half-loaded).
    public func load(from snapshot: some SnapshotReader) throws(ManifestErrors) -> DesiredSet {
        var errors: [ManifestError] = []
        let files: [SelectedFile]
        do {
            files = try FileSelector(options: options).select(in: snapshot)
        } catch let e as ManifestErrors {
            throw e
        } catch {
            throw ManifestErrors([ManifestError(file: options.path, message: "\(error)")])
        }

        var documents: [(Value, SourceLocation)] = []
        for file in files {
            let bytes: [UInt8]
            do {
                bytes = try snapshot.read(file.readPath)
            } catch {
                errors.append(ManifestError(file: file.path, message: "cannot read: \(error)"))
                continue
            }
            do {
                documents += try ManifestLoader.parse(bytes, file: file.path)
            } catch {
                errors.append(error)
            }
        }
        var resources: [Resource] = []
        do {
            resources = try ObjectBuilder.resources(documents)
        } catch {
            errors += error.errors
        }
        if !errors.isEmpty { throw ManifestErrors(errors) }
        return DesiredSet(resources: resources, files: files.map(\.path))
    }

    /// Parses one file: JSON for `*.json`, YAML (possibly several documents) otherwise.
    static func parse(_ bytes: [UInt8], file: String) throws(ManifestError) -> [(Value, SourceLocation)] {
        if file.hasSuffix(".json") {
            do {
                let value = try JSONReader().parse(bytes)
                return [(value, SourceLocation(file: file, line: 1, column: 1))]
            } catch let e as JSONReader.ParseError {
                throw ManifestError(file: file, line: e.line, column: e.column, message: e.message)
            } catch {
                throw ManifestError(file: file, message: "\(error)")
            }
        }
        do {
            return try YAML.parseDocuments(bytes, file: file).map { ($0.value, $0.location) }
        } catch {
            throw ManifestError(error.located)
        }
    }

    /// `kind: List` and other `*List` documents stand for their items.
    static func expandLists(_ value: Value) -> [Value] {
        guard let kind = value["kind"]?.stringValue, kind.hasSuffix("List"),
            let items = value["items"]?.arrayValue
        else { return [value] }
        return items.flatMap(expandLists)
    }
}
