/// A Kubernetes resource quantity (`100m`, `1.5`, `1Gi`, `1e3`): parsed exactly and printed
/// in the API server's canonical form (`k8s.io/apimachinery/pkg/api/resource`). Equality and
/// order are by value, whatever the suffix.
public struct Quantity: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// How the quantity was written, which decides how it prints.
    public enum Format: Sendable, Hashable {
        /// `Ki`, `Mi`, ... powers of 1024.
        case binarySI
        /// `n`, `u`, `m`, none, `k`, `M`, ... powers of 1000.
        case decimalSI
        /// `e3`, `E-2`.
        case decimalExponent
    }

    /// The value is `mantissa × 10^exponent`, without trailing zeros in the mantissa.
    public let mantissa: Int128
    /// The power of ten the mantissa is scaled by.
    public let exponent: Int
    /// How the quantity prints.
    public let format: Format
    /// The text as written, when the server would echo it rather than recompute it.
    private(set) var keptText: String?

    /// Parses a quantity as `resource.ParseQuantity` does. Amounts below one nano round up to
    /// the next nano, as the server does.
    public init(parsing text: String) throws(QuantityError) {
        let p = try QuantityParser(text).parse()
        var mantissa = p.digits
        var exponent = p.exponent10
        if p.binaryExponent > 0 {
            for _ in 0..<p.binaryExponent {
                let (m, overflow) = mantissa.multipliedReportingOverflow(by: 2)
                guard !overflow else { throw QuantityError(text: text, reason: "is too large") }
                mantissa = m
            }
        }
        // Round up (away from zero) to nano, the smallest amount the server keeps.
        if exponent < -9 && mantissa != 0 {
            var rest = false
            while exponent < -9 {
                if mantissa % 10 != 0 { rest = true }
                mantissa /= 10
                exponent += 1
            }
            if rest { mantissa += 1 }
        }
        // Canonical printing multiplies by up to 100; keep well inside Int128.
        guard mantissa < 1_000_000_000_000_000_000_000_000_000_000_000_000 else {
            throw QuantityError(text: text, reason: "is too large")
        }
        var format = p.format
        // The server caps binary amounts at the largest int64.
        if format == .binarySI && !Quantity.magnitudeBelow(mantissa, exponent, limit: Int128(Int64.max) + 1) {
            mantissa = Int128(Int64.max)
            exponent = 0
        }
        if p.negative { mantissa = -mantissa }
        // Binary amounts between 0 and 1 print as decimal ones.
        if format == .binarySI && Quantity.magnitudeBelow(mantissa, exponent, limit: 1) && mantissa != 0 {
            format = .decimalSI
        }
        self.init(mantissa: mantissa, exponent: exponent, format: format)
        if QuantityParser.serverKeepsText(p) { keptText = text }
    }

    /// A quantity of `mantissa × 10^exponent`.
    public init(mantissa: Int128, exponent: Int, format: Format = .decimalSI) {
        keptText = nil
        var m = mantissa
        var e = exponent
        while m != 0 && m % 10 == 0 {
            m /= 10
            e += 1
        }
        if m == 0 { e = 0 }
        self.mantissa = m
        self.exponent = e
        self.format = format
    }

    /// Whether the amount is zero.
    public var isZero: Bool { mantissa == 0 }

    /// The form the server writes back (`1000m` → `1`, `1024Mi` → `1Gi`).
    public var description: String { canonical }

    /// What the server writes back (`resource.Quantity.String()`): the canonical form, or the
    /// text as written where the server's parser keeps it (`1E3`, `+1`).
    public var canonical: String { keptText ?? computedCanonical }

    /// The canonical form computed from the value and format, ignoring how it was written.
    public var computedCanonical: String {
        if mantissa == 0 { return "0" }
        var format = self.format
        if format == .binarySI {
            // Small or fractional binary amounts print as decimal rather than round.
            if Quantity.magnitudeBelow(mantissa, exponent, limit: 1024) || exponent < 0 { format = .decimalSI }
        }
        if format == .binarySI, let (number, power) = base1024() {
            let suffixes = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"]
            if power < suffixes.count { return "\(number)\(suffixes[power])" }
        }
        // Decimal: shift so the exponent is a multiple of three.
        var m = mantissa
        var e = exponent
        while e % 3 != 0 {
            m *= 10
            e -= 1
        }
        if format == .decimalExponent { return e == 0 ? "\(m)" : "\(m)e\(e)" }
        let decimal = [-9: "n", -6: "u", -3: "m", 0: "", 3: "k", 6: "M", 9: "G", 12: "T", 15: "P", 18: "E"]
        if let suffix = decimal[e] { return "\(m)\(suffix)" }
        return "\(m)e\(e)"
    }

    /// The integer value as `number × 1024^power` with the largest power, if it fits.
    private func base1024() -> (Int128, Int)? {
        var v = mantissa
        for _ in 0..<max(exponent, 0) {
            let (m, overflow) = v.multipliedReportingOverflow(by: 10)
            if overflow { return nil }
            v = m
        }
        var power = 0
        while v != 0 && v % 1024 == 0 {
            v /= 1024
            power += 1
        }
        return (v, power)
    }

    private static func magnitudeBelow(_ m: Int128, _ e: Int, limit: Int128) -> Bool {
        Quantity(mantissa: m < 0 ? -m : m, exponent: e) < Quantity(mantissa: limit, exponent: 0)
    }

    public static func == (a: Quantity, b: Quantity) -> Bool { a.mantissa == b.mantissa && a.exponent == b.exponent }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(mantissa)
        hasher.combine(exponent)
    }

    public static func < (a: Quantity, b: Quantity) -> Bool {
        if a.mantissa == 0 || b.mantissa == 0 || (a.mantissa < 0) != (b.mantissa < 0) { return a.mantissa < b.mantissa }
        // Same sign: scale the one with the larger exponent down to the other's exponent.
        let aIsFiner = a.exponent <= b.exponent
        let (fine, coarse) = aIsFiner ? (a, b) : (b, a)
        var scaled = coarse.mantissa
        for _ in 0..<(coarse.exponent - fine.exponent) {
            let (m, overflow) = scaled.multipliedReportingOverflow(by: 10)
            if overflow {
                // The coarse one is larger in magnitude.
                let coarseIsGreater = coarse.mantissa > 0
                return aIsFiner == coarseIsGreater
            }
            scaled = m
        }
        return aIsFiner ? fine.mantissa < scaled : scaled < fine.mantissa
    }
}

/// Text that is not a quantity.
public struct QuantityError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The text that failed to parse.
    public var text: String
    /// Why, as a phrase after the quoted text (`is empty`).
    public var reason: String
    public var description: String { "quantity \(Value.string(text).compactJSON) \(reason)" }
}
