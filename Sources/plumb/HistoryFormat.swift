import PlumbAudit
import PlumbCore

/// How `plumb history` prints records: the table, one record's details, JSON.
enum HistoryFormat {
    static func json(_ value: Value) -> String {
        ((try? JSONWriter(style: .pretty(indent: 4), sortKeys: true).string(value)) ?? "null") + "\n"
    }

    /// `ID  STARTED  REVISION  AUTHOR  RESULT  CHANGES  BY`, columns as wide as their widest cell.
    static func table(_ records: [AuditRecord]) -> String {
        let header = ["ID", "STARTED", "REVISION", "AUTHOR", "RESULT", "CHANGES", "BY"]
        let rows = records.map { r in
            [
                String(r.id), r.startedAt.display, r.shortRevision, author(r.author), r.result.rawValue, changes(r),
                r.initiator,
            ]
        }
        return columns([header] + rows)
    }

    static func columns(_ rows: [[String]]) -> String {
        guard let width = rows.first?.count else { return "" }
        var widths = [Int](repeating: 0, count: width)
        for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
        var out = ""
        for row in rows {
            var line = ""
            for (i, cell) in row.enumerated() {
                line += i == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[i] - cell.count + 2)
            }
            while line.hasSuffix(" ") { line.removeLast() }
            out += line + "\n"
        }
        return out
    }

    /// The first word of the author's name, lowercased; the e-mail's local part when there is no name.
    static func author(_ author: String) -> String {
        var name = author
        var email = ""
        if let open = author.lastIndex(of: "<") {
            name = String(author[..<open])
            email = String(author[author.index(after: open)...].prefix { $0 != ">" })
        }
        if let first = name.split(whereSeparator: { $0 == " " || $0 == "\t" }).first {
            return first.lowercased()
        }
        let local = email.prefix { $0 != "@" }
        return local.isEmpty ? "-" : local.lowercased()
    }

    /// `+2 ~2 -1`: objects created, configured and pruned; `6 failed` and `1 unknown` for objects
    /// that failed or whose write went unanswered; `(health)` when one ended unhealthy.
    static func changes(_ r: AuditRecord) -> String { r.changeSummary }

    /// Every field of one record, then its objects one per line.
    static func details(_ r: AuditRecord) -> String {
        var fields: [(String, String)] = [
            ("started", r.startedAt.iso8601),
            ("ended", r.endedAt?.iso8601 ?? "-"),
            ("app", r.app),
            ("target", r.target),
            ("repo", r.repo),
            ("revision", r.revision),
            ("previous", r.previousRevision ?? "-"),
            ("author", r.author),
            ("committer", r.committer),
            ("signature", r.signature.display),
            (
                "message",
                r.message.split(separator: "\n", omittingEmptySubsequences: false).joined(separator: "\n           ")
            ),
            ("by", r.initiator),
            ("options", AuditChain.canonicalJSON(r.options)),
            ("process", "pid \(r.process.pid) on \(r.process.host)"),
        ]
        if let error = r.error { fields.append(("error", error)) }
        if let policy = r.policy { fields += PolicyOptions.historyFields(policy) }
        fields += [("hash", r.hash), ("header", r.headerHash), ("prev hash", r.prevHash)]
        var out = "\(r.kind.rawValue) #\(r.id)  \(r.result.rawValue)\n"
        for (key, value) in fields {
            out += key + String(repeating: " ", count: 11 - key.count) + value + "\n"
        }
        let shared = sharedReasons(r.objects)
        for (reason, count) in shared.lines {
            out += "skipped    \(count) \(count == 1 ? "object" : "objects"): \(reason)\n"
        }
        out += "objects    \(r.objects.count)\n"
        let width = r.objects.map(\.action.rawValue.count).max() ?? 0
        for o in r.objects {
            var line = "  " + o.action.rawValue + String(repeating: " ", count: width - o.action.rawValue.count + 2)
            line += o.ref.description
            if !o.changedPaths.isEmpty { line += "  " + o.changedPaths.joined(separator: ", ") }
            if let health = o.health { line += "  health \(health.rawValue)" }
            if let error = o.error, !(o.action == .skipped && shared.reasons.contains(reason(error, of: o.ref))) {
                line += "  error: \(error)"
            }
            out += line + "\n"
            for warning in o.warnings {
                out += String(repeating: " ", count: width + 4) + "warning: \(warning)\n"
            }
        }
        return out
    }

    /// The reasons two or more skipped objects share (`not applied: 6 of 131 objects failed
    /// validation`, `not attempted: server unreachable since ...`), each with how many objects
    /// it covers, in the order they first occur: `history show` states each once.
    static func sharedReasons(_ objects: [AuditObjectEntry]) -> (lines: [(String, Int)], reasons: Set<String>) {
        var counts: [String: Int] = [:]
        var order: [String] = []
        for o in objects where o.action == .skipped {
            guard let error = o.error else { continue }
            let why = reason(error, of: o.ref)
            if counts[why] == nil { order.append(why) }
            counts[why, default: 0] += 1
        }
        let shared = order.filter { (counts[$0] ?? 0) > 1 }
        return (shared.map { ($0, counts[$0] ?? 0) }, Set(shared))
    }

    /// An object's error without the object it starts with (the executor's errors name it first).
    static func reason(_ error: String, of ref: ObjectRef) -> String {
        let prefix = ref.description + ": "
        return error.hasPrefix(prefix) ? String(error.dropFirst(prefix.count)) : error
    }
}
