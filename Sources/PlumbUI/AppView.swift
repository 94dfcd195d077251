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

/// The commit subject of each Application's synced revision, from the audit trail's latest
/// record of that revision.
enum CommitSubjects {
    static func of(_ apps: [Application], audit: (any AuditStore)?) -> [String: String] {
        guard let audit, !apps.isEmpty else { return [:] }
        var wanted: [String: String] = [:]
        for app in apps {
            if let rev = app.status.syncRevision, !rev.isEmpty { wanted[app.key.description] = rev }
        }
        var found: [String: String] = [:]
        guard let records = try? audit.history(app: nil, limit: max(200, apps.count * 3)) else { return [:] }
        for record in records where found[record.app] == nil {
            if let rev = wanted[record.app], rev == record.revision { found[record.app] = record.subject }
        }
        return found
    }
}

/// The Application of PlumbController (Hummingbird has an `Application` too).
typealias PlumbApp = PlumbController.Application
