import PlumbController
import PlumbCore

/// How `plumb app` prints Applications: the list table and one Application's details.
enum AppFormat {
    /// The first 7 characters of a commit SHA; other revisions as they are.
    static func short(_ revision: String?) -> String { Application.shortRevision(revision) }

    static func text(_ value: Value?, _ path: [String]) -> String? {
        value?[path: path]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// `manual`, `auto`, `auto+prune+heal`; `suspended` wins; `invalid` for a spec the
    /// controller refuses (its Stalled condition says why).
    static func policy(_ app: Application) -> String { app.policySummary }

    /// `NAMESPACE  NAME  REVISION  SYNC  HEALTH  READY  POLICY  REPO  PATH`.
    static func table(_ apps: [Application], showNamespace: Bool) -> String {
        var header = ["NAME", "REVISION", "SYNC", "HEALTH", "READY", "POLICY", "REPO", "PATH"]
        if showNamespace { header.insert("NAMESPACE", at: 0) }
        let rows: [[String]] = apps.map { app in
            let status = app.status
            let spec = app.object["spec"]
            var row = [
                app.key.name,
                short(status.syncRevision),
                status.syncStatus.rawValue,
                status.health.rawValue,
                status.condition(Condition.ready)?.status.rawValue ?? "-",
                policy(app),
                text(spec, ["source", "repoURL"]) ?? "-",
                text(spec, ["source", "path"]) ?? ".",
            ]
            if showNamespace { row.insert(app.key.namespace, at: 0) }
            return row
        }
        return HistoryFormat.columns([header] + rows)
    }

    /// Everything `plumb app get` shows, in the order `argocd app get` shows it.
    static func details(_ app: Application) -> String {
        let status = app.status
        var fields: [(String, String)] = [("Name", app.key.description)]
        switch app.spec() {
        case .success(let spec):
            fields.append(
                ("Source", "\(spec.source.repoURL)  path \(spec.source.path)  revision \(spec.source.revision)"))
            fields.append(("Destination", "namespace " + spec.destinationNamespace))
            fields.append(("Sync policy", policy(app) + "  every " + GoDuration.format(spec.interval)))
            if let secret = spec.source.secretRef { fields.append(("Credentials", "Secret \(secret)")) }
        case .failure(let error):
            fields.append(("Spec", "invalid: \(error)"))
        }
        var sync = status.syncStatus.rawValue
        if let revision = status.syncRevision, !revision.isEmpty { sync += " to " + short(revision) }
        fields.append(("Sync status", sync))
        fields.append(
            (
                "Health",
                status.health.rawValue + (status.healthMessage.isEmpty ? "" : ": " + oneLine(status.healthMessage))
            ))
        fields.append(("Last synced", short(status.lastSyncedRevision)))
        fields.append(("Last attempted", short(status.lastAttemptedRevision)))
        fields.append(("Last audit ID", status.lastAuditID.map { "#\($0)" } ?? "-"))
        if app.object["status"] != nil, status.observedGeneration != app.generation {
            fields.append(
                (
                    "Observed",
                    "generation \(status.observedGeneration) of \(app.generation) (the controller has not seen the last change)"
                ))
        }
        let width = (fields.map(\.0.count).max() ?? 0) + 2
        var out =
            fields.map { $0.0 + ":" + String(repeating: " ", count: width - $0.0.count - 1) + $0.1 }
            .joined(separator: "\n") + "\n"
        if !status.conditions.isEmpty {
            out +=
                "\n"
                + HistoryFormat.columns(
                    [["CONDITION", "STATUS", "REASON", "SINCE", "MESSAGE"]]
                        + status.conditions.map { c in
                            [c.type, c.status.rawValue, c.reason, c.lastTransitionTime, oneLine(c.message)]
                        })
        }
        if !status.resources.isEmpty {
            out +=
                "\n"
                + HistoryFormat.columns(
                    [["GROUP", "KIND", "NAMESPACE", "NAME", "STATUS", "HEALTH"]]
                        + status.resources.map { r in
                            [
                                r.group.isEmpty ? "-" : r.group, r.kind, r.namespace.isEmpty ? "-" : r.namespace,
                                r.name,
                                r.status.rawValue, r.health?.rawValue ?? "-",
                            ]
                        })
        }
        return out
    }

    static func oneLine(_ s: String) -> String {
        s.split(whereSeparator: \.isNewline).joined(separator: " ")
    }
}
