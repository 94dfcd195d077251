/// One leaf that differs between the live and the predicted object.
/// A masked change (Secret data) carries byte lengths instead of values.
public struct FieldChange: Sendable, Hashable, CustomStringConvertible {
    /// The field as people read it: `spec.template.spec.containers[web].image`; list items
    /// by their merge key, map keys with dots or brackets quoted (`labels["plumb.dev/app"]`).
    public var path: String
    /// The live value; nil when the field is absent or masked.
    public var old: Value?
    /// The predicted value; nil when the field goes away or is masked.
    public var new: Value?
    /// Whether the values are secret: only their lengths are kept.
    public var masked: Bool
    /// Byte length of the live secret value (decoded), nil when absent; only when masked.
    public var oldLength: Int?
    /// Byte length of the predicted secret value (decoded), nil when absent; only when masked.
    public var newLength: Int?

    /// A change of a plain field from `old` to `new`.
    public init(path: String, old: Value?, new: Value?) {
        self.path = path
        self.old = old
        self.new = new
        self.masked = false
    }

    /// A change of a secret value, known only by its decoded lengths.
    public init(maskedPath path: String, oldLength: Int?, newLength: Int?) {
        self.path = path
        self.masked = true
        self.oldLength = oldLength
        self.newLength = newLength
    }

    /// Whether the field is new.
    public var isAddition: Bool { masked ? oldLength == nil : old == nil }
    /// Whether the field goes away.
    public var isRemoval: Bool { masked ? newLength == nil : new == nil }

    /// `nginx:1.25 → nginx:1.26`, `(none) → 3`, or for a secret `(changed, 12 → 16 bytes masked)`.
    public var valueText: String {
        if masked {
            switch (oldLength, newLength) {
            case let (o?, n?): return "(changed, \(o) → \(n) bytes masked)"
            case let (nil, n?): return "(added, \(n) bytes masked)"
            case let (o?, nil): return "(removed, \(o) bytes masked)"
            case (nil, nil): return "(changed, masked)"
            }
        }
        return "\(FieldChange.display(old)) → \(FieldChange.display(new))"
    }

    public var description: String { "\(path) \(valueText)" }

    /// A value as a diff line shows it: plain strings bare, strings that would read as
    /// another type quoted (`"80"` stays apart from `80`), the rest as compact JSON.
    public static func display(_ value: Value?) -> String {
        guard let value else { return "(none)" }
        if case .string(let s) = value, !needsQuotes(s) { return s }
        return value.compactJSON
    }

    /// Whether a string shown bare would read as something else: a number, a boolean, null,
    /// JSON, nothing, or text with invisible edges.
    private static func needsQuotes(_ s: String) -> Bool {
        guard let first = s.first, let last = s.last, s != "(none)" else { return true }
        if Double(s) != nil { return true }
        if ["true", "false", "null", "~", "yes", "no", "on", "off"].contains(s.lowercased()) { return true }
        if first == "\"" || first == "{" || first == "[" { return true }
        return first.isWhitespace || last.isWhitespace || s.contains { $0 == "\n" || $0 == "\t" || $0 == "\r" }
    }
}
