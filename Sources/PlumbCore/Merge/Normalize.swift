/// Comparison of desired and live objects that ignores differences the API server does not
/// keep: quantities written differently (`1000m` and `1`), and empty maps or lists against
/// absent ones.
public enum Normalize {
    /// Whether two values are the same for the purpose of a diff.
    public static func equal(_ a: Value?, _ b: Value?) -> Bool {
        equal(a, b, inQuantities: false)
    }

    /// The value with every quantity under `resources.limits`/`requests` (and `overhead`) in
    /// canonical form, as the server stores it; unparsable strings are left as they are.
    public static func canonicalQuantities(_ value: Value) -> Value {
        canonical(value, inQuantities: false)
    }

    /// The quantity a value holds: a string, or a number as YAML gives `cpu: 2`.
    public static func quantity(_ value: Value) -> Quantity? {
        switch value {
        case .string(let s): return try? Quantity(parsing: s)
        case .int(let i): return Quantity(mantissa: Int128(i), exponent: 0)
        case .double(let d): return try? Quantity(parsing: "\(d)")
        default: return nil
        }
    }

    /// Maps whose values are quantities.
    static let quantityMaps: Set<String> = ["limits", "requests", "overhead", "capacity", "allocatable", "hard", "used"]

    private static func isAbsentLike(_ v: Value?) -> Bool {
        switch v {
        case nil, .null?: return true
        case .object(let o)?: return o.isEmpty
        case .array(let a)?: return a.isEmpty
        default: return false
        }
    }

    private static func equal(_ a: Value?, _ b: Value?, inQuantities: Bool) -> Bool {
        if isAbsentLike(a) && isAbsentLike(b) { return true }
        guard let a, let b else { return false }
        switch (a, b) {
        case let (.object(x), .object(y)):
            for key in Set(x.keys).union(y.keys) {
                if !equal(x[key], y[key], inQuantities: quantityMaps.contains(key)) { return false }
            }
            return true
        case let (.array(x), .array(y)):
            return x.count == y.count && zip(x, y).allSatisfy { equal($0, $1, inQuantities: false) }
        default:
            if inQuantities, let p = quantity(a), let q = quantity(b) { return p == q }
            return a == b
        }
    }

    private static func canonical(_ value: Value, inQuantities: Bool) -> Value {
        switch value {
        case .object(let o):
            var out = ValueObject(minimumCapacity: o.count)
            for e in o {
                out.appendUnchecked(key: e.key, value: canonical(e.value, inQuantities: quantityMaps.contains(e.key)))
            }
            return .object(out)
        case .array(let items):
            return .array(items.map { canonical($0, inQuantities: false) })
        default:
            if inQuantities, let q = quantity(value) { return .string(q.canonical) }
            return value
        }
    }
}
