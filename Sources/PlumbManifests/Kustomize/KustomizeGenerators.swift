import PlumbCore

/// configMapGenerator and secretGenerator, as kustomize's generator plugins: key/value pairs
/// from env files, then literals, then files; merged into earlier objects by `behavior`.
extension KustomizeBuilder {
    mutating func runGenerators(_ k: Kustomization, _ list: inout [KustomizeResource]) throws(ManifestError) {
        for g in k.generators {
            let generated = try generate(g, k)
            try absorb(generated, g, k, &list)
        }
    }

    /// Builds the ConfigMap or Secret one generator entry describes.
    private mutating func generate(_ g: Kustomization.Generator, _ k: Kustomization) throws(ManifestError)
        -> KustomizeResource
    {
        let isSecret = g.field == "secretGenerator"
        var pairs: [(String, [UInt8], Int)] = []  // key, value, line of the source
        for env in g.envs {
            let path = try generatorFile(env, g, k, "envs")
            let bytes = try readFile(path, for: k.path)
            pairs += try KustomizeEnvFile.parse(bytes, file: path).map { ($0.0, Array($0.1.utf8), 0) }
        }
        for literal in g.literals {
            guard let eq = literal.firstIndex(of: "=") else {
                throw k.text.error(g.field, index: g.index, sub: "literals", "\"\(literal)\" is not key=value")
            }
            let key = String(literal[..<eq])
            var value = String(literal[literal.index(after: eq)...])
            if value.count >= 2, let f = value.first, f == value.last, f == "\"" || f == "'" {
                value = String(value.dropFirst().dropLast())
            }
            pairs.append((key, Array(value.utf8), 0))
        }
        for source in g.files {
            var key: String
            var relative = source
            if let eq = source.firstIndex(of: "=") {
                key = String(source[..<eq])
                relative = String(source[source.index(after: eq)...])
                guard !key.isEmpty, !relative.isEmpty else {
                    throw k.text.error(g.field, index: g.index, sub: "files", "\"\(source)\" is not [key=]path")
                }
            } else {
                key = KustomizePath.base(relative)
            }
            let path = try generatorFile(relative, g, k, "files")
            pairs.append((key, try readFile(path, for: k.path), 0))
        }
        var data = ValueObject()
        var binary = ValueObject()
        for (key, bytes, _) in pairs {
            guard !key.isEmpty, key.utf8.allSatisfy({ Self.isKeyByte($0) }) else {
                throw k.text.error(
                    g.field, index: g.index, "\"\(key)\" is not a valid key (letters, digits, '-', '_' and '.')")
            }
            if data[key] != nil || binary[key] != nil {
                throw k.text.error(g.field, index: g.index, "key \"\(key)\" is given twice")
            }
            if isSecret {
                data[key] = .string(KustomizeBase64.encode(bytes))
            } else if let text = String(validating: bytes, as: UTF8.self) {
                data[key] = .string(text)
            } else {
                binary[key] = .string(KustomizeBase64.encode(bytes))
            }
        }
        let options = Self.mergeOptions(local: g.options, global: k.generatorOptions)
        var metadata = ValueObject()
        metadata["name"] = .string(g.name)
        if let ns = g.namespace, !ns.isEmpty { metadata["namespace"] = .string(ns) }
        if !options.labels.isEmpty { metadata["labels"] = .object(Self.object(options.labels)) }
        if !options.annotations.isEmpty { metadata["annotations"] = .object(Self.object(options.annotations)) }
        var object = ValueObject()
        object["apiVersion"] = "v1"
        object["kind"] = .string(isSecret ? "Secret" : "ConfigMap")
        object["metadata"] = .object(metadata)
        if isSecret { object["type"] = .string(g.type ?? "Opaque") }
        if !data.isEmpty { object["data"] = .object(data) }
        if !binary.isEmpty { object["binaryData"] = .object(binary) }
        if options.immutable == true { object["immutable"] = true }
        let (line, column) = k.text.locate(g.field, index: g.index)
        var r = KustomizeResource(
            value: .object(object), location: SourceLocation(file: k.path, line: line ?? 1, column: column ?? 1))
        r.needsHash = options.disableNameSuffixHash != true
        r.behavior = g.behavior
        return r
    }

    /// A generator's file, which kustomize only reads in or below the kustomization's folder.
    private func generatorFile(
        _ relative: String, _ g: Kustomization.Generator, _ k: Kustomization, _ sub: String
    ) throws(ManifestError) -> String {
        guard let path = KustomizePath.resolve(k.directory, relative), Self.isBelow(path, k.directory) else {
            throw k.text.error(
                g.field, index: g.index, sub: sub,
                "\"\(relative)\" is not in or below \(k.directory.isEmpty ? "the repository root" : k.directory)")
        }
        guard let (real, kind) = try entryKind(path), kind == .file || kind == .executable else {
            throw k.text.error(g.field, index: g.index, sub: sub, "\"\(relative)\" is not a file of the repository")
        }
        return real
    }

    static func isBelow(_ path: String, _ directory: String) -> Bool {
        directory.isEmpty || path.hasPrefix(directory + "/")
    }

    /// Adds a generated object to the list, or merges it into / replaces the object it names.
    private func absorb(
        _ generated: KustomizeResource, _ g: Kustomization.Generator, _ k: Kustomization,
        _ list: inout [KustomizeResource]
    ) throws(ManifestError) {
        let matches = list.indices.filter { i in
            let r = list[i]
            guard r.kind == generated.kind, r.group == generated.group else { return false }
            let ids = r.previousIds + [(r.name, r.namespace)]
            return ids.contains {
                $0.name == generated.name && KustomizeResource.sameNamespace($0.namespace, generated.namespace)
            }
        }
        switch g.behavior {
        case "create":
            guard matches.isEmpty else {
                throw k.text.error(
                    g.field, index: g.index, "\(generated.label) already exists; use behavior merge or replace")
            }
            list.append(generated)
        default:
            guard let index = matches.first else {
                throw k.text.error(
                    g.field, index: g.index,
                    "\(generated.label) does not exist, so it cannot be \(g.behavior == "merge" ? "merged" : "replaced")"
                )
            }
            guard matches.count == 1 else {
                throw k.text.error(g.field, index: g.index, "\(generated.label) matches \(matches.count) objects")
            }
            let old = list[index]
            var merged = old
            var value = generated.value
            for field in ["labels", "annotations"] {
                var map = old.value["metadata"]?[field]?.objectValue ?? ValueObject()
                for e in generated.value["metadata"]?[field]?.objectValue ?? ValueObject() { map[e.key] = e.value }
                if map.isEmpty {
                    value.setPath(["metadata", field], .null)
                } else {
                    value.setPath(["metadata", field], .object(map))
                }
                if map.isEmpty, case .object(var m)? = value["metadata"] {
                    _ = m.removeValue(forKey: field)
                    value["metadata"] = .object(m)
                }
            }
            value.setPath(["metadata", "name"], .string(old.name))
            if old.namespace.isEmpty {
                if case .object(var m)? = value["metadata"] {
                    _ = m.removeValue(forKey: "namespace")
                    value["metadata"] = .object(m)
                }
            } else {
                value.setPath(["metadata", "namespace"], .string(old.namespace))
            }
            if g.behavior == "merge" {
                for field in ["data", "binaryData"] {
                    var map = old.value[field]?.objectValue ?? ValueObject()
                    for e in generated.value[field]?.objectValue ?? ValueObject() { map[e.key] = e.value }
                    if !map.isEmpty { value[field] = .object(map) }
                }
            }
            merged.value = value
            list[index] = merged
        }
    }

    static func mergeOptions(local: Kustomization.Options?, global: Kustomization.Options?) -> Kustomization.Options {
        var out = local ?? Kustomization.Options()
        guard let global else { return out }
        for (key, value) in global.labels where !out.labels.contains(where: { $0.0 == key }) {
            out.labels.append((key, value))
        }
        for (key, value) in global.annotations where !out.annotations.contains(where: { $0.0 == key }) {
            out.annotations.append((key, value))
        }
        if global.disableNameSuffixHash == true { out.disableNameSuffixHash = true }
        if global.immutable == true { out.immutable = true }
        return out
    }

    static func object(_ pairs: [(String, String)]) -> ValueObject {
        var o = ValueObject()
        for (k, v) in pairs { o[k] = .string(v) }
        return o
    }

    static func isKeyByte(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x2D || b == 0x5F
            || b == 0x2E
    }
}

/// Kustomize's env files: `KEY=value` lines, `#` comments and blank lines skipped, leading
/// whitespace trimmed, a UTF-8 byte order mark dropped from the first line.
enum KustomizeEnvFile {
    static func parse(_ bytes: [UInt8], file: String) throws(ManifestError) -> [(String, String)] {
        guard var text = String(validating: bytes, as: UTF8.self) else {
            throw ManifestError(file: file, message: "an env file must be UTF-8")
        }
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
        var out: [(String, String)] = []
        for (number, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var line = Substring(raw)
            if line.hasSuffix("\r") { line = line.dropLast() }
            line = line.drop { $0 == " " || $0 == "\t" || $0 == "\u{0B}" || $0 == "\u{0C}" }
            if line.isEmpty || line.hasPrefix("#") { continue }
            let key: Substring
            let value: Substring
            if let eq = line.firstIndex(of: "=") {
                key = line[..<eq]
                value = line[line.index(after: eq)...]
            } else {
                key = line
                value = ""
            }
            guard let first = key.utf8.first, !(first >= 0x30 && first <= 0x39),
                key.utf8.allSatisfy({ KustomizeEnvFile.isEnvByte($0) })
            else {
                throw ManifestError(
                    file: file, line: number + 1, column: 1,
                    message: "\"\(key)\" is not a valid environment variable name")
            }
            out.append((String(key), String(value)))
        }
        return out
    }

    static func isEnvByte(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x2D || b == 0x5F
            || b == 0x2E
    }
}

/// Standard base64 with padding, as Go's `base64.StdEncoding`.
enum KustomizeBase64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var i = 0
        while i + 2 < bytes.count {
            let n = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
            out += [
                alphabet[Int(n >> 18 & 63)], alphabet[Int(n >> 12 & 63)], alphabet[Int(n >> 6 & 63)],
                alphabet[Int(n & 63)],
            ]
            i += 3
        }
        let rest = bytes.count - i
        if rest == 1 {
            let n = UInt32(bytes[i]) << 16
            out += [alphabet[Int(n >> 18 & 63)], alphabet[Int(n >> 12 & 63)], 61, 61]
        } else if rest == 2 {
            let n = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8
            out += [alphabet[Int(n >> 18 & 63)], alphabet[Int(n >> 12 & 63)], alphabet[Int(n >> 6 & 63)], 61]
        }
        return String(decoding: out, as: UTF8.self)
    }
}
