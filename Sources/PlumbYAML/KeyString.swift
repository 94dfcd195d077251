import PlumbCore

/// Map keys become strings as sigs.k8s.io/yaml makes them for JSON: `1` → "1", `true` → "true",
/// floats as Go's `FormatFloat(f, 'g', -1, 32)`. Null, map and list keys are refused.
enum KeyString {
    static func of(_ v: Value) -> String? {
        switch v {
        case .string(let s): return s
        case .int(let i): return String(i)
        case .bool(let b): return b ? "true" : "false"
        case .double(let d): return goFloat32(d)
        case .null, .array, .object: return nil
        }
    }

    /// Go's `%g` with the shortest float32 digits, and YAML's spellings of NaN and infinities.
    static func goFloat32(_ d: Double) -> String {
        if d.isNaN { return ".nan" }
        let f = Float(d)
        if f.isInfinite { return f < 0 ? "-.inf" : ".inf" }
        if f == 0 { return f.sign == .minus ? "-0" : "0" }
        // Swift prints the same shortest digits; take them apart and lay them out as Go does.
        var text = Substring(f.magnitude.description)
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" }) {
            exponent = Int(text[text.index(after: e)...]) ?? 0
            text = text[..<e]
        }
        var digits = ""
        var pointAt = text.count
        for (k, c) in text.enumerated() {
            if c == "." { pointAt = k } else { digits.append(c) }
        }
        // Normalize: digits d1d2... with the decimal point after `dp` digits.
        var dp = pointAt + exponent
        while digits.hasPrefix("0") && digits.count > 1 { digits.removeFirst(); dp -= 1 }
        while digits.hasSuffix("0") && digits.count > 1 { digits.removeLast() }
        let sign = f < 0 ? "-" : ""
        let exp = dp - 1
        if exp < -4 || exp >= 6 {
            var mantissa = String(digits.prefix(1))
            if digits.count > 1 { mantissa += "." + digits.dropFirst() }
            let e = abs(exp)
            return sign + mantissa + "e" + (exp < 0 ? "-" : "+") + (e < 10 ? "0" : "") + String(e)
        }
        if dp <= 0 { return sign + "0." + String(repeating: "0", count: -dp) + digits }
        if dp >= digits.count { return sign + digits + String(repeating: "0", count: dp - digits.count) }
        return sign + digits.prefix(dp) + "." + digits.dropFirst(dp)
    }
}
