import PlumbCore

/// Writes `Value`s as block-style YAML in the shape `kubectl -o yaml` prints: two-space indent,
/// lists under a key not indented, maps in lists starting on the `- ` line. Whatever it writes
/// reads back (with `YAML.parseDocuments`) as an equal `Value`; doubles keep a `.0` or an
/// exponent so that they stay doubles.
public struct YAMLWriter: Sendable {
    /// Whether map keys are written in kubectl's order (go-yaml v2's natural sort) rather than
    /// in document order.
    public var sortKeys: Bool

    /// Creates a writer.
    public init(sortKeys: Bool = false) {
        self.sortKeys = sortKeys
    }

    /// One document, ending with a newline.
    public func string(_ value: Value) -> String {
        var out: [UInt8] = []
        write(value, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Several documents separated by `---` lines.
    public func string(documents: [Value]) -> String {
        var out: [UInt8] = []
        for (i, v) in documents.enumerated() {
            if i > 0 { out.append(contentsOf: "---\n".utf8) }
            write(v, into: &out)
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends one document to `out`.
    public func write(_ value: Value, into out: inout [UInt8]) {
        out.reserveCapacity(out.count + 256)
        switch value {
        case .object(let o) where !o.isEmpty:
            writeMapping(o, indent: 0, firstLineStarted: false, into: &out)
        case .array(let a) where !a.isEmpty:
            writeSequence(a, indent: 0, firstLineStarted: false, into: &out)
        default:
            writeScalar(value, indent: 0, topLevel: true, into: &out)
            out.append(0x0A)
        }
    }

    private func spaces(_ n: Int, _ out: inout [UInt8]) {
        for _ in 0..<n { out.append(0x20) }
    }

    private func writeMapping(_ o: ValueObject, indent: Int, firstLineStarted: Bool, into out: inout [UInt8]) {
        let entries = sortKeys ? o.entries.sorted { KeyOrder.less($0.key, $1.key) } : o.entries
        for (i, e) in entries.enumerated() {
            if i > 0 || !firstLineStarted { spaces(indent, &out) }
            if e.key.utf8.count > 1000 {
                // Implicit keys are limited to 1024 characters; use the explicit `? key` form.
                out.append(contentsOf: "? ".utf8)
                YAMLScalarText.writeDoubleQuoted(e.key, into: &out)
                out.append(0x0A)
                spaces(indent, &out)
                writeItem(e.value, marker: UInt8(ascii: ":"), indent: indent, into: &out)
                continue
            }
            YAMLScalarText.writeKey(e.key, into: &out)
            out.append(UInt8(ascii: ":"))
            switch e.value {
            case .object(let child) where !child.isEmpty:
                out.append(0x0A)
                writeMapping(child, indent: indent + 2, firstLineStarted: false, into: &out)
            case .array(let items) where !items.isEmpty:
                out.append(0x0A)
                writeSequence(items, indent: indent, firstLineStarted: false, into: &out)
            default:
                out.append(0x20)
                writeScalar(e.value, indent: indent, topLevel: false, into: &out)
                out.append(0x0A)
            }
        }
    }

    private func writeSequence(_ items: [Value], indent: Int, firstLineStarted: Bool, into out: inout [UInt8]) {
        for (i, item) in items.enumerated() {
            if i > 0 || !firstLineStarted { spaces(indent, &out) }
            writeItem(item, marker: UInt8(ascii: "-"), indent: indent, into: &out)
        }
    }

    /// Writes `marker` and a value that starts on the marker's line (`- a: 1`, `- - x`, `: v`).
    private func writeItem(_ v: Value, marker: UInt8, indent: Int, into out: inout [UInt8]) {
        out.append(marker)
        out.append(0x20)
        switch v {
        case .object(let o) where !o.isEmpty:
            writeMapping(o, indent: indent + 2, firstLineStarted: true, into: &out)
        case .array(let a) where !a.isEmpty:
            writeSequence(a, indent: indent + 2, firstLineStarted: true, into: &out)
        default:
            writeScalar(v, indent: indent, topLevel: false, into: &out)
            out.append(0x0A)
        }
    }

    /// A scalar, `{}` or `[]`; block scalars are indented two more than `indent`.
    private func writeScalar(_ v: Value, indent: Int, topLevel: Bool, into out: inout [UInt8]) {
        switch v {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .int(let i): out.append(contentsOf: String(i).utf8)
        case .double(let d): out.append(contentsOf: YAMLScalarText.double(d).utf8)
        case .string(let s): YAMLScalarText.writeString(s, indent: indent, allowBlock: !topLevel, into: &out)
        case .array: out.append(contentsOf: "[]".utf8)
        case .object: out.append(contentsOf: "{}".utf8)
        }
    }
}
