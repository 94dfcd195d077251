import PlumbCore

/// The built-in transformers of one kustomization, in kustomize's order: strategic merge
/// patches, patches, namespace, prefix, suffix, labels, annotations, JSON 6902 patches,
/// replicas, images.
extension KustomizeBuilder {
    mutating func runTransformers(_ k: Kustomization, _ list: inout [KustomizeResource]) throws(ManifestError) {
        for patch in k.patches { try applyPatch(patch, k, &list) }
        if let ns = k.namespace, !ns.isEmpty { try KustomizeTransform.namespace(ns, &list, k) }
        KustomizeTransform.prefixSuffix(prefix: k.namePrefix ?? "", &list, isPrefix: true)
        KustomizeTransform.prefixSuffix(prefix: k.nameSuffix ?? "", &list, isPrefix: false)
        for i in list.indices {
            do {
                try KustomizeMapSetter.apply(k.commonLabels, specs: KustomizeFieldSpecs.commonLabels, to: &list[i])
                for set in k.labels {
                    let specs: [KustomizeFieldSpec]
                    if set.includeSelectors {
                        specs = KustomizeFieldSpecs.commonLabels
                    } else if set.includeTemplates {
                        specs = KustomizeFieldSpecs.metadataLabels
                    } else {
                        specs = [KustomizeFieldSpec("metadata/labels", create: true)]
                    }
                    try KustomizeMapSetter.apply(set.pairs, specs: specs, to: &list[i])
                }
                try KustomizeMapSetter.apply(
                    k.commonAnnotations, specs: KustomizeFieldSpecs.commonAnnotations, to: &list[i])
            } catch {
                throw ManifestError(file: k.path, message: "\(error.file): \(error.message)")
            }
        }
        for patch in k.patchesJson6902 { try applyPatch(patch, k, &list) }
        for (name, count, index) in k.replicas {
            var found = false
            for i in list.indices where list[i].allNames.contains(name) {
                for spec in KustomizeFieldSpecs.replicas where spec.selects(list[i]) {
                    found = true
                    try spec.visit(&list[i].value) { (node: inout Value) throws(ManifestError) in node = .int(count) }
                }
            }
            guard found else {
                throw k.text.error(
                    "replicas", index: index, sub: "name",
                    "no Deployment, ReplicationController, ReplicaSet or StatefulSet is named \"\(name)\"")
            }
        }
        if !k.images.isEmpty {
            for i in list.indices { KustomizeImages.apply(k.images, to: &list[i].value) }
        }
    }
}

enum KustomizeTransform {
    /// Sets `metadata.namespace` of namespaced objects; renames v1 Namespace objects; updates
    /// the namespace of role binding subjects named `default`, webhook and API services.
    static func namespace(_ ns: String, _ list: inout [KustomizeResource], _ k: Kustomization) throws(ManifestError) {
        for i in list.indices {
            list[i].previousIds.append((list[i].name, list[i].namespace))
            if !list[i].isClusterScoped {
                list[i].value.setPath(["metadata", "namespace"], .string(ns))
            }
            if list[i].kind == "Namespace", list[i].apiVersion == "v1" {
                list[i].value.setPath(["metadata", "name"], .string(ns))
            }
            if list[i].kind == "RoleBinding" || list[i].kind == "ClusterRoleBinding",
                case .array(var subjects)? = list[i].value["subjects"]
            {
                for j in subjects.indices where subjects[j]["name"]?.stringValue == "default" {
                    subjects[j]["namespace"] = .string(ns)
                }
                list[i].value["subjects"] = .array(subjects)
            }
            let specs = [
                KustomizeFieldSpec(
                    "spec/service/namespace", group: "apiregistration.k8s.io", kind: "APIService", create: true),
                KustomizeFieldSpec(
                    "spec/conversion/webhook/clientConfig/service/namespace", group: "apiextensions.k8s.io",
                    kind: "CustomResourceDefinition"),
            ]
            for spec in specs where spec.selects(list[i]) {
                try spec.visit(&list[i].value) { (node: inout Value) throws(ManifestError) in node = .string(ns) }
            }
        }
        var seen: Set<String> = []
        for r in list where !seen.insert(r.idKey).inserted {
            throw ManifestError(file: k.path, message: "namespace: \(r.label) would be defined twice")
        }
    }

    /// namePrefix or nameSuffix: every object but CustomResourceDefinitions, APIServices and
    /// Namespaces, remembering the affix (references are scoped by it).
    static func prefixSuffix(prefix affix: String, _ list: inout [KustomizeResource], isPrefix: Bool) {
        for i in list.indices {
            let r = list[i]
            if r.kind == "CustomResourceDefinition" || r.kind == "Namespace"
                || (r.kind == "APIService" && r.group == "apiregistration.k8s.io")
            {
                continue
            }
            if isPrefix { list[i].prefixes.append(affix) } else { list[i].suffixes.append(affix) }
            guard !affix.isEmpty else { continue }
            list[i].previousIds.append((r.name, r.namespace))
            list[i].value.setPath(["metadata", "name"], .string(isPrefix ? affix + r.name : r.name + affix))
        }
    }
}

/// `images`: new names, tags and digests for container images, in every `containers` and
/// `initContainers` list of any object (kustomize's legacy image filter walks the whole object).
enum KustomizeImages {
    static func apply(_ images: [Kustomization.Image], to value: inout Value) {
        switch value {
        case .object(var o):
            value = .null
            for key in o.keys {
                guard var child = o[key] else { continue }
                if key == "containers" || key == "initContainers", case .array(var items) = child {
                    for i in items.indices {
                        if case .string(let image)? = items[i]["image"] {
                            items[i]["image"] = .string(update(image, images))
                        }
                    }
                    child = .array(items)
                }
                apply(images, to: &child)
                o[key] = child
            }
            value = .object(o)
        case .array(var a):
            value = .null
            for i in a.indices { apply(images, to: &a[i]) }
            value = .array(a)
        default:
            break
        }
    }

    static func update(_ image: String, _ images: [Kustomization.Image]) -> String {
        var current = image
        for spec in images where matches(current, spec.name) {
            var (name, tag, digest) = split(current)
            if let n = spec.newName, !n.isEmpty { name = n }
            let newTag = spec.newTag ?? ""
            let newDigest = spec.digest ?? ""
            if !newTag.isEmpty && !newDigest.isEmpty {
                tag = newTag
                digest = newDigest
            } else if !newTag.isEmpty {
                tag = newTag
                digest = ""
            } else if !newDigest.isEmpty {
                tag = ""
                digest = newDigest
            }
            current = name + (tag.isEmpty ? "" : ":" + tag) + (digest.isEmpty ? "" : "@" + digest)
            break
        }
        return current
    }

    /// kustomize's `IsImageMatched`: the name (a regular expression, as kustomize uses it)
    /// followed by an optional tag and an optional sha256 digest.
    static func matches(_ image: String, _ name: String) -> Bool {
        let special: Set<Character> = ["\\", "^", "$", "|", "?", "*", "+", "(", ")", "[", "]", "{", "}"]
        guard name.contains(where: { special.contains($0) }) else { return matchesPlain(image, name) }
        guard let re = try? Regex("^" + name + "(:[a-zA-Z0-9_.{}-]*)?(@sha256:[a-zA-Z0-9_.{}-]*)?$") else {
            return false
        }
        return (try? re.wholeMatch(in: image)) != nil
    }

    /// The same match for a name whose only regular expression character is `.` (any character).
    private static func matchesPlain(_ image: String, _ name: String) -> Bool {
        var i = image.unicodeScalars.startIndex
        let scalars = image.unicodeScalars
        for c in name.unicodeScalars {
            guard i < scalars.endIndex, c == "." || scalars[i] == c else { return false }
            i = scalars.index(after: i)
        }
        func isTagScalar(_ s: Unicode.Scalar) -> Bool {
            (s >= "a" && s <= "z") || (s >= "A" && s <= "Z") || (s >= "0" && s <= "9")
                || "_.{}-".unicodeScalars.contains(s)
        }
        if i < scalars.endIndex, scalars[i] == ":" {
            i = scalars.index(after: i)
            while i < scalars.endIndex, isTagScalar(scalars[i]) { i = scalars.index(after: i) }
        }
        let rest = String(scalars[i...])
        if rest.isEmpty { return true }
        guard rest.hasPrefix("@sha256:") else { return false }
        return rest.dropFirst(8).unicodeScalars.allSatisfy(isTagScalar)
    }

    /// kustomize's `image.Split`: name, tag and digest, ignoring a registry's port.
    static func split(_ image: String) -> (String, String, String) {
        let chars = Array(image)
        var slash = chars.firstIndex(of: "/") ?? 0
        if slash < 0 { slash = 0 }
        let search = Array(chars[slash...])
        let at = search.firstIndex(of: "@").map { $0 + slash }
        let colon = search.firstIndex(of: ":").map { $0 + slash }
        switch (at, colon) {
        case (nil, nil):
            return (image, "", "")
        case (let a?, let c) where c == nil || a < c!:
            return (String(chars[..<a]), "", String(chars[(a + 1)...]))
        case (let a?, let c?):
            return (String(chars[..<c]), String(chars[(c + 1)..<a]), String(chars[(a + 1)...]))
        case (nil, let c?):
            return (String(chars[..<c]), String(chars[(c + 1)...]), "")
        default:
            return (image, "", "")
        }
    }
}
