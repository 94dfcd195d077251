/// The grammar of `resource.ParseQuantity`: sign, digits, optional fraction, suffix.
struct QuantityParser {
    struct Parsed {
        var negative: Bool
        var digits: Int128
        var exponent10: Int
        var binaryExponent: Int
        var format: Quantity.Format
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
        let numStart = pos
        while pos < bytes.count && Self.isDigit(bytes[pos]) { pos += 1 }
        var digits = Array(bytes[numStart..<pos])
        var fraction = 0
        if pos < bytes.count && bytes[pos] == UInt8(ascii: ".") {
            pos += 1
            let denomStart = pos
            while pos < bytes.count && Self.isDigit(bytes[pos]) { pos += 1 }
            digits += bytes[denomStart..<pos]
            fraction = pos - denomStart
        }
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
            format: format)
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
