import PlumbCore

/// Types plain scalars the way kubectl does: sigs.k8s.io/yaml decodes with go-yaml v2, whose
/// YAML 1.1 resolver picks the type from the first byte, a table of words, Go's `ParseInt`
/// with base 0 (after removing `_`: `0x`, `0o`, `0b`, and `0777` octal) and a float pattern.
/// Timestamps stay strings (go-yaml v2 hands them to `interface{}` as their text).
enum ScalarResolver {
    /// Whether `b` spells `lower` in lower case, Capitalized or UPPER case (YAML 1.1's spellings).
    @inline(__always)
    private static func spells(_ b: UnsafeBufferPointer<UInt8>, from offset: Int, _ lower: StaticString) -> Bool {
        let n = lower.utf8CodeUnitCount
        guard b.count - offset == n else { return false }
        let w = lower.utf8Start
        let firstUpper = b[offset] == w[0] &- 32
        guard firstUpper || b[offset] == w[0] else { return false }
        guard n > 1 else { return true }
        let restUpper = b[offset + 1] == w[1] &- 32
        if restUpper && !firstUpper { return false }
        for k in 1..<n where b[offset + k] != (restUpper ? w[k] &- 32 : w[k]) { return false }
        return true
    }

    /// Bools, nulls and the special floats: go-yaml v2's table of words.
    @inline(__always)
    private static func word(_ b: UnsafeBufferPointer<UInt8>) -> Value? {
        guard b.count <= 5, let first = b.first else { return nil }
        switch first {
        case UInt8(ascii: "y"), UInt8(ascii: "Y"):
            if b.count == 1 || spells(b, from: 0, "yes") { return .bool(true) }
        case UInt8(ascii: "n"), UInt8(ascii: "N"):
            if b.count == 1 || spells(b, from: 0, "no") { return .bool(false) }
            if spells(b, from: 0, "null") { return .null }
        case UInt8(ascii: "t"), UInt8(ascii: "T"):
            if spells(b, from: 0, "true") { return .bool(true) }
        case UInt8(ascii: "f"), UInt8(ascii: "F"):
            if spells(b, from: 0, "false") { return .bool(false) }
        case UInt8(ascii: "o"), UInt8(ascii: "O"):
            if spells(b, from: 0, "on") { return .bool(true) }
            if spells(b, from: 0, "off") { return .bool(false) }
        case UInt8(ascii: "~"):
            if b.count == 1 { return .null }
        case UInt8(ascii: "."):
            return dotWord(b, from: 1, negative: false)
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            guard b.count > 1, b[1] == UInt8(ascii: ".") else { return nil }
            if let v = dotWord(b, from: 2, negative: first == UInt8(ascii: "-")), case .double(let d) = v, d.isInfinite {
                return v
            }
        default:
            break
        }
        return nil
    }

    /// `.inf`, `.nan` and their spellings, after the dot.
    @inline(__always)
    private static func dotWord(_ b: UnsafeBufferPointer<UInt8>, from offset: Int, negative: Bool) -> Value? {
        if spells(b, from: offset, "inf") { return .double(negative ? -.infinity : .infinity) }
        // NaN is spelled nan, NaN or NAN (not Nan).
        guard b.count - offset == 3 else { return nil }
        switch (b[offset], b[offset + 1], b[offset + 2]) {
        case (UInt8(ascii: "n"), UInt8(ascii: "a"), UInt8(ascii: "n")),
            (UInt8(ascii: "N"), UInt8(ascii: "a"), UInt8(ascii: "N")),
            (UInt8(ascii: "N"), UInt8(ascii: "A"), UInt8(ascii: "N")):
            return .double(.nan)
        default:
            return nil
        }
    }

    /// Makes a String from bytes already known to be valid UTF-8.
    @inline(__always)
    static func string(_ b: UnsafeBufferPointer<UInt8>) -> String {
        String(decoding: b, as: UTF8.self)
    }

    /// The value of an untagged plain scalar.
    static func resolvePlain(_ b: UnsafeBufferPointer<UInt8>) -> Value {
        resolveNonString(b) ?? .string(string(b))
    }

    /// The value of an untagged plain scalar when it is not a string; nil when it is one.
    @inline(__always)
    static func resolveNonString(_ b: UnsafeBufferPointer<UInt8>) -> Value? {
        guard let first = b.first else { return .null }
        switch first {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "+"), UInt8(ascii: "-"):
            if first < UInt8(ascii: "0"), let w = word(b) { return w }
            return number(b)
        case UInt8(ascii: "."):
            if let w = word(b) { return w }
            return dotFloat(b).map(Value.double)
        case UInt8(ascii: "y"), UInt8(ascii: "Y"), UInt8(ascii: "n"), UInt8(ascii: "N"),
            UInt8(ascii: "t"), UInt8(ascii: "T"), UInt8(ascii: "f"), UInt8(ascii: "F"),
            UInt8(ascii: "o"), UInt8(ascii: "O"), UInt8(ascii: "~"):
            return word(b)
        default:
            return nil
        }
    }

    /// Whether a string would read back as something other than itself when written plain.
    static func resolvesToNonString(_ s: String) -> Bool {
        var copy = s
        return copy.withUTF8 { b in
            if case .string = resolvePlain(b) { return false }
            return true
        }
    }

    /// An int or float for scalars starting with a digit or sign, or nil for a string.
    static func number(_ b: UnsafeBufferPointer<UInt8>) -> Value? {
        guard b.contains(UInt8(ascii: "_")) else { return numberWithoutUnderscores(b) }
        let stripped = b.filter { $0 != UInt8(ascii: "_") }
        return stripped.withUnsafeBufferPointer { numberWithoutUnderscores($0) }
    }

    /// Whether the text (without `_`) is an unsigned integer literal Go's ParseUint accepts,
    /// whatever its size: the integers Plumb keeps as doubles when they pass Int64.max.
    static func isUnsignedIntegerLiteral(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        let s = b.filter { $0 != UInt8(ascii: "_") }
        guard let first = s.first, first != UInt8(ascii: "+"), first != UInt8(ascii: "-") else { return false }
        var i = 0
        var radix: UInt64 = 10
        if s[0] == UInt8(ascii: "0") && s.count > 1 {
            switch s[1] {
            case UInt8(ascii: "x"), UInt8(ascii: "X"): radix = 16; i = 2
            case UInt8(ascii: "b"), UInt8(ascii: "B"): radix = 2; i = 2
            case UInt8(ascii: "o"), UInt8(ascii: "O"): radix = 8; i = 2
            default: radix = 8; i = 1
            }
        }
        return i < s.count && s[i...].allSatisfy { digitValue($0) < radix }
    }

    private static func digitValue(_ c: UInt8) -> UInt64 {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt64(c - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return UInt64(c - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return UInt64(c - UInt8(ascii: "A") + 10)
        default: return 99
        }
    }

    private static func numberWithoutUnderscores(_ s: UnsafeBufferPointer<UInt8>) -> Value? {
        let n = s.count
        var i = 0
        var negative = false
        var signed = false
        if n > 0 && (s[0] == UInt8(ascii: "+") || s[0] == UInt8(ascii: "-")) {
            negative = s[0] == UInt8(ascii: "-")
            signed = true
            i = 1
        }
        guard i < n else { return nil }
        // Go's ParseInt(s, 0, 64): 0x, 0b, 0o prefixes, and a leading 0 means octal.
        var radix: UInt64 = 10
        if s[i] == UInt8(ascii: "0") && i + 1 < n {
            switch s[i + 1] {
            case UInt8(ascii: "x"), UInt8(ascii: "X"): radix = 16; i += 2
            case UInt8(ascii: "b"), UInt8(ascii: "B"): radix = 2; i += 2
            case UInt8(ascii: "o"), UInt8(ascii: "O"): radix = 8; i += 2
            default: radix = 8; i += 1
            }
        }
        if i < n {
            var magnitude: UInt64 = 0
            var overflow = false
            var valid = true
            for j in i..<n {
                let d = digitValue(s[j])
                if d >= radix { valid = false; break }
                let (m, o1) = magnitude.multipliedReportingOverflow(by: radix)
                let (a, o2) = m.addingReportingOverflow(d)
                if o1 || o2 { overflow = true }
                magnitude = a
            }
            if valid && !overflow {
                if negative {
                    if magnitude <= UInt64(Int64.max) { return .int(-Int64(magnitude)) }
                    if magnitude == UInt64(Int64.max) + 1 { return .int(Int64.min) }
                } else if magnitude <= UInt64(Int64.max) {
                    return .int(Int64(magnitude))
                } else if !signed {
                    // ParseUint accepts it; Plumb has no unsigned ints, so it becomes a float,
                    // as Kubernetes' JSON decoding of such a number would.
                    return .double(Double(magnitude))
                }
            }
        }
        // Past 64 bits, decimal integers read as floats; other bases stay strings (kubectl 1.32).
        return yamlStyleFloat(s)
    }

    /// The float pattern of sigs.k8s.io/yaml's go-yaml v2 fork,
    /// `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`, then ParseFloat (overflow fails).
    private static func yamlStyleFloat(_ s: UnsafeBufferPointer<UInt8>) -> Value? {
        let n = s.count
        var i = 0
        if i < n && (s[i] == UInt8(ascii: "+") || s[i] == UInt8(ascii: "-")) { i += 1 }
        var digits = 0
        while i < n && isDigit(s[i]) { i += 1; digits += 1 }
        if i < n && s[i] == UInt8(ascii: ".") {
            i += 1
            var fraction = 0
            while i < n && isDigit(s[i]) { i += 1; fraction += 1 }
            guard digits > 0 || fraction > 0 else { return nil }
        } else {
            guard digits > 0 else { return nil }
        }
        if i < n {
            guard s[i] == UInt8(ascii: "e") || s[i] == UInt8(ascii: "E") else { return nil }
            i += 1
            if i < n && (s[i] == UInt8(ascii: "+") || s[i] == UInt8(ascii: "-")) { i += 1 }
            let expStart = i
            while i < n && isDigit(s[i]) { i += 1 }
            guard i > expStart && i == n else { return nil }
        }
        guard let d = Double(string(s)), d.isFinite else { return nil }
        return .double(d)
    }

    /// Go's ParseFloat on text starting with `.`: `.5`, `.5e3`, `.5E-3`; `_` only between digits.
    private static func dotFloat(_ b: UnsafeBufferPointer<UInt8>) -> Double? {
        var text: [UInt8] = []
        text.reserveCapacity(b.count)
        var previousDigit = false
        for (k, c) in b.enumerated() {
            if c == UInt8(ascii: "_") {
                guard previousDigit, k + 1 < b.count, isDigit(b[k + 1]) else { return nil }
                continue
            }
            previousDigit = isDigit(c)
            text.append(c)
        }
        let n = text.count
        var i = 1
        while i < n && isDigit(text[i]) { i += 1 }
        guard i > 1 else { return nil }
        if i < n {
            guard text[i] == UInt8(ascii: "e") || text[i] == UInt8(ascii: "E") else { return nil }
            i += 1
            if i < n && (text[i] == UInt8(ascii: "+") || text[i] == UInt8(ascii: "-")) { i += 1 }
            let expStart = i
            while i < n && isDigit(text[i]) { i += 1 }
            guard i > expStart && i == n else { return nil }
        }
        guard let d = Double(String(decoding: text, as: UTF8.self)), d.isFinite else { return nil }
        return d
    }

    @inline(__always)
    private static func isDigit(_ c: UInt8) -> Bool { c &- UInt8(ascii: "0") < 10 }
}
