/// A classic unified diff of two texts, line by line, as `diff -u` prints it.
public enum UnifiedDiff {
    /// The hunks (with `context` lines around each change) and `---`/`+++` headers; empty
    /// when the texts are equal. An empty old or new label side reads `/dev/null`.
    public static func diff(old: String, new: String, oldLabel: String, newLabel: String, context: Int = 3) -> String {
        let a = lines(old)
        let b = lines(new)
        let ops = edits(a, b)
        guard ops.contains(where: { $0.kind != .same }) else { return "" }
        var out = "--- \(oldLabel)\n+++ \(newLabel)\n"
        for hunk in hunks(ops, context: context) {
            let first = ops[hunk.lowerBound]
            let oldCount = ops[hunk].filter { $0.kind != .insert }.count
            let newCount = ops[hunk].filter { $0.kind != .delete }.count
            // diff -u numbers an empty range by the line before it.
            let oldStart = oldCount == 0 ? first.oldLine : first.oldLine + 1
            let newStart = newCount == 0 ? first.newLine : first.newLine + 1
            out += "@@ -\(range(oldStart, oldCount)) +\(range(newStart, newCount)) @@\n"
            for op in ops[hunk] {
                switch op.kind {
                case .same: out += " " + a[op.oldLine] + "\n"
                case .delete: out += "-" + a[op.oldLine] + "\n"
                case .insert: out += "+" + b[op.newLine] + "\n"
                }
            }
        }
        return out
    }

    private static func range(_ start: Int, _ count: Int) -> String { count == 1 ? "\(start)" : "\(start),\(count)" }

    static func lines(_ text: String) -> [String] {
        guard !text.isEmpty else { return [] }
        var parts = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if parts.last == "" { parts.removeLast() }
        return parts
    }

    struct Edit {
        enum Kind { case same, delete, insert }
        var kind: Kind
        /// 0-based line in the old text (for inserts: the count of old lines before it).
        var oldLine: Int
        /// 0-based line in the new text (for deletes: the count of new lines before it).
        var newLine: Int
    }

    /// The largest LCS table built (cells); 4M cells is 32 MB.
    static let maxTableCells = 4_000_000

    /// The edit script of a longest common subsequence; the common prefix and suffix are
    /// taken first, which leaves small tables for objects that differ in a few places.
    static func edits(_ a: [String], _ b: [String]) -> [Edit] {
        var prefix = 0
        while prefix < a.count && prefix < b.count && a[prefix] == b[prefix] { prefix += 1 }
        var suffix = 0
        while suffix < a.count - prefix && suffix < b.count - prefix && a[a.count - 1 - suffix] == b[b.count - 1 - suffix] {
            suffix += 1
        }
        var x = Array(a[prefix..<(a.count - suffix)])
        var y = Array(b[prefix..<(b.count - suffix)])
        var ops: [Edit] = (0..<prefix).map { Edit(kind: .same, oldLine: $0, newLine: $0) }
        if x.count * y.count > maxTableCells {
            // Too big a table (a huge object rewritten): the middle is replaced as a whole,
            // still a correct diff, only not the shortest.
            ops += x.indices.map { Edit(kind: .delete, oldLine: prefix + $0, newLine: prefix) }
            ops += y.indices.map { Edit(kind: .insert, oldLine: prefix + x.count, newLine: prefix + $0) }
            x = []
            y = []
        }
        // lcs[i][j]: length of the LCS of x[i...] and y[j...].
        var lcs = [[Int]](repeating: [Int](repeating: 0, count: y.count + 1), count: x.count + 1)
        for i in stride(from: x.count - 1, through: 0, by: -1) {
            for j in stride(from: y.count - 1, through: 0, by: -1) {
                lcs[i][j] = x[i] == y[j] ? lcs[i + 1][j + 1] + 1 : max(lcs[i + 1][j], lcs[i][j + 1])
            }
        }
        var (i, j) = (0, 0)
        while i < x.count || j < y.count {
            if i < x.count && j < y.count && x[i] == y[j] {
                ops.append(Edit(kind: .same, oldLine: prefix + i, newLine: prefix + j))
                i += 1
                j += 1
            } else if j < y.count && (i == x.count || lcs[i][j + 1] > lcs[i + 1][j]) {
                ops.append(Edit(kind: .insert, oldLine: prefix + i, newLine: prefix + j))
                j += 1
            } else {
                ops.append(Edit(kind: .delete, oldLine: prefix + i, newLine: prefix + j))
                i += 1
            }
        }
        for k in 0..<suffix {
            ops.append(Edit(kind: .same, oldLine: a.count - suffix + k, newLine: b.count - suffix + k))
        }
        return ops
    }

    /// Ranges of `ops` to print: each change with `context` lines around, overlapping ones merged.
    static func hunks(_ ops: [Edit], context: Int) -> [Range<Int>] {
        var out: [Range<Int>] = []
        for (index, op) in ops.enumerated() where op.kind != .same {
            let lower = max(0, index - context)
            let upper = min(ops.count, index + context + 1)
            if let last = out.last, lower <= last.upperBound {
                out[out.count - 1] = last.lowerBound..<max(last.upperBound, upper)
            } else {
                out.append(lower..<upper)
            }
        }
        return out
    }
}
