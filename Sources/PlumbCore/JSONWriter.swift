/// Writes `Value`s as JSON. Doubles keep a fraction or exponent so that they read back as
/// doubles; NaN and infinities have no JSON form and are refused.
public struct JSONWriter: Sendable {
    public enum Style: Sendable {
        case compact
        /// Indented by `indent` spaces, as `kubectl -o json` (4) prints.
        case pretty(indent: Int)
    }

    public let style: Style
    public let sortKeys: Bool

    public init(style: Style = .compact, sortKeys: Bool = false) {
        self.style = style
        self.sortKeys = sortKeys
    }

    public struct NonFiniteNumber: Error, CustomStringConvertible {
        public let path: String
        public var description: String { "\(path): NaN and infinity cannot be written as JSON" }
    }

    public func string(_ value: Value) throws -> String {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        try write(value, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    public func bytes(_ value: Value) throws -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        try write(value, into: &out)
        return out
    }

    public func write(_ value: Value, into out: inout [UInt8]) throws {
        var path: [String] = []
        try write(value, depth: 0, path: &path, into: &out)
    }

    private func newline(_ depth: Int, _ out: inout [UInt8]) {
        guard case .pretty(let indent) = style else { return }
        out.append(0x0A)
        out.append(contentsOf: repeatElement(0x20, count: indent * depth))
    }

    private func write(_ value: Value, depth: Int, path: inout [String], into out: inout [UInt8]) throws {
        switch value {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .int(let i): out.append(contentsOf: String(i).utf8)
        case .double(let d):
            guard d.isFinite else { throw NonFiniteNumber(path: path.isEmpty ? "." : path.joined(separator: ".")) }
            out.append(contentsOf: JSONWriter.format(d).utf8)
        case .string(let s): JSONWriter.writeString(s, into: &out)
        case .array(let items):
            if items.isEmpty { out.append(contentsOf: "[]".utf8); return }
            out.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                newline(depth + 1, &out)
                path.append("[\(i)]")
                try write(item, depth: depth + 1, path: &path, into: &out)
                path.removeLast()
            }
            newline(depth, &out)
            out.append(UInt8(ascii: "]"))
        case .object(let o):
            if o.isEmpty { out.append(contentsOf: "{}".utf8); return }
            out.append(UInt8(ascii: "{"))
            let entries = sortKeys ? o.sortedEntries : o.entries
            for (i, e) in entries.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                newline(depth + 1, &out)
                JSONWriter.writeString(e.key, into: &out)
                out.append(UInt8(ascii: ":"))
                if case .pretty = style { out.append(0x20) }
                path.append(e.key)
                try write(e.value, depth: depth + 1, path: &path, into: &out)
                path.removeLast()
            }
            newline(depth, &out)
            out.append(UInt8(ascii: "}"))
        }
    }

    /// A double's shortest text that reads back as the same double (and as a double).
    public static func format(_ d: Double) -> String {
        var s = d.description  // shortest round-trip digits: "1000.0", "1e-07", "1.5e+20"
        if !s.contains(".") && !s.contains("e") && !s.contains("n") { s += ".0" }
        return s
    }

    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    public static func writeString(_ s: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in s.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: [0x5C, 0x22])
            case UInt8(ascii: "\\"): out.append(contentsOf: [0x5C, 0x5C])
            case 0x0A: out.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0x0D: out.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case 0x09: out.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            case 0..<0x20:
                out.append(contentsOf: Array("\\u00".utf8))
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0xF)])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}

extension Value {
    /// Compact JSON; NaN and infinities become null here (use `JSONWriter` to refuse them).
    public var jsonString: String {
        (try? JSONWriter().string(self)) ?? "null"
    }
}
