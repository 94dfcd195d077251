import PlumbCore

/// sops' dotenv store: `KEY=VALUE` lines (`\n` escaped), `#` comments, the metadata flattened
/// into `sops_` keys (`sops_pgp__list_0__map_enc`). Comments are dropped from the output.
enum SopsDotenv {
    static func decrypt(_ bytes: [UInt8], file: String, keys: SopsKeys) throws(SopsFailure) -> SopsResult? {
        var items = ValueObject()
        var flat: [(String, String)] = []
        for line in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true) {
            if line.first == UInt8(ascii: "#") { continue }
            guard let eq = line.firstIndex(of: UInt8(ascii: "=")) else {
                // Not a dotenv file as sops reads it; not encrypted as far as Plumb can tell.
                return nil
            }
            let key = String(decoding: line[..<eq], as: UTF8.self)
            let value = String(decoding: line[(eq + 1)...], as: UTF8.self).sopsReplacing("\\n", with: "\n")
            if key.hasPrefix("sops_") {
                flat.append((String(key.dropFirst(5)), value))
            } else {
                items.appendUnchecked(key: key, value: .string(value))
            }
        }
        guard !flat.isEmpty else { return nil }
        let metadata = try SopsMetadata.parse(unflatten(flat))
        let (opened, secrets) = try Sops.decryptTree([.object(items)], metadata: metadata, keys: keys)
        var out = ""
        for e in opened[0].objectValue?.entries ?? [] {
            out += e.key + "=" + SopsTree.macBytes(e.value).sopsReplacing("\n", with: "\\n") + "\n"
        }
        return SopsResult(plaintext: Array(out.utf8), secrets: secrets)
    }

    /// sops' `UnflattenMetadata`: `a__list_0__map_b` is `a[0].b`.
    static func unflatten(_ flat: [(String, String)]) -> Value {
        var root = Value.object(ValueObject())
        for (key, value) in flat {
            let parts = key.sopsSplit("__")
            var path: [PathStep] = [.key(parts[0])]
            for p in parts.dropFirst() {
                if p.hasPrefix("list_"), let i = Int(p.dropFirst(5)) {
                    path.append(.index(i))
                } else if p.hasPrefix("map_") {
                    path.append(.key(String(p.dropFirst(4))))
                } else {
                    path.append(.key(p))
                }
            }
            set(&root, path[...], .string(value))
        }
        return root
    }

    enum PathStep {
        case key(String)
        case index(Int)
    }

    static func set(_ node: inout Value, _ path: ArraySlice<PathStep>, _ leaf: Value) {
        guard let step = path.first else {
            node = leaf
            return
        }
        switch step {
        case .key(let k):
            var o = node.objectValue ?? ValueObject()
            var child = o[k] ?? .null
            set(&child, path.dropFirst(), leaf)
            o[k] = child
            node = .object(o)
        case .index(let i):
            var a = node.arrayValue ?? []
            while a.count <= i { a.append(.null) }
            set(&a[i], path.dropFirst(), leaf)
            node = .array(a)
        }
    }
}

extension String {
    func sopsReplacing(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty, contains(target) else { return self }
        return sopsSplit(target).joined(separator: replacement)
    }

    /// Splits on every occurrence of `separator`, keeping empty pieces.
    func sopsSplit(_ separator: String) -> [String] {
        var out: [String] = []
        var rest = Substring(self)
        while let r = rest.firstRange(of: separator) {
            out.append(String(rest[..<r.lowerBound]))
            rest = rest[r.upperBound...]
        }
        out.append(String(rest))
        return out
    }
}
