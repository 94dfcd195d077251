import Foundation
import PlumbCore

/// Jsonnet through libjsonnet: each entry file (every `*.jsonnet` directly in the path, or the
/// one `render.entry` names) is evaluated with the external variables and top-level arguments
/// of the settings; its output is one object, an array of them, a `kind: List`, or a map of
/// objects (kube-prometheus style, nested maps flattened in key order).
struct JsonnetRenderer: Renderer {
    var settings: RenderSettings
    var name: String { "jsonnet" }

    func render(path: String, inputs: RenderInputs) throws(ManifestErrors) -> [(Value, SourceLocation)] {
        let entries = try entryFiles(path: path, inputs: inputs)
        var jpath: [String] = []
        for folder in settings.jpath {
            guard let p = RepoPath.normalize(path.isEmpty ? folder : path + "/" + folder) else {
                throw ManifestErrors([
                    ManifestError(file: path, message: "render.jpath: \"\(folder)\" leaves the repository")
                ])
            }
            jpath.append(p)
        }
        var errors: [ManifestError] = []
        var documents: [(Value, SourceLocation)] = []
        for entry in entries {
            do {
                documents += try evaluate(entry, jpath: jpath, inputs: inputs)
            } catch {
                errors.append(error)
            }
        }
        if !errors.isEmpty { throw ManifestErrors(errors) }
        return documents
    }

    /// The named entry, or every `*.jsonnet` file directly in the path, sorted.
    func entryFiles(path: String, inputs: RenderInputs) throws(ManifestErrors) -> [String] {
        if let entry = settings.entry {
            guard let file = RepoPath.normalize(path.isEmpty ? entry : path + "/" + entry) else {
                throw ManifestErrors([
                    ManifestError(file: path, message: "render.entry: \"\(entry)\" leaves the repository")
                ])
            }
            guard inputs.isFile(file) else {
                throw ManifestErrors([
                    ManifestError(
                        file: file, message: "render.entry: no such file at revision \(inputs.snapshot.revisionName)")
                ])
            }
            return [file]
        }
        let files = JsonnetRenderer.entries(in: path, snapshot: inputs.snapshot)
        if files.isEmpty {
            throw ManifestErrors([ManifestError(file: path, message: "no *.jsonnet entry file in the path")])
        }
        return files
    }

    /// The `*.jsonnet` files directly in `directory`, hidden files skipped, sorted.
    static func entries(in directory: String, snapshot: some SnapshotReader) -> [String] {
        guard let all = try? snapshot.entries(under: directory) else { return [] }
        return all.filter { e in
            let relative = directory.isEmpty ? e.path : String(e.path.dropFirst(directory.count + 1))
            return !relative.contains("/") && !relative.hasPrefix(".") && relative.hasSuffix(".jsonnet")
                && e.kind != .directory && e.kind != .submodule
        }.map(\.path).sorted()
    }

    func evaluate(_ entry: String, jpath: [String], inputs: RenderInputs) throws(ManifestError) -> [(
        Value, SourceLocation
    )] {
        let code = String(decoding: try inputs.read(entry), as: UTF8.self)
        let resolver = JsonnetImportResolver(inputs: inputs, jpath: jpath)
        let vm = JsonnetVM(resolver: resolver)
        for (name, value) in settings.extVars { vm.extVar(name, value) }
        for (name, value) in settings.tlas { vm.tla(name, value) }
        let json: String
        switch vm.evaluate(file: entry, code: code) {
        case .success(let text): json = text
        case .failure(let error): throw JsonnetRenderer.located(error.message, entry: entry)
        }
        let value: Value
        do {
            value = try JSONReader().parse(json)
        } catch {
            throw ManifestError(file: entry, message: "output is not JSON: \(error)")
        }
        let location = SourceLocation(file: entry, line: 1, column: 1)
        var out: [(Value, SourceLocation)] = []
        try JsonnetOutput.objects(value, at: "", into: &out, location: location)
        return out
    }

    /// libjsonnet's error as one located error: `RUNTIME ERROR: msg\n\tapps/x/main.jsonnet:3:5-9 ...`
    /// or `STATIC ERROR: apps/x/main.jsonnet:3:5: msg` become `apps/x/main.jsonnet:3:5: msg`,
    /// with the rest of the trace kept after it.
    static func located(_ text: String, entry: String) -> ManifestError {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: true).map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        var message = lines.first ?? text
        for prefix in ["RUNTIME ERROR: ", "STATIC ERROR: "] where message.hasPrefix(prefix) {
            message.removeFirst(prefix.count)
        }
        // A static error starts with its place; a runtime error's place is the first trace line.
        var place: String?
        if let colon = message.range(of: ": "), parsePlace(String(message[..<colon.lowerBound])) != nil {
            place = String(message[..<colon.lowerBound])
            message = String(message[colon.upperBound...])
        } else if let first = lines.dropFirst().first {
            let candidate = String(first.split(whereSeparator: { $0 == " " || $0 == "\t" }).first ?? "")
            if parsePlace(candidate) != nil { place = candidate }
        }
        let trace = lines.dropFirst().filter { !$0.isEmpty }.map { $0.replacingOccurrences(of: "\t", with: " ") }
        if !trace.isEmpty { message += " (" + trace.joined(separator: "; ") + ")" }
        if let place, let (file, line, column) = parsePlace(place) {
            return ManifestError(file: file, line: line, column: column, message: message)
        }
        return ManifestError(file: entry, message: message)
    }

    /// `file:3:5`, `file:3:5-9` or `file:(3:5)-(4:2)` as file, line and column.
    static func parsePlace(_ text: String) -> (String, Int, Int)? {
        var t = Substring(text)
        if let paren = t.range(of: ":(") {
            let file = String(t[..<paren.lowerBound])
            let rest = t[paren.upperBound...].prefix { $0 != ")" }.split(separator: ":")
            guard rest.count == 2, let l = Int(rest[0]), let c = Int(rest[1]) else { return nil }
            return (file, l, c)
        }
        if let dash = t.lastIndex(of: "-"), t[t.index(after: dash)...].allSatisfy(\.isNumber) { t = t[..<dash] }
        let parts = t.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count >= 3, let c = Int(parts[parts.count - 1]), let l = Int(parts[parts.count - 2]) else {
            return nil
        }
        return (parts.dropLast(2).joined(separator: ":"), l, c)
    }
}
