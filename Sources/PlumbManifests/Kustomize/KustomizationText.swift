/// Finds where a field of a kustomization file is written, for error messages: the parsed
/// `Value` has no positions, so this scans the block-style text for the key and list item.
struct KustomizationText {
    let file: String
    let lines: [Substring]

    init(file: String, bytes: [UInt8]) {
        self.file = file
        lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
    }

    /// An error at `field` (a top-level key), optionally its list item `index` and a key `sub` in it.
    func error(_ field: String, index: Int? = nil, sub: String? = nil, _ message: String) -> ManifestError {
        var label = field
        if let index { label += "[\(index)]" }
        if let sub { label += ".\(sub)" }
        var (line, column) = locate(field, index: index, sub: sub.map { String($0.prefix { $0 != "." }) })
        // Nested keys (`target.name`): each one below the previous, more indented.
        if let sub, sub.contains("."), var at = line, var indent = column {
            for key in sub.split(separator: ".").dropFirst() {
                var found = false
                var i = at
                while i < lines.count {
                    let text = lines[i]
                    let ind = text.prefix { $0 == " " }.count
                    if !String(text).trimmingSpaces.isEmpty, ind < indent { break }
                    if ind >= indent, Self.isKey(text.dropFirst(ind), String(key), indent: 0) {
                        at = i + 1
                        indent = ind + 1
                        found = true
                        break
                    }
                    i += 1
                }
                guard found else { break }
                line = at
                column = indent
            }
        }
        return ManifestError(file: file, line: line, column: column, message: "\(label): \(message)")
    }

    /// The 1-based line and column of a field, or of the closest enclosing thing found.
    func locate(_ field: String, index: Int? = nil, sub: String? = nil) -> (Int?, Int?) {
        guard let top = lines.firstIndex(where: { Self.isKey($0, field, indent: 0) }) else { return (nil, nil) }
        var line = top
        var column = 1
        var end = lines.count
        if let next = lines[(top + 1)...].firstIndex(where: {
            !$0.isEmpty && !$0.hasPrefix(" ") && !$0.hasPrefix("-") && !$0.hasPrefix("#")
        }) {
            end = next
        }
        if let index {
            var seen = -1
            var dashIndent: Int?
            for i in (top + 1)..<end {
                let text = lines[i]
                let indent = text.prefix { $0 == " " }.count
                let rest = text.dropFirst(indent)
                guard rest.hasPrefix("-") else { continue }
                if dashIndent == nil { dashIndent = indent }
                guard indent == dashIndent else { continue }
                seen += 1
                if seen == index {
                    line = i
                    column = indent + 3
                    var itemEnd = end
                    if let n = lines[(i + 1)..<end].firstIndex(where: { l in
                        let ind = l.prefix { $0 == " " }.count
                        return ind == indent && l.dropFirst(ind).hasPrefix("-")
                    }) {
                        itemEnd = n
                    }
                    if let sub {
                        for j in i..<itemEnd {
                            var t = lines[j]
                            if j == i {
                                t = Substring(String(repeating: " ", count: indent + 2) + t.dropFirst(indent + 2))
                            }
                            let ind = t.prefix { $0 == " " }.count
                            if Self.isKey(t.dropFirst(ind), sub, indent: 0) {
                                line = j
                                column = ind + 1
                                break
                            }
                        }
                    }
                    break
                }
            }
        } else if let sub {
            for i in (top + 1)..<end {
                let ind = lines[i].prefix { $0 == " " }.count
                if Self.isKey(lines[i].dropFirst(ind), sub, indent: 0) {
                    line = i
                    column = ind + 1
                    break
                }
            }
        }
        return (line + 1, column)
    }

    private static func isKey(_ text: Substring, _ key: String, indent: Int) -> Bool {
        var rest = text.dropFirst(indent)
        for quote in ["\"", "'"] where rest.hasPrefix(quote) {
            rest = rest.dropFirst()
            guard rest.hasPrefix(key + quote) else { return false }
            rest = rest.dropFirst(key.count + 1)
            return rest.drop { $0 == " " }.hasPrefix(":")
        }
        guard rest.hasPrefix(key) else { return false }
        return rest.dropFirst(key.count).drop { $0 == " " }.hasPrefix(":")
    }
}
