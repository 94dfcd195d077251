import Foundation
import PlumbAudit
import PlumbController
import PlumbCore

/// What a page shows of one Application: the row of the list, the head of its page and the
/// JSON of a live update, from the same data as `plumb app get -o json`.
struct AppView: Sendable, Equatable {
    var key: String
    var namespace: String
    var name: String
    var repo: String
    var path: String
    var revision: String
    var subject: String
    var sync: String
    var health: String
    var healthMessage: String
    var lastSync: String
    var policy: String
    var suspended: Bool

    init(_ app: Application, subject: String) {
        let status = app.status
        let spec = app.object["spec"]
        key = app.key.description
        namespace = app.key.namespace
        name = app.key.name
        repo = spec?[path: ["source", "repoURL"]]?.stringValue ?? "-"
        path = spec?[path: ["source", "path"]]?.stringValue ?? "."
        revision = Application.shortRevision(status.syncRevision)
        self.subject = subject
        sync = status.syncStatus.rawValue
        health = status.health.rawValue
        healthMessage = status.healthMessage
        lastSync = status.condition(Condition.ready)?.lastTransitionTime ?? "-"
        policy = app.policySummary
        suspended = policy == "suspended"
    }

    static func syncIcon(_ sync: String) -> String {
        switch sync {
        case "Synced": return "✓"
        case "OutOfSync": return "≠"
        default: return "?"
        }
    }

    static func healthIcon(_ health: String) -> String {
        switch health {
        case "Healthy": return "♥"
        case "Progressing": return "◔"
        case "Degraded": return "✗"
        case "Missing": return "∅"
        default: return "?"
        }
    }

    /// The CSS class suffix of a status word: lower case, letters and digits only.
    static func cssClass(_ word: String) -> String {
        String(word.lowercased().unicodeScalars.filter { CharacterSet.alphanumerics.contains($0) || $0 == "-" })
    }

    /// The values the templates and the script use.
    var context: [String: Any] {
        [
            "key": key, "namespace": namespace, "name": name, "repo": repo, "path": path, "revision": revision,
            "subject": subject, "sync": sync, "syncClass": Self.cssClass(sync), "syncIcon": Self.syncIcon(sync),
            "health": health, "healthClass": Self.cssClass(health), "healthIcon": Self.healthIcon(health),
            "healthMessage": healthMessage, "lastSync": lastSync, "policy": policy, "suspended": suspended,
        ]
    }

    /// The `app` event of the stream: JSON, each string escaped by the JSON writer.
    var json: String {
        let value: Value = [
            "key": .string(key), "sync": .string(sync), "syncClass": .string(Self.cssClass(sync)),
            "syncIcon": .string(Self.syncIcon(sync)), "health": .string(health),
            "healthClass": .string(Self.cssClass(health)), "healthIcon": .string(Self.healthIcon(health)),
            "revision": .string(revision), "subject": .string(subject), "lastSync": .string(lastSync),
            "healthMessage": .string(healthMessage),
        ]
        return (try? JSONWriter().string(value)) ?? "{}"
    }

    /// Whether the row matches the list's filters.
    func matches(namespace ns: String, status: String, query: String) -> Bool {
        if !ns.isEmpty && namespace != ns { return false }
        switch status {
        case "": break
        case "Synced", "OutOfSync": if sync != status { return false }
        case "suspended": if !suspended { return false }
        default: if health != status { return false }
        }
        guard !query.isEmpty else { return true }
        let q = query.lowercased()
        return [name, namespace, repo, path, subject, revision].contains { $0.lowercased().contains(q) }
    }
}

/// The commit subject of each Application's synced revision, from the audit trail: the record
/// of `status.lastAuditID` when it is of that revision, else the latest record of it. A
/// revision's subject never changes, so each is read once; a revision without a record yet is
/// looked for again after a while.
actor CommitSubjects {
    let audit: (any AuditStore)?
    private var known: [String: String] = [:]
    private var missing: [String: ContinuousClock.Instant] = [:]

    init(audit: (any AuditStore)?) { self.audit = audit }

    /// Subjects by Application key (`namespace/name`).
    func of(_ apps: [PlumbApp]) -> [String: String] {
        guard let audit else { return [:] }
        let now = ContinuousClock.now
        var out: [String: String] = [:]
        var wanted: [(key: String, cacheKey: String, revision: String)] = []
        for app in apps {
            guard let revision = app.status.syncRevision, !revision.isEmpty else { continue }
            let key = app.key.description
            let cacheKey = key + "\u{0}" + revision
            if let subject = known[cacheKey] {
                out[key] = subject
                continue
            }
            if let since = missing[cacheKey], now - since < .seconds(30) { continue }
            if let id = app.status.lastAuditID, let record = try? audit.record(id), record.app == key,
                record.revision == revision
            {
                known[cacheKey] = record.subject
                out[key] = record.subject
                continue
            }
            wanted.append((key, cacheKey, revision))
        }
        if !wanted.isEmpty, let records = try? audit.history(app: nil, limit: max(200, wanted.count * 3)) {
            var latest: [String: String] = [:]
            for record in records where latest[record.app + "\u{0}" + record.revision] == nil {
                latest[record.app + "\u{0}" + record.revision] = record.subject
            }
            for w in wanted {
                if let subject = latest[w.cacheKey] {
                    known[w.cacheKey] = subject
                    out[w.key] = subject
                } else {
                    missing[w.cacheKey] = now
                }
            }
        }
        if known.count > 100_000 { known = [:] }
        if missing.count > 100_000 { missing = [:] }
        return out
    }
}

/// The Application of PlumbController (Hummingbird has an `Application` too).
typealias PlumbApp = PlumbController.Application
