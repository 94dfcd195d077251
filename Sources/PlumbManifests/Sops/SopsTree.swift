import Crypto
import PlumbCore

/// Walks a SOPS tree as sops does (maps in order, list items under their list's path), opening
/// each value the file's rules say is encrypted and hashing every value for the MAC.
struct SopsTree {
    let metadata: SopsMetadata
    let key: SymmetricKey
    private let unencryptedRegex: Regex<AnyRegexOutput>?
    private let encryptedRegex: Regex<AnyRegexOutput>?
    private(set) var hash = SHA512()
    /// The decrypted values, for masking.
    private(set) var secrets: [String] = []

    /// sha256("sops"): the first bytes of the MAC when only encrypted values are covered.
    static let macOnlyEncryptedInitialization: [UInt8] = [
        0x8a, 0x3f, 0xd2, 0xad, 0x54, 0xce, 0x66, 0x52, 0x7b, 0x10, 0x34, 0xf3, 0xd1, 0x47, 0xbe, 0x0b,
        0x0b, 0x97, 0x5b, 0x3b, 0xf4, 0x4f, 0x72, 0xc6, 0xfd, 0xad, 0xec, 0x81, 0x76, 0xf2, 0x7d, 0x69,
    ]

    init(metadata: SopsMetadata, dataKey: [UInt8]) throws(SopsFailure) {
        self.metadata = metadata
        key = SymmetricKey(data: dataKey)
        func compile(_ pattern: String?, _ name: String) throws(SopsFailure) -> Regex<AnyRegexOutput>? {
            guard let pattern, !pattern.isEmpty else { return nil }
            do { return try Regex(pattern) } catch { throw SopsFailure("\(name) is not a valid regular expression") }
        }
        unencryptedRegex = try compile(metadata.unencryptedRegex, "unencrypted_regex")
        encryptedRegex = try compile(metadata.encryptedRegex, "encrypted_regex")
        if metadata.macOnlyEncrypted { hash.update(data: Self.macOnlyEncryptedInitialization) }
    }

    /// sops' `shouldBeEncrypted` for a path of map keys.
    func shouldBeEncrypted(_ path: [String]) -> Bool {
        var encrypted = true
        if let s = metadata.unencryptedSuffix, !s.isEmpty, path.contains(where: { $0.hasSuffix(s) }) {
            encrypted = false
        }
        if let s = metadata.encryptedSuffix, !s.isEmpty { encrypted = path.contains { $0.hasSuffix(s) } }
        if let r = unencryptedRegex, path.contains(where: { $0.contains(r) }) { encrypted = false }
        if let r = encryptedRegex { encrypted = path.contains { $0.contains(r) } }
        return encrypted
    }

    /// The tree with its encrypted values opened.
    mutating func decrypt(_ value: Value, path: [String] = []) throws(SopsFailure) -> Value {
        switch value {
        case .object(let o):
            var out = ValueObject(minimumCapacity: o.count)
            for e in o.entries { out.appendUnchecked(key: e.key, value: try decrypt(e.value, path: path + [e.key])) }
            return .object(out)
        case .array(let a):
            var out: [Value] = []
            out.reserveCapacity(a.count)
            for item in a { out.append(try decrypt(item, path: path)) }
            return .array(out)
        case .null:
            return .null
        default:
            let encrypted = shouldBeEncrypted(path)
            var result = value
            if encrypted {
                result = try open(value, path: path)
                if case .string(let s) = result, !s.isEmpty { secrets.append(s) }
            }
            if !metadata.macOnlyEncrypted || encrypted { hash.update(data: Array(Self.macBytes(result).utf8)) }
            return result
        }
    }

    private func open(_ value: Value, path: [String]) throws(SopsFailure) -> Value {
        let place = path.isEmpty ? "the document" : path.joined(separator: ".")
        guard case .string(let text) = value else {
            throw SopsFailure("\(place): the value is not encrypted although the file's rules say it should be")
        }
        if text.isEmpty { return .string("") }
        guard let enc = SopsEncryptedValue(text) else {
            throw SopsFailure("\(place): the value is not in sops' ENC[AES256_GCM,...] format")
        }
        guard let plain = enc.open(key: key, additionalData: path.joined(separator: ":") + ":") else {
            throw SopsFailure("\(place): the value does not decrypt with the file's data key (it was changed or moved)")
        }
        let s = String(decoding: plain, as: UTF8.self)
        switch enc.type {
        case "str", "bytes":
            return .string(s)
        case "int", "int64":
            guard let i = Int64(s) else { throw SopsFailure("\(place): the decrypted value is not an int") }
            return .int(i)
        case "float":
            guard let d = Double(s) else { throw SopsFailure("\(place): the decrypted value is not a float") }
            return .double(d)
        case "bool":
            // Go's strconv.ParseBool.
            switch s {
            case "1", "t", "T", "TRUE", "true", "True": return .bool(true)
            case "0", "f", "F", "FALSE", "false", "False": return .bool(false)
            default: throw SopsFailure("\(place): the decrypted value is not a bool")
            }
        default:
            throw SopsFailure("\(place): unknown value type \(enc.type)")
        }
    }

    /// The bytes sops hashes for a value (its `ToBytes`).
    static func macBytes(_ value: Value) -> String {
        switch value {
        case .string(let s): return s
        case .int(let i): return String(i)
        case .double(let d): return goFormatFloat(d)
        case .bool(let b): return b ? "True" : "False"
        default: return ""
        }
    }

    /// Go's `strconv.FormatFloat(d, 'f', -1, 64)`: the shortest digits that read back, never
    /// in exponent form.
    static func goFormatFloat(_ d: Double) -> String {
        if d.isNaN { return "NaN" }
        if d.isInfinite { return d < 0 ? "-Inf" : "+Inf" }
        var text = "\(d)"
        var negative = false
        if text.hasPrefix("-") {
            negative = true
            text.removeFirst()
        }
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            exponent = Int(text[text.index(after: e)...]) ?? 0
            text = String(text[..<e])
        }
        var intPart = text
        var fracPart = ""
        if let dot = text.firstIndex(of: ".") {
            intPart = String(text[..<dot])
            fracPart = String(text[text.index(after: dot)...])
        }
        var digits = intPart + fracPart
        var point = intPart.count + exponent
        // Normalise: digits with the decimal point after `point` digits.
        while digits.count > 1, digits.first == "0", point > 0 {
            digits.removeFirst()
            point -= 1
        }
        if point <= 0 {
            digits = String(repeating: "0", count: -point + 1) + digits
            point = 1
        } else if point > digits.count {
            digits += String(repeating: "0", count: point - digits.count)
        }
        var whole = String(digits.prefix(point))
        var frac = String(digits.dropFirst(point))
        while frac.last == "0" { frac.removeLast() }
        while whole.count > 1, whole.first == "0" { whole.removeFirst() }
        let body = frac.isEmpty ? whole : whole + "." + frac
        return negative && body != "0" ? "-" + body : (negative ? "-0" : body)
    }

    /// The MAC as sops stores it: upper-case hex of SHA-512.
    var macHex: String {
        let digest = hash.finalize()
        let hex = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        for b in digest {
            out.append(hex[Int(b >> 4)])
            out.append(hex[Int(b & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
