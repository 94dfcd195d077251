import PlumbCore
import PlumbYAML

/// One kustomization file, read and checked: every field Plumb renders, in kustomize's types.
struct Kustomization {
    struct Target {
        var group: String?
        var version: String?
        var kind: String?
        var name: String?
        var namespace: String?
        var labelSelector: String?
        var annotationSelector: String?
    }

    struct Patch {
        var index: Int
        var field: String
        /// A repository path of a patch file, or nil for an inline patch.
        var path: String?
        /// The inline patch text.
        var inline: String?
        var target: Target?
        /// patchesJson6902 entries are always JSON patches.
        var forceJSON: Bool
    }

    struct Image {
        var name: String
        var newName: String?
        var newTag: String?
        var digest: String?
    }

    struct LabelSet {
        var pairs: [(String, String)]
        var includeSelectors: Bool
        var includeTemplates: Bool
    }

    struct Options {
        var labels: [(String, String)] = []
        var annotations: [(String, String)] = []
        var disableNameSuffixHash: Bool?
        var immutable: Bool?
    }

    struct Generator {
        var index: Int
        var field: String
        var name: String
        var namespace: String?
        var behavior: String
        var files: [String]
        var literals: [String]
        var envs: [String]
        var type: String?
        var options: Options?
    }

    var path: String
    var directory: String
    var text: KustomizationText
    var isComponent: Bool
    var resources: [(String, Int, String)] = []  // entry, index, field
    var components: [(String, Int)] = []
    var namespace: String?
    var namePrefix: String?
    var nameSuffix: String?
    var commonLabels: [(String, String)] = []
    var labels: [LabelSet] = []
    var commonAnnotations: [(String, String)] = []
    var images: [Image] = []
    var replicas: [(String, Int64, Int)] = []
    /// `patchesStrategicMerge` then `patches`, the order kustomize applies them in.
    var patches: [Patch] = []
    var patchesJson6902: [Patch] = []
    var generators: [Generator] = []
    var generatorOptions: Options?

    /// Fields Plumb knows; anything else is an error naming it.
    static let knownFields: Set<String> = [
        "apiVersion", "kind", "metadata", "resources", "bases", "components", "namespace", "namePrefix", "nameSuffix",
        "commonLabels", "labels", "commonAnnotations", "images", "replicas", "patches", "patchesStrategicMerge",
        "patchesJson6902", "configMapGenerator", "secretGenerator", "generatorOptions", "sortOptions",
    ]

    /// Kustomize fields Plumb refuses, with the reason given to the user.
    static let refusedFields: [String: String] = [
        "crds": "custom resource schemas for transformers are not supported",
        "configurations": "custom transformer configurations are not supported",
        "vars": "vars are not supported (kustomize deprecated them; use replacements in a plugin renderer)",
        "replacements": "replacements are not supported by Plumb's native Kustomize renderer",
        "generators": "generator plugins are not supported (use a renderer plugin)",
        "transformers": "transformer plugins are not supported (use a renderer plugin)",
        "validators": "validator plugins are not supported",
        "helmCharts": "Helm charts are not rendered by Kustomize in Plumb (use a renderer plugin)",
        "helmGlobals": "Helm charts are not rendered by Kustomize in Plumb (use a renderer plugin)",
        "helmChartInflationGenerator": "Helm charts are not rendered by Kustomize in Plumb (use a renderer plugin)",
        "openapi": "custom OpenAPI schemas are not supported",
        "buildMetadata": "buildMetadata annotations are not supported",
        "imageTags": "imageTags is not supported; use images",
    ]

    /// Reads and checks the kustomization file at `path`.
    static func parse(path: String, bytes: [UInt8]) throws(ManifestError) -> Kustomization {
        let text = KustomizationText(file: path, bytes: bytes)
        let documents: [YAMLDocument]
        do {
            documents = try YAML.parseDocuments(bytes, file: path)
        } catch {
            throw ManifestError(error.located)
        }
        guard documents.count <= 1 else {
            throw ManifestError(
                file: path, message: "a kustomization file holds one YAML document, this one has \(documents.count)")
        }
        let root = documents.first?.value ?? .object(ValueObject())
        guard case .object(let object) = root else {
            throw ManifestError(
                file: path, line: 1, column: 1, message: "a kustomization is a mapping, not \(root.typeName)")
        }
        var k = Kustomization(
            path: path, directory: KustomizePath.parent(path), text: text,
            isComponent: object["kind"]?.stringValue == "Component")
        let p = FieldReader(text: text)
        for entry in object {
            if let reason = refusedFields[entry.key] {
                throw text.error(entry.key, reason)
            }
            guard knownFields.contains(entry.key) else {
                throw text.error(entry.key, "unknown kustomization field")
            }
        }
        if let kind = object["kind"], !kind.isNull {
            guard let s = kind.stringValue, s == "Kustomization" || s == "Component" else {
                throw text.error("kind", "must be Kustomization or Component")
            }
        }
        // kustomize refuses a kind with another apiVersion than its own.
        let apiVersion = object["apiVersion"]?.stringValue ?? ""
        let kind = object["kind"]?.stringValue ?? ""
        if kind == "Component", apiVersion != "kustomize.config.k8s.io/v1alpha1" {
            throw text.error("apiVersion", "a Component's apiVersion must be kustomize.config.k8s.io/v1alpha1")
        }
        if kind == "Kustomization", !apiVersion.isEmpty, apiVersion != "kustomize.config.k8s.io/v1beta1" {
            throw text.error("apiVersion", "a Kustomization's apiVersion must be kustomize.config.k8s.io/v1beta1")
        }
        for field in ["resources", "bases"] {
            for (i, item) in try p.list(object[field], field).enumerated() {
                k.resources.append((try p.string(item, field, i), i, field))
            }
        }
        for (i, item) in try p.list(object["components"], "components").enumerated() {
            k.components.append((try p.string(item, "components", i), i))
        }
        k.namespace = try p.optionalString(object["namespace"], "namespace")
        k.namePrefix = try p.optionalString(object["namePrefix"], "namePrefix")
        k.nameSuffix = try p.optionalString(object["nameSuffix"], "nameSuffix")
        k.commonLabels = try p.stringMap(object["commonLabels"], "commonLabels")
        k.commonAnnotations = try p.stringMap(object["commonAnnotations"], "commonAnnotations")
        for (i, item) in try p.list(object["labels"], "labels").enumerated() {
            let o = try p.object(
                item, "labels", i, allowed: ["pairs", "includeSelectors", "includeTemplates", "fields"])
            if o["fields"] != nil {
                throw text.error("labels", index: i, sub: "fields", "custom label field specs are not supported")
            }
            k.labels.append(
                LabelSet(
                    pairs: try p.stringMap(o["pairs"], "labels", i, "pairs"),
                    includeSelectors: try p.bool(o["includeSelectors"], "labels", i, "includeSelectors") ?? false,
                    includeTemplates: try p.bool(o["includeTemplates"], "labels", i, "includeTemplates") ?? false))
        }
        for (i, item) in try p.list(object["images"], "images").enumerated() {
            let o = try p.object(item, "images", i, allowed: ["name", "newName", "newTag", "digest", "tagSuffix"])
            if o["tagSuffix"] != nil { throw text.error("images", index: i, sub: "tagSuffix", "is not supported") }
            guard let name = try p.scalarString(o["name"], "images", i, "name"), !name.isEmpty else {
                throw text.error("images", index: i, sub: "name", "is required")
            }
            k.images.append(
                Image(
                    name: name, newName: try p.scalarString(o["newName"], "images", i, "newName"),
                    newTag: try p.scalarString(o["newTag"], "images", i, "newTag"),
                    digest: try p.scalarString(o["digest"], "images", i, "digest")))
        }
        for (i, item) in try p.list(object["replicas"], "replicas").enumerated() {
            let o = try p.object(item, "replicas", i, allowed: ["name", "count"])
            guard let name = o["name"]?.stringValue else {
                throw text.error("replicas", index: i, sub: "name", "is required")
            }
            guard let count = o["count"]?.intValue else {
                throw text.error("replicas", index: i, sub: "count", "must be an integer")
            }
            k.replicas.append((name, count, i))
        }
        if let g = object["generatorOptions"], !g.isNull {
            k.generatorOptions = try p.options(g, "generatorOptions", nil)
        }
        for field in ["configMapGenerator", "secretGenerator"] {
            for (i, item) in try p.list(object[field], field).enumerated() {
                let allowed: Set<String> = [
                    "name", "namespace", "behavior", "files", "literals", "envs", "env", "options", "type",
                ]
                let o = try p.object(
                    item, field, i, allowed: field == "secretGenerator" ? allowed : allowed.subtracting(["type"]))
                guard let name = o["name"]?.stringValue, !name.isEmpty else {
                    throw text.error(field, index: i, sub: "name", "is required")
                }
                let behavior = try p.scalarString(o["behavior"], field, i, "behavior") ?? "create"
                guard ["create", "merge", "replace"].contains(behavior) else {
                    throw text.error(
                        field, index: i, sub: "behavior", "must be create, merge or replace, not \"\(behavior)\"")
                }
                var envs = try p.list(o["envs"], field, i, "envs").map { v throws(ManifestError) in
                    try p.string(v, field, i, "envs")
                }
                if let env = try p.scalarString(o["env"], field, i, "env"), !env.isEmpty { envs.insert(env, at: 0) }
                k.generators.append(
                    Generator(
                        index: i, field: field, name: name,
                        namespace: try p.scalarString(o["namespace"], field, i, "namespace"),
                        behavior: behavior,
                        files: try p.list(o["files"], field, i, "files").map { v throws(ManifestError) in
                            try p.string(v, field, i, "files")
                        },
                        literals: try p.list(o["literals"], field, i, "literals").map { v throws(ManifestError) in
                            try p.string(v, field, i, "literals")
                        },
                        envs: envs, type: try p.scalarString(o["type"], field, i, "type"),
                        options: try o["options"].map { v throws(ManifestError) in try p.options(v, field, i) }))
            }
        }
        for (i, item) in try p.list(object["patchesStrategicMerge"], "patchesStrategicMerge").enumerated() {
            let s = try p.string(item, "patchesStrategicMerge", i)
            let inline = s.contains("\n") || s.hasPrefix("{")
            k.patches.append(
                Patch(
                    index: i, field: "patchesStrategicMerge", path: inline ? nil : s, inline: inline ? s : nil,
                    target: nil, forceJSON: false))
        }
        for field in ["patches", "patchesJson6902"] {
            for (i, item) in try p.list(object[field], field).enumerated() {
                var allowed: Set<String> = ["path", "patch", "target"]
                if field == "patches" { allowed.insert("options") }
                let o = try p.object(item, field, i, allowed: allowed)
                if case .object(let opts)? = o["options"] {
                    for e in opts where e.value.boolValue != false {
                        throw p.fail(field, i, "options.\(e.key)", "is not supported")
                    }
                }
                let path = try p.scalarString(o["path"], field, i, "path")
                let inline = try p.scalarString(o["patch"], field, i, "patch")
                guard (path == nil) != (inline == nil) else {
                    throw p.fail(field, i, nil, "needs exactly one of path and patch")
                }
                var target: Target?
                if let t = o["target"], !t.isNull {
                    let to = try p.object(
                        t, field, i,
                        allowed: [
                            "group", "version", "kind", "name", "namespace", "labelSelector", "annotationSelector",
                        ],
                        prefix: "target")
                    func s(_ key: String) throws(ManifestError) -> String? {
                        try p.scalarString(to[key], field, i, "target.\(key)")
                    }
                    target = Target(
                        group: try s("group"), version: try s("version"), kind: try s("kind"), name: try s("name"),
                        namespace: try s("namespace"), labelSelector: try s("labelSelector"),
                        annotationSelector: try s("annotationSelector"))
                } else if field == "patchesJson6902" {
                    throw p.fail(field, i, "target", "is required")
                }
                let patch = Patch(
                    index: i, field: field, path: path, inline: inline, target: target,
                    forceJSON: field == "patchesJson6902")
                if field == "patches" { k.patches.append(patch) } else { k.patchesJson6902.append(patch) }
            }
        }
        return k
    }
}

/// Reads typed values out of a kustomization, with errors at the field.
struct FieldReader {
    let text: KustomizationText

    func fail(_ field: String, _ index: Int?, _ sub: String?, _ message: String) -> ManifestError {
        text.error(field, index: index, sub: sub, message)
    }

    func list(_ v: Value?, _ field: String, _ index: Int? = nil, _ sub: String? = nil) throws(ManifestError) -> [Value]
    {
        guard let v, !v.isNull else { return [] }
        guard let a = v.arrayValue else { throw fail(field, index, sub, "must be a list, not \(v.typeName)") }
        return a
    }

    func string(_ v: Value, _ field: String, _ index: Int, _ sub: String? = nil) throws(ManifestError) -> String {
        guard let s = Self.scalar(v) else { throw fail(field, index, sub, "must be a string, not \(v.typeName)") }
        return s
    }

    func optionalString(_ v: Value?, _ field: String) throws(ManifestError) -> String? {
        guard let v, !v.isNull else { return nil }
        guard let s = Self.scalar(v) else { throw fail(field, nil, nil, "must be a string, not \(v.typeName)") }
        return s
    }

    func scalarString(_ v: Value?, _ field: String, _ index: Int?, _ sub: String?) throws(ManifestError) -> String? {
        guard let v, !v.isNull else { return nil }
        guard let s = Self.scalar(v) else { throw fail(field, index, sub, "must be a string, not \(v.typeName)") }
        return s
    }

    func bool(_ v: Value?, _ field: String, _ index: Int?, _ sub: String?) throws(ManifestError) -> Bool? {
        guard let v, !v.isNull else { return nil }
        guard let b = v.boolValue else { throw fail(field, index, sub, "must be true or false, not \(v.typeName)") }
        return b
    }

    func object(
        _ v: Value, _ field: String, _ index: Int, allowed: Set<String>, prefix: String? = nil
    ) throws(ManifestError) -> ValueObject {
        guard case .object(let o) = v else { throw fail(field, index, prefix, "must be a mapping, not \(v.typeName)") }
        for key in o.keys where !allowed.contains(key) {
            throw fail(field, index, prefix.map { "\($0).\(key)" } ?? key, "unknown field")
        }
        return o
    }

    func stringMap(_ v: Value?, _ field: String, _ index: Int? = nil, _ sub: String? = nil) throws(ManifestError) -> [(
        String, String
    )] {
        guard let v, !v.isNull else { return [] }
        guard case .object(let o) = v else { throw fail(field, index, sub, "must be a mapping, not \(v.typeName)") }
        var out: [(String, String)] = []
        for e in o {
            guard let s = Self.scalar(e.value) else {
                throw fail(
                    field, index, sub.map { "\($0).\(e.key)" } ?? e.key, "must be a string, not \(e.value.typeName)")
            }
            out.append((e.key, s))
        }
        return out
    }

    func options(_ v: Value, _ field: String, _ index: Int?) throws(ManifestError) -> Kustomization.Options {
        guard case .object(let o) = v else {
            throw fail(field, index, index == nil ? nil : "options", "must be a mapping")
        }
        let sub = index == nil ? "" : "options."
        for key in o.keys where !["labels", "annotations", "disableNameSuffixHash", "immutable"].contains(key) {
            throw fail(field, index, sub + key, "unknown field")
        }
        return Kustomization.Options(
            labels: try stringMap(o["labels"], field, index, sub + "labels"),
            annotations: try stringMap(o["annotations"], field, index, sub + "annotations"),
            disableNameSuffixHash: try bool(o["disableNameSuffixHash"], field, index, sub + "disableNameSuffixHash"),
            immutable: try bool(o["immutable"], field, index, sub + "immutable"))
    }

    /// A string field's value. Like kustomize (which reads a kustomization as JSON into Go
    /// types), `1` or `true` where a string belongs is an error: quote them.
    static func scalar(_ v: Value) -> String? {
        v.stringValue
    }
}
