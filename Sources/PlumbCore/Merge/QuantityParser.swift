/// The grammar of `resource.ParseQuantity`: sign, digits, optional fraction, suffix.
struct QuantityParser {
    struct Parsed {
        var negative: Bool
        var digits: Int128
        var exponent10: Int
        var binaryExponent: Int
        var format: Quantity.Format
        /// The integer part without leading zeros ("0" when none is left) and the fraction, as the server splits them.
        var num: [UInt8]
        var denom: [UInt8]
        /// The suffix's power of ten (decimal) or of two (binary).
        var suffixExponent: Int
    }

    let text: String
    let bytes: [UInt8]

    init(_ text: String) {
        self.text = text
        self.bytes = Array(text.utf8)
    }

    private func fail(_ reason: String) -> QuantityError { QuantityError(text: text, reason: reason) }

    private static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }

    func parse() throws(QuantityError) -> Parsed {
        guard !bytes.isEmpty else { throw fail("is empty") }
        var pos = 0
        var negative = false
        if bytes[0] == UInt8(ascii: "-") || bytes[0] == UInt8(ascii: "+") {
            negative = bytes[0] == UInt8(ascii: "-")
            pos += 1
        }
        while pos < bytes.count && bytes[pos] == UInt8(ascii: "0") { pos += 1 }
        let numStart = pos
        while pos < bytes.count && Self.isDigit(bytes[pos]) { pos += 1 }
        var num = Array(bytes[numStart..<pos])
        if num.isEmpty { num = [UInt8(ascii: "0")] }
        var denom: [UInt8] = []
        if pos < bytes.count && bytes[pos] == UInt8(ascii: ".") {
            pos += 1
            let denomStart = pos
            while pos < bytes.count && Self.isDigit(bytes[pos]) { pos += 1 }
            denom = Array(bytes[denomStart..<pos])
        }
        let digits = num + denom
        let fraction = denom.count
        // Like the server, a bare sign or an empty number reads as zero digits.
        var mantissa: Int128 = 0
        for d in digits {
            let (m1, o1) = mantissa.multipliedReportingOverflow(by: 10)
            let (m2, o2) = m1.addingReportingOverflow(Int128(d - 0x30))
            guard !o1 && !o2 else { throw fail("is too large") }
            mantissa = m2
        }
        let suffix = String(decoding: bytes[pos...], as: UTF8.self)
        let (exp10, exp2, format) = try interpret(suffix)
        return Parsed(
            negative: negative, digits: mantissa, exponent10: exp10 - fraction, binaryExponent: exp2,
            format: format, num: num, denom: denom, suffixExponent: format == .binarySI ? exp2 : exp10)
    }

    /// Whether the server keeps the text as written: its fast path caches the input string
    /// when it already looks canonical (so `+1`, `007` and `1E3` come back unchanged).
    static func serverKeepsText(_ p: Parsed) -> Bool {
        let precision: Int
        var multiplier: Int64 = 1
        var scale = 0
        switch p.format {
        case .decimalSI, .decimalExponent:
            scale = p.suffixExponent
            precision = 18 - (p.num.count + p.denom.count)
        case .binarySI:
            guard p.denom.isEmpty else { return false }
            multiplier = 1 << Int64(p.suffixExponent)
            precision = 15 - p.num.count - Int(Float(p.suffixExponent) * 3 / 10) - 1
        }
        guard precision >= 0 else { return false }
        scale -= p.denom.count
        let shifted = p.num + p.denom
        guard scale >= -9, let value = Int64(String(decoding: shifted, as: UTF8.self)) else { return false }
        guard !value.multipliedReportingOverflow(by: multiplier).overflow else { return false }
        if p.format == .binarySI { return p.suffixExponent % 10 == 0 && value & 0x07 != 0 }
        return scale % 3 == 0 && !shifted.reversed().starts(with: Array("000".utf8)) && shifted.first != UInt8(ascii: "0")
    }

    /// The suffix as a power of ten, a power of two, and the format it implies.
    private func interpret(_ suffix: String) throws(QuantityError) -> (Int, Int, Quantity.Format) {
        let decimal = ["n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18]
        let binary = ["Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60]
        if let e = decimal[suffix] { return (e, 0, .decimalSI) }
        if let e = binary[suffix] { return (0, e, .binarySI) }
        if suffix.count > 1, suffix.first == "e" || suffix.first == "E" {
            let rest = suffix.dropFirst()
            let body = rest.first == "-" || rest.first == "+" ? rest.dropFirst() : rest
            if !body.isEmpty, body.utf8.allSatisfy(Self.isDigit), body.count <= 6, let e = Int(rest) {
                return (e, 0, .decimalExponent)
            }
        }
        throw fail("has an unknown suffix \(Value.string(suffix).compactJSON)")
    }
}
