import Foundation

/// How a record reads in a list, shared by `plumb history` and the dashboard.
extension AuditRecord {
    /// `+2 ~2 -1`: objects created, configured and pruned; `6 failed` and `1 unknown` for objects
    /// that failed or whose write went unanswered; `(health)` when one ended unhealthy.
    public var changeSummary: String {
        func count(_ action: AuditAction) -> Int { objects.filter { $0.action == action }.count }
        var parts: [String] = []
        if count(.created) > 0 { parts.append("+\(count(.created))") }
        if count(.configured) > 0 { parts.append("~\(count(.configured))") }
        if count(.pruned) > 0 { parts.append("-\(count(.pruned))") }
        if count(.failed) > 0 { parts.append("\(count(.failed)) failed") }
        if count(.unknown) > 0 { parts.append("\(count(.unknown)) unknown") }
        if parts.isEmpty { parts.append(result == .started || result == .interrupted ? "?" : "0") }
        if objects.contains(where: { $0.health?.isFailure == true }) { parts.append("(health)") }
        return parts.joined(separator: " ")
    }

    /// The first line of the commit message.
    public var subject: String {
        String(message.split(whereSeparator: \.isNewline).first ?? "")
    }

    /// How long it took, `4.2s` or `2m05s`; nil while it runs.
    public var durationText: String? {
        guard let endedAt else { return nil }
        let ms = max(0, endedAt.milliseconds - startedAt.milliseconds)
        if ms < 60_000 { return String(format: "%.1fs", Double(ms) / 1000) }
        let s = ms / 1000
        return "\(s / 60)m" + (s % 60 < 10 ? "0" : "") + "\(s % 60)s"
    }
}
