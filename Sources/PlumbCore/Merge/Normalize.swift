/// Comparison of desired and live objects that ignores differences the API server does not
/// keep: quantities written differently (`1000m` and `1`), and empty maps or lists against
/// absent ones.
public enum Normalize {
    /// Whether two values are the same for the purpose of a diff.
    public static func equal(_ a: Value?, _ b: Value?) -> Bool {
        equal(a, b, isQuantityMap: false)
    }

    /// The value with every quantity under `resources.limits`/`requests` (and `overhead`) in
    /// canonical form, as the server stores it; unparsable strings are left as they are.
    public static func canonicalQuantities(_ value: Value) -> Value {
        canonical(value, isQuantityMap: false)
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

    /// Whether two values are one amount (`1000m` and `1`); nil unless both are quantities.
    public static func sameAmount(_ a: Value, _ b: Value) -> Bool? {
        guard let p = quantity(a), let q = quantity(b) else { return nil }
        return p == q
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

    /// `isQuantityMap`: `a` and `b` are the values of a `limits`-like key, whose members are quantities.
    private static func equal(_ a: Value?, _ b: Value?, isQuantityMap: Bool) -> Bool {
        if isAbsentLike(a) && isAbsentLike(b) { return true }
        guard let a, let b else { return false }
        switch (a, b) {
        case let (.object(x), .object(y)):
            for key in Set(x.keys).union(y.keys) {
                if isQuantityMap, let xv = x[key], let yv = y[key], let same = sameAmount(xv, yv) {
                    if !same { return false }
                } else if !equal(x[key], y[key], isQuantityMap: quantityMaps.contains(key)) {
                    return false
                }
            }
            return true
        case let (.array(x), .array(y)):
            return x.count == y.count && zip(x, y).allSatisfy { equal($0, $1, isQuantityMap: false) }
        default:
            return a == b
        }
    }

    private static func canonical(_ value: Value, isQuantityMap: Bool) -> Value {
        switch value {
        case .object(let o):
            var out = ValueObject(minimumCapacity: o.count)
            for e in o {
                if isQuantityMap, let q = quantity(e.value) {
                    out.appendUnchecked(key: e.key, value: .string(q.canonical))
                } else {
                    out.appendUnchecked(key: e.key, value: canonical(e.value, isQuantityMap: quantityMaps.contains(e.key)))
                }
            }
            return .object(out)
        case .array(let items):
            return .array(items.map { canonical($0, isQuantityMap: false) })
        default:
            return value
        }
    }
}
