import PlumbCore

/// How one scalar is spelled in YAML: plain when it reads back as the same string, double-quoted
/// (as go-yaml does) when plain text would read as another type, single-quoted when only the
/// syntax is in the way, and a literal block for multi-line text.
enum YAMLScalarText {
    static func double(_ d: Double) -> String {
        if d.isNaN { return ".nan" }
        if d.isInfinite { return d < 0 ? "-.inf" : ".inf" }
        return JSONWriter.format(d)
    }

    enum Style { case plain, singleQuoted, doubleQuoted, literal }

    static func writeKey(_ s: String, into out: inout [UInt8]) {
        switch style(s, allowBlock: false, isKey: true) {
        case .plain: out.append(contentsOf: s.utf8)
        case .singleQuoted: writeSingleQuoted(s, into: &out)
        case .doubleQuoted, .literal: writeDoubleQuoted(s, into: &out)
        }
    }

    static func writeString(_ s: String, indent: Int, allowBlock: Bool, into out: inout [UInt8]) {
        switch style(s, allowBlock: allowBlock) {
        case .plain: out.append(contentsOf: s.utf8)
        case .singleQuoted: writeSingleQuoted(s, into: &out)
        case .doubleQuoted: writeDoubleQuoted(s, into: &out)
        case .literal: writeLiteral(s, indent: indent + 2, into: &out)
        }
    }

    static func style(_ s: String, allowBlock: Bool, isKey: Bool = false) -> Style {
        let u = Array(s.utf8)
        guard let first = u.first, let last = u.last else { return .doubleQuoted }
        var hasNewline = false
        var needsEscape = false
        var syntaxUnsafe = false
        for (k, c) in u.enumerated() {
            let next = k + 1 < u.count ? u[k + 1] : 0
            let afterNext = k + 2 < u.count ? u[k + 2] : 0
            switch c {
            case 0x0A: hasNewline = true
            case 0x00..<0x20, 0x7F: needsEscape = true  // tabs too, as libyaml's emitter does
            case UInt8(ascii: "#") where k > 0 && u[k - 1] == 0x20: syntaxUnsafe = true
            case UInt8(ascii: ":") where next == 0x20: syntaxUnsafe = true
            // C1 controls (NEL, U+0085, is a line break to YAML) must be escaped,
            case 0xC2 where next < 0xA0: needsEscape = true
            // and so must U+2028 and U+2029 (line breaks), U+FEFF (BOM), U+FFFE and U+FFFF.
            case 0xE2 where next == 0x80 && (afterNext == 0xA8 || afterNext == 0xA9): needsEscape = true
            case 0xEF where (next == 0xBB && afterNext == 0xBF) || (next == 0xBF && afterNext >= 0xBE):
                needsEscape = true
            default: break
            }
        }
        if needsEscape { return .doubleQuoted }
        if hasNewline {
            return allowBlock && literalIsSafe(u) ? .literal : .doubleQuoted
        }
        if ScalarResolver.resolvesToNonString(s) || isBase60Float(u) || looksLikeTimestamp(u) || (isKey && s == "<<") {
            return .doubleQuoted
        }
        if syntaxUnsafe || first == 0x20 || last == 0x20 || last == UInt8(ascii: ":") { return .singleQuoted }
        switch first {
        case UInt8(ascii: "-"), UInt8(ascii: "?"), UInt8(ascii: ":"):
            if u.count == 1 || u[1] == 0x20 { return .singleQuoted }
            if s.hasPrefix("---") { return .singleQuoted }
        case UInt8(ascii: ","), UInt8(ascii: "["), UInt8(ascii: "]"), UInt8(ascii: "{"), UInt8(ascii: "}"),
            UInt8(ascii: "#"), UInt8(ascii: "&"), UInt8(ascii: "*"), UInt8(ascii: "!"), UInt8(ascii: "|"),
            UInt8(ascii: ">"), UInt8(ascii: "'"), UInt8(ascii: "\""), UInt8(ascii: "%"), UInt8(ascii: "@"),
            UInt8(ascii: "`"):
            return .singleQuoted
        case UInt8(ascii: "."):
            if s.hasPrefix("...") { return .singleQuoted }
        default: break
        }
        return .plain
    }

    /// Literal blocks keep text exactly and survive editors when the text has content and no
    /// line ends in a space (libyaml's emitter refuses those too).
    private static func literalIsSafe(_ u: [UInt8]) -> Bool {
        var hasContent = false
        for (k, c) in u.enumerated() {
            if c == 0x20 && (k + 1 == u.count || u[k + 1] == 0x0A) { return false }
            if c != 0x20 && c != 0x0A { hasContent = true }
        }
        return hasContent
    }

    /// go-yaml quotes what YAML 1.1 would read as a base-60 number (`190:20:30`).
    private static func isBase60Float(_ u: [UInt8]) -> Bool {
        var bytes = u
        guard bytes.contains(UInt8(ascii: ":")) else { return false }
        if let f = bytes.first, f == UInt8(ascii: "+") || f == UInt8(ascii: "-") { bytes.removeFirst() }
        let isDigit = { (c: UInt8) in c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") }
        var i = 0
        guard i < bytes.count, isDigit(bytes[i]) else { return false }
        while i < bytes.count && (isDigit(bytes[i]) || bytes[i] == UInt8(ascii: "_")) { i += 1 }
        var groups = 0
        while i < bytes.count && bytes[i] == UInt8(ascii: ":") {
            i += 1
            let start = i
            while i < bytes.count && isDigit(bytes[i]) && i - start < 2 { i += 1 }
            let n = i - start
            guard n >= 1 else { return false }
            if n == 2 && bytes[start] > UInt8(ascii: "5") { return false }
            groups += 1
        }
        guard groups > 0 else { return false }
        if i < bytes.count && bytes[i] == UInt8(ascii: ".") {
            i += 1
            while i < bytes.count && (isDigit(bytes[i]) || bytes[i] == UInt8(ascii: "_")) { i += 1 }
        }
        return i == bytes.count
    }

    /// go-yaml quotes what it would read as a timestamp (`2001-12-14`, `2001-12-14T21:59:43Z`).
    private static func looksLikeTimestamp(_ u: [UInt8]) -> Bool {
        func digits(_ from: Int, _ min: Int, _ max: Int) -> Int? {
            var i = from
            while i < u.count && i - from < max && u[i] >= UInt8(ascii: "0") && u[i] <= UInt8(ascii: "9") { i += 1 }
            return i - from >= min ? i : nil
        }
        guard let year = digits(0, 4, 4), year < u.count, u[year] == UInt8(ascii: "-"),
            let month = digits(year + 1, 1, 2), month < u.count, u[month] == UInt8(ascii: "-"),
            let day = digits(month + 1, 1, 2)
        else { return false }
        return day == u.count || [UInt8(ascii: "T"), UInt8(ascii: "t"), 0x20].contains(u[day])
    }

    static func writeSingleQuoted(_ s: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "'"))
        for c in s.utf8 {
            if c == UInt8(ascii: "'") { out.append(c) }
            out.append(c)
        }
        out.append(UInt8(ascii: "'"))
    }

    private static let hex: [UInt8] = Array("0123456789ABCDEF".utf8)

    static func writeDoubleQuoted(_ s: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for scalar in s.unicodeScalars {
            switch scalar.value {
            case 0x22: out.append(contentsOf: "\\\"".utf8)
            case 0x5C: out.append(contentsOf: "\\\\".utf8)
            case 0x0A: out.append(contentsOf: "\\n".utf8)
            case 0x09: out.append(contentsOf: "\\t".utf8)
            case 0x0D: out.append(contentsOf: "\\r".utf8)
            case 0x00: out.append(contentsOf: "\\0".utf8)
            case 0x85: out.append(contentsOf: "\\N".utf8)
            case 0x2028: out.append(contentsOf: "\\L".utf8)
            case 0x2029: out.append(contentsOf: "\\P".utf8)
            case 0xFEFF: out.append(contentsOf: "\\uFEFF".utf8)
            case 0xFFFE: out.append(contentsOf: "\\uFFFE".utf8)
            case 0xFFFF: out.append(contentsOf: "\\uFFFF".utf8)
            case 0x01..<0x20, 0x7F, 0x80..<0xA0:
                out.append(contentsOf: "\\x".utf8)
                out.append(hex[Int(scalar.value >> 4)])
                out.append(hex[Int(scalar.value & 0xF)])
            default:
                out.append(contentsOf: String(scalar).utf8)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    /// `|`, `|-` or `|+` by the trailing newlines, with an indentation indicator when the
    /// first content line starts with a space (where libyaml could not guess the indent).
    static func writeLiteral(_ s: String, indent: Int, into out: inout [UInt8]) {
        var lines = s.split(separator: "\n", omittingEmptySubsequences: false)
        var trailing = 0
        while let last = lines.last, last.isEmpty, lines.count > 1 {
            lines.removeLast()
            trailing += 1
        }
        out.append(UInt8(ascii: "|"))
        for line in lines {
            if line.allSatisfy({ $0 == " " }) {
                if line.isEmpty { continue }
                out.append(UInt8(ascii: "2"))
                break
            }
            if line.first == " " { out.append(UInt8(ascii: "2")) }
            break
        }
        switch trailing {
        case 0: out.append(UInt8(ascii: "-"))
        case 1: break
        default: out.append(UInt8(ascii: "+"))
        }
        out.append(0x0A)
        for (i, line) in lines.enumerated() {
            if !line.isEmpty {
                for _ in 0..<indent { out.append(0x20) }
                out.append(contentsOf: line.utf8)
            }
            if i < lines.count - 1 || trailing > 0 { out.append(0x0A) }
        }
        for _ in 0..<max(0, trailing - 1) { out.append(0x0A) }
        // The caller ends the line; drop ours so the newline count stays exact.
        if out.last == 0x0A { out.removeLast() }
    }
}
