/// The write-only and secret parts of a `v1 Secret`: the API server folds `stringData` into
/// base64 `data`, and its values must never be shown.
public enum SecretData {
    /// Whether `ref` names a core `Secret`.
    public static func isSecret(_ ref: ObjectRef) -> Bool { ref.group.isEmpty && ref.kind == "Secret" }

    /// The object with `stringData` folded into `data` (base64, overriding `data`), as the
    /// API server stores a Secret.
    public static func foldStringData(_ object: Value) -> Value {
        guard let stringData = object["stringData"]?.objectValue else { return object }
        var o = object
        var data = o["data"]?.objectValue ?? ValueObject()
        for e in stringData {
            if let s = e.value.stringValue { data[e.key] = .string(base64Encode(Array(s.utf8))) }
        }
        o["stringData"] = nil
        o["data"] = .object(data)
        return o
    }

    /// The decoded byte length of one `data` value; base64 that does not decode counts as its text.
    public static func decodedLength(_ value: Value) -> Int {
        guard let s = value.stringValue else { return value.compactJSON.utf8.count }
        return base64DecodedCount(s) ?? s.utf8.count
    }

    /// The object with every `data`/`stringData` value replaced by a placeholder carrying its
    /// length, so that a printed object shows no secret. `changed` names keys whose value
    /// differs from the other side, so equal lengths still read as a change.
    public static func masked(_ object: Value, changed: Set<String> = []) -> Value {
        var o = object
        for field in ["data", "stringData"] {
            guard let map = o[field]?.objectValue else { continue }
            var out = ValueObject(minimumCapacity: map.count)
            for e in map {
                let n = field == "data" ? decodedLength(e.value) : (e.value.stringValue?.utf8.count ?? 0)
                let mark = changed.contains(e.key) ? ", changed" : ""
                out.appendUnchecked(key: e.key, value: .string("(\(n) bytes masked\(mark))"))
            }
            o[field] = .object(out)
        }
        return o
    }

    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// Standard base64 with padding.
    public static func base64Encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var i = 0
        while i < bytes.count {
            let b0 = UInt32(bytes[i])
            let b1 = i + 1 < bytes.count ? UInt32(bytes[i + 1]) : 0
            let b2 = i + 2 < bytes.count ? UInt32(bytes[i + 2]) : 0
            let n = b0 << 16 | b1 << 8 | b2
            out.append(alphabet[Int(n >> 18 & 63)])
            out.append(alphabet[Int(n >> 12 & 63)])
            out.append(i + 1 < bytes.count ? alphabet[Int(n >> 6 & 63)] : UInt8(ascii: "="))
            out.append(i + 2 < bytes.count ? alphabet[Int(n & 63)] : UInt8(ascii: "="))
            i += 3
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The number of bytes standard base64 `text` decodes to, or nil when it is not base64.
    static func base64DecodedCount(_ text: String) -> Int? {
        let chars = Array(text.utf8)
        guard chars.count % 4 == 0 else { return nil }
        var padding = 0
        for (i, c) in chars.enumerated() {
            let isAlpha = (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c == 43 || c == 47
            if c == UInt8(ascii: "=") {
                guard i >= chars.count - 2 else { return nil }
                padding += 1
            } else if !isAlpha || padding > 0 {
                return nil
            }
        }
        return chars.count / 4 * 3 - padding
    }
}

extension SecretData {
    /// The `data`/`stringData` keys whose values differ between two versions of a Secret.
    static func changedKeys(_ before: Value?, _ after: Value?) -> Set<String> {
        var out = Set<String>()
        for field in ["data", "stringData"] {
            let a = before?[field]?.objectValue ?? ValueObject()
            let b = after?[field]?.objectValue ?? ValueObject()
            for key in Set(a.keys).union(b.keys) where a[key] != b[key] { out.insert(key) }
        }
        return out
    }
}
