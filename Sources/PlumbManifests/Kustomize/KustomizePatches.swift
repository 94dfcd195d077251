import PlumbCore
import PlumbYAML

/// patches, patchesStrategicMerge and patchesJson6902: a YAML/JSON list of operations is a
/// JSON 6902 patch, anything else strategic merge patches (one per document).
extension KustomizeBuilder {
    mutating func applyPatch(_ p: Kustomization.Patch, _ k: Kustomization, _ list: inout [KustomizeResource])
        throws(ManifestError)
    {
        func fail(_ message: String, sub: String? = nil) -> ManifestError {
            k.text.error(p.field, index: p.index, sub: sub, message)
        }
        let file: String
        let bytes: [UInt8]
        if let path = p.path {
            guard let resolved = KustomizePath.resolve(k.directory, path), Self.isBelow(resolved, k.directory) else {
                throw fail(
                    "\"\(path)\" is not in or below \(k.directory.isEmpty ? "the repository root" : k.directory)",
                    sub: p.field == "patchesStrategicMerge" ? nil : "path")
            }
            guard let (real, kind) = try entryKind(resolved), kind == .file || kind == .executable else {
                throw fail(
                    "\"\(path)\" is not a file of the repository",
                    sub: p.field == "patchesStrategicMerge" ? nil : "path")
            }
            file = real
            bytes = try readFile(real, for: k.path)
        } else {
            file = k.path
            bytes = Array((p.inline ?? "").utf8)
        }
        let documents: [(Value, SourceLocation)]
        do {
            documents = try ManifestLoader.parse(bytes, file: file)
        } catch {
            throw p.path == nil ? fail("the inline patch is not valid YAML: \(error.message)", sub: "patch") : error
        }
        let selector: KustomizeSelector?
        do {
            selector = try p.target.map { t throws(KustomizeSelector.Invalid) in try KustomizeSelector(t) }
        } catch {
            throw fail(error.message)
        }
        let isJSON = p.forceJSON || (documents.count == 1 && documents[0].0.arrayValue != nil)
        if isJSON {
            guard documents.count == 1, let ops = documents[0].0.arrayValue else {
                throw fail("a JSON 6902 patch is a list of operations")
            }
            guard let selector else { throw fail("is required for a JSON 6902 patch", sub: "target") }
            for i in list.indices where selector.matches(list[i]) {
                do {
                    list[i].value = try KustomizeJSONPatch.apply(ops, to: list[i].value)
                    // kustomize round-trips the object through JSON: no node is shared any more.
                    list[i].links = []
                } catch {
                    throw fail("\(list[i].label): \(error.message)")
                }
            }
            return
        }
        for (patch, location) in documents {
            guard case .object = patch else {
                throw ManifestError(
                    file: location.file, line: location.line, column: location.column,
                    message: "a strategic merge patch is a mapping, not \(patch.typeName)")
            }
            var targets: [Int]
            if let selector {
                targets = list.indices.filter { selector.matches(list[$0]) }
            } else {
                let kind = patch["kind"]?.stringValue ?? ""
                let apiVersion = patch["apiVersion"]?.stringValue ?? ""
                guard let name = patch["metadata"]?["name"]?.stringValue, !kind.isEmpty else {
                    throw ManifestError(
                        file: location.file, line: location.line, column: location.column,
                        message: "a patch without a target needs kind and metadata.name")
                }
                let ns = patch["metadata"]?["namespace"]?.stringValue
                targets = list.indices.filter { i in
                    let r = list[i]
                    guard r.kind == kind, apiVersion.isEmpty || r.apiVersion == apiVersion else { return false }
                    let ids = r.previousIds + [(r.name, r.namespace)]
                    return ids.contains { id in
                        id.name == name && (ns == nil || KustomizeResource.sameNamespace(id.namespace, ns!))
                    }
                }
                guard !targets.isEmpty else {
                    throw ManifestError(
                        file: location.file, line: location.line, column: location.column,
                        message:
                            "no object matches this patch (\(apiVersion) \(kind) \(ns.map { $0 + "/" } ?? "")\(name))")
                }
                guard targets.count == 1 else {
                    throw ManifestError(
                        file: location.file, line: location.line, column: location.column,
                        message:
                            "this patch matches \(targets.count) objects: \(targets.map { list[$0].label }.joined(separator: ", "))"
                    )
                }
            }
            var deleted: Set<Int> = []
            for i in targets {
                let r = list[i]
                guard var patched = KustomizeStrategicMerge.apply(r.value, patch) else {
                    deleted.insert(i)
                    continue
                }
                patched.setPath(["metadata", "name"], .string(r.name))
                patched["kind"] = .string(r.kind)
                if r.namespace.isEmpty {
                    if case .object(var m)? = patched["metadata"], m["namespace"] != nil {
                        _ = m.removeValue(forKey: "namespace")
                        patched["metadata"] = .object(m)
                    }
                } else {
                    patched.setPath(["metadata", "namespace"], .string(r.namespace))
                }
                let before = list[i].value
                list[i].value = patched
                list[i].propagateChanges(from: before)
            }
            if !deleted.isEmpty {
                list = list.enumerated().filter { !deleted.contains($0.offset) }.map(\.element)
            }
        }
    }
}
