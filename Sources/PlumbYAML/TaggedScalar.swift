import PlumbCore

/// Scalars with an explicit tag, as go-yaml v2 decodes them into `interface{}`.
enum TaggedScalar {
    static let prefix = "tag:yaml.org,2002:"

    /// The value of a scalar carrying `tag`, or a message saying why the tag does not fit.
    static func resolve(tag: String, _ b: UnsafeBufferPointer<UInt8>) -> Result<Value, Message> {
        guard tag.hasPrefix(prefix) else {
            // Local and unknown tags (`!foo`, `!`) are not resolved: the text is the value.
            return .success(.string(ScalarResolver.string(b)))
        }
        let name = tag.dropFirst(prefix.count)
        switch name {
        case "str", "merge", "map", "seq", "omap", "set", "pairs":
            return .success(.string(ScalarResolver.string(b)))
        case "binary":
            guard let data = Base64.decode(b) else {
                return .failure(Message("!!binary value contains invalid base64 data"))
            }
            return .success(.string(String(decoding: data, as: UTF8.self)))
        case "timestamp":
            let text = ScalarResolver.string(b)
            guard looksLikeTimestamp(text) else { return mismatch(text, "!!timestamp") }
            return .success(.string(text))
        case "int", "float", "bool", "null":
            let v = ScalarResolver.resolvePlain(b)
            switch (name, v) {
            case ("int", .int), ("float", .double), ("bool", .bool), ("null", .null):
                return .success(v)
            case ("float", .int(let i)):
                return .success(.double(Double(i)))
            case ("int", .double) where ScalarResolver.isUnsignedIntegerLiteral(b):
                return .success(v)
            default:
                return mismatch(ScalarResolver.string(b), "!!" + name)
            }
        default:
            return .success(.string(ScalarResolver.string(b)))
        }
    }

    struct Message: Error {
        var text: String
        init(_ text: String) { self.text = text }
    }

    private static func mismatch(_ text: String, _ tag: String) -> Result<Value, Message> {
        var copy = text
        let resolved: String = copy.withUTF8 { b in
            switch ScalarResolver.resolvePlain(b) {
            case .null: return "!!null"
            case .bool: return "!!bool"
            case .int: return "!!int"
            case .double: return "!!float"
            default: return "!!str"
            }
        }
        return .failure(Message("cannot decode \(resolved) `\(text)` as a \(tag)"))
    }

    /// go-yaml's quick check before its timestamp layouts: four digits and a dash.
    private static func looksLikeTimestamp(_ s: String) -> Bool {
        let u = Array(s.utf8)
        guard u.count >= 8, u[4] == UInt8(ascii: "-") else { return false }
        return u[0..<4].allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
    }
}

/// Standard base64 as Go's `StdEncoding.DecodeString` reads it (line breaks ignored).
enum Base64 {
    static func decode(_ b: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(b.count * 3 / 4)
        var acc: UInt32 = 0
        var bits = 0
        var padding = 0
        var symbols = 0
        for c in b {
            let v: UInt32
            switch c {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): v = UInt32(c - UInt8(ascii: "A"))
            case UInt8(ascii: "a")...UInt8(ascii: "z"): v = UInt32(c - UInt8(ascii: "a") + 26)
            case UInt8(ascii: "0")...UInt8(ascii: "9"): v = UInt32(c - UInt8(ascii: "0") + 52)
            case UInt8(ascii: "+"): v = 62
            case UInt8(ascii: "/"): v = 63
            case UInt8(ascii: "="): padding += 1; symbols += 1; continue
            case 0x0A, 0x0D: continue
            default: return nil
            }
            guard padding == 0 else { return nil }
            symbols += 1
            acc = acc << 6 | v
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: acc >> UInt32(bits)))
            }
        }
        guard symbols % 4 == 0, padding <= 2 else { return nil }
        return out
    }
}
