/// Values that must never be printed in clear (the decrypted values of SOPS files), and the
/// redactor that masks them in any text Plumb prints or stores: diff and sync lines, errors,
/// audit rows. A value is replaced by the mask Secret data gets (`(N bytes masked)`).
public struct SensitiveValues: Sendable, Equatable {
    /// Values shorter than this are not masked on their own: masking every `1` or `true` in an
    /// output would make it unreadable without hiding anything an attacker could not guess.
    public static let minimumLength = 4

    /// The values, longest first so that a value containing another is masked whole.
    public private(set) var values: [String] = []
    private var set: Set<String> = []

    public init() {}

    public init<S: Sequence>(_ values: S) where S.Element == String {
        insert(contentsOf: values)
    }

    public var isEmpty: Bool { values.isEmpty }

    /// Adds `value`, each of its lines, and what it decodes to when it is base64 text (a Secret's
    /// `data` holds values encoded; the decoded text could be printed elsewhere).
    public mutating func insert(_ value: String) {
        var forms = [value]
        if value.contains("\n") { forms += value.split(separator: "\n").map { String($0).trimmingCR() } }
        if let decoded = SensitiveValues.decodedBase64Text(value) { forms.append(decoded) }
        var changed = false
        for f in forms where f.utf8.count >= Self.minimumLength && !set.contains(f) {
            set.insert(f)
            values.append(f)
            changed = true
        }
        if changed { values.sort { $0.utf8.count > $1.utf8.count || ($0.utf8.count == $1.utf8.count && $0 < $1) } }
    }

    public mutating func insert<S: Sequence>(contentsOf values: S) where S.Element == String {
        for v in values { insert(v) }
    }

    /// `other`'s values added to these.
    public func union(_ other: SensitiveValues) -> SensitiveValues {
        var out = self
        out.insert(contentsOf: other.values)
        return out
    }

    /// `text` with every occurrence of a sensitive value replaced by `(N bytes masked)`.
    public func redact(_ text: String) -> String {
        guard !values.isEmpty else { return text }
        var out = text
        for v in values where out.contains(v) {
            out = out.replacingEvery(v, with: "(\(v.utf8.count) bytes masked)")
        }
        return out
    }

    /// Whether `text` holds any sensitive value.
    public func leaks(_ text: String) -> Bool { values.contains { text.contains($0) } }

    public static func == (a: SensitiveValues, b: SensitiveValues) -> Bool { a.set == b.set }

    static func decodedBase64Text(_ value: String) -> String? {
        guard value.utf8.count >= 8, SecretData.base64DecodedCount(value) != nil,
            let bytes = base64Decode(value),
            let text = String(validating: bytes, as: UTF8.self),
            text.unicodeScalars.allSatisfy({ $0.value >= 32 || $0 == "\n" || $0 == "\t" })
        else { return nil }
        return text
    }

    static func base64Decode(_ text: String) -> [UInt8]? {
        var out: [UInt8] = []
        var acc: UInt32 = 0
        var bits = 0
        for c in text.utf8 {
            let v: UInt8
            switch c {
            case 65...90: v = c - 65
            case 97...122: v = c - 71
            case 48...57: v = c + 4
            case 43: v = 62
            case 47: v = 63
            case 61: continue
            default: return nil
            }
            acc = acc << 6 | UInt32(v)
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: acc >> UInt32(bits)))
            }
        }
        return out
    }
}

extension String {
    fileprivate func trimmingCR() -> String { hasSuffix("\r") ? String(dropLast()) : self }

    fileprivate func replacingEvery(_ target: String, with replacement: String) -> String {
        var out = ""
        var rest = Substring(self)
        while let r = rest.firstRange(of: target) {
            out += rest[..<r.lowerBound]
            out += replacement
            rest = rest[r.upperBound...]
        }
        out += rest
        return out
    }
}
