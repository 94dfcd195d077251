import Foundation
import Hummingbird
import PlumbAudit
import PlumbController
import PlumbCore
import PlumbEngine
import PlumbKube

extension Dashboard {
    /// The response for an API error: 403 and 404 as such, anything else 502 with its line.
    func apiError(_ error: any Error, caller: Caller) -> Response {
        if let status = error as? StatusError {
            switch status.reason {
            case .forbidden, .unauthorized: return errorPage(.forbidden, status.message, caller: caller)
            case .notFound: return errorPage(.notFound, status.message, caller: caller)
            default: break
            }
        }
        return errorPage(.badGateway, "the API server: \(Self.oneLine(error))", caller: caller)
    }

    /// The Applications this dashboard shows (its namespace, or all), from the watched copy.
    func listApplications() async throws -> [PlumbApp] {
        try await apps.applications()
    }

    /// The caller of a page that lists Applications, and those of them the caller may list;
    /// or the page to answer instead (the login, an API error, a refusal).
    func listingCaller(_ request: Request) async -> Listing {
        let caller: Caller
        switch self.caller(request) {
        case .success(let c): caller = c
        case .failure(let response): return .failure(response)
        }
        let apps: [PlumbApp]
        do {
            apps = try await listApplications()
        } catch {
            return .failure(apiError(error, caller: caller))
        }
        let allowed = await listable(caller, Set(apps.map(\.key.namespace)))
        if case .login = access, allowed.isEmpty {
            if let refusal = await authorize(caller, "list", namespace: namespace ?? "") {
                return .failure(refusal)
            }
        }
        return .success(caller, apps.filter { allowed.contains($0.key.namespace) })
    }

    /// `GET /ui/`: the table of Applications, filtered by `namespace`, `status` and `q`.
    func applicationsPage(_ request: Request) async -> Response {
        let caller: Caller
        var apps: [PlumbApp]
        switch await listingCaller(request) {
        case .success(let c, let found): (caller, apps) = (c, found)
        case .failure(let response): return response
        }
        let query = request.uri.queryParameters
        let ns = query.get("namespace") ?? ""
        let status = query.get("status") ?? ""
        let text = (query.get("q") ?? "").trimmingCharacters(in: .whitespaces)
        let subjects = await self.subjects.of(apps)
        let views = apps.map { AppView($0, subject: subjects[$0.key.description] ?? "") }
        let shown = views.filter { $0.matches(namespace: ns, status: status, query: text) }
        var c = common(caller, title: "Applications", page: "apps")
        c["shown"] = String(shown.count)
        c["total"] = String(views.count)
        c["query"] = text
        c["namespaces"] = Set(apps.map(\.key.namespace)).sorted().map { ["name": $0, "selected": $0 == ns] as [String: Any] }
        let statuses: [(String, String)] = [
            ("", "any"), ("Synced", "✓ Synced"), ("OutOfSync", "≠ OutOfSync"), ("Healthy", "♥ Healthy"),
            ("Progressing", "◔ Progressing"), ("Degraded", "✗ Degraded"), ("Missing", "∅ Missing"),
            ("Unknown", "? Unknown"), ("suspended", "suspended"),
        ]
        c["statuses"] = statuses.map { ["value": $0.0, "label": $0.1, "selected": $0.0 == status] as [String: Any] }
        if let flash = query.get("done") { c["flash"] = flash }
        // The head, the filters and the table's head go out first; the rows follow in chunks
        // as they are rendered.
        let top = Templates.render("appsTop", c)
        let base = Self.base
        let rows = self.rows
        rows.keep(Set(views.map(\.key)))
        return Response(
            status: .ok, headers: Self.securityHeaders("text/html; charset=utf-8"),
            body: ResponseBody { writer in
                try await writer.write(ByteBuffer(string: top))
                for start in stride(from: 0, to: shown.count, by: Self.rowsPerChunk) {
                    var html = ""
                    for view in shown[start..<min(start + Self.rowsPerChunk, shown.count)] {
                        html += rows.html(view) { Templates.render("appsRows", ["base": base, "apps": [$0.context]]) }
                    }
                    try await writer.write(ByteBuffer(string: html))
                }
                try await writer.write(ByteBuffer(string: Templates.render("appsBottom", ["apps": !shown.isEmpty])))
                try await writer.finish(nil)
            })
    }

    /// Rows of the applications table sent at a time.
    static let rowsPerChunk = 200

    /// `GET /ui/apps/<namespace>/<name>`: summary, conditions, tree, diff, history and Events.
    func applicationPage(_ request: Request, _ key: AppKey) async -> Response {
        let caller: Caller
        switch self.caller(request) {
        case .success(let c): caller = c
        case .failure(let response): return response
        }
        if let refusal = await authorize(caller, "get", namespace: key.namespace, name: key.name) { return refusal }
        let app: PlumbApp
        do {
            guard let found = PlumbApp(try await client.get(Self.ref(key))) else {
                return errorPage(.notFound, "\(key): not an Application", caller: caller)
            }
            app = found
        } catch {
            return apiError(error, caller: caller)
        }
        let records = history(key)
        let subject = records.value.first { $0.revision == app.status.syncRevision }?.subject ?? ""
        var c = common(caller, title: key.name, page: "app")
        for (k, v) in AppView(app, subject: subject).context { c[k] = v }
        if case .success(let spec) = app.spec() {
            c["sourceRevision"] = spec.source.revision
            c["destination"] = spec.destinationNamespace
            c["interval"] = GoDuration.format(spec.interval)
        }
        let suspended = (c["suspended"] as? Bool) ?? false
        c["actions"] = [
            ["action": "sync", "label": "Sync now"],
            suspended ? ["action": "resume", "label": "Resume"] : ["action": "suspend", "label": "Suspend"],
        ]
        c["conditions"] = app.status.conditions.map {
            ["type": $0.type, "status": $0.status.rawValue, "reason": $0.reason, "since": $0.lastTransitionTime, "message": $0.message]
        }
        let rollouts = await rollouts(of: app)
        c["rollouts"] = rollouts.views.map(\.context)
        c["hasRollouts"] = !rollouts.views.isEmpty || rollouts.problem != nil
        c["rolloutsError"] = rollouts.problem ?? false
        do {
            c["tree"] = try await ResourceTree.build(app, client: client).map(\.context)
        } catch {
            c["treeError"] = "the resource tree: \(Self.oneLine(error))"
        }
        if let diff {
            do {
                let result = try await diff.plan(app, client: client)
                let trailer = "revision \(PlumbApp.shortRevision(result.revision))" + (result.branch.map { " (\($0))" } ?? "")
                c["diff"] = DiffPrinter(format: .fields, color: false).render(result.plan, trailer: trailer)
            } catch {
                c["diffError"] = "the diff: \(Self.oneLine(error))"
            }
        }
        if let problem = records.problem { c["historyError"] = problem }
        c["history"] = records.value.map { historyRow($0, key) }
        do {
            c["events"] = try await events(of: app)
        } catch {
            c["eventsError"] = "the Events: \(Self.oneLine(error))"
        }
        if let flash = request.uri.queryParameters.get("done") { c["flash"] = flash }
        return Self.html(Templates.render("app", c))
    }

    /// `GET /ui/apps/<namespace>/<name>/history/<id>`: one audit record and its objects.
    func recordPage(_ request: Request, _ key: AppKey, id: Int64) async -> Response {
        let caller: Caller
        switch self.caller(request) {
        case .success(let c): caller = c
        case .failure(let response): return response
        }
        if let refusal = await authorize(caller, "get", namespace: key.namespace, name: key.name) { return refusal }
        guard let audit else { return errorPage(.notFound, "no audit trail is configured", caller: caller) }
        let found: AuditRecord?
        do {
            found = try audit.record(id)
        } catch {
            return errorPage(.internalServerError, "the audit trail: \(Self.oneLine(error))", caller: caller)
        }
        // A record of another Application is not shown under this one's permission.
        guard let record = found, record.app == key.description else {
            return errorPage(.notFound, "no audit record #\(id) of \(key)", caller: caller)
        }
        var c = common(caller, title: "Record #\(id)", page: "record")
        c["namespace"] = key.namespace
        c["name"] = key.name
        c["id"] = String(record.id)
        c["app"] = record.app
        c["kind"] = record.kind.rawValue
        c["result"] = record.result.rawValue
        c["resultClass"] = AppView.cssClass(record.result.rawValue)
        c["error"] = record.error ?? ""
        c["revision"] = record.revision
        c["author"] = record.author
        c["message"] = record.message
        c["signature"] = record.signature.display
        c["initiator"] = record.initiator
        c["started"] = record.startedAt.iso8601
        c["duration"] = record.durationText ?? "running"
        c["target"] = record.target
        c["repo"] = record.repo
        c["objects"] = record.objects.map {
            [
                "ref": $0.ref.description, "action": $0.action.rawValue, "paths": $0.changedPaths.joined(separator: ", "),
                "health": $0.health?.rawValue ?? "", "error": $0.error ?? "",
            ]
        }
        return Self.html(Templates.render("record", c))
    }

    static func ref(_ key: AppKey) -> ObjectRef {
        ObjectRef(apiVersion: PlumbApp.apiVersion, kind: PlumbApp.kind, namespace: key.namespace, name: key.name)
    }

    /// The Application's audit records, newest first (at most 50), or why there are none.
    func history(_ key: AppKey) -> (value: [AuditRecord], problem: String?) {
        guard let audit else { return ([], "no audit trail is configured") }
        do {
            return (try audit.history(app: key.description, limit: 50), nil)
        } catch {
            return ([], "the audit trail: \(Self.oneLine(error))")
        }
    }

    func historyRow(_ r: AuditRecord, _ key: AppKey) -> [String: Any] {
        var row: [String: String] = [:]
        row["id"] = String(r.id)
        row["started"] = r.startedAt.display
        row["revision"] = PlumbApp.shortRevision(r.revision)
        row["author"] = r.author
        row["subject"] = r.subject
        row["initiator"] = r.initiator
        row["result"] = r.result.rawValue
        row["resultClass"] = AppView.cssClass(r.result.rawValue)
        row["changes"] = r.changeSummary
        row["duration"] = r.durationText ?? "running"
        row["namespace"] = key.namespace
        row["name"] = key.name
        return row
    }

    /// The Events about the Application (`events.k8s.io/v1` `regarding`, or core `involvedObject`), newest first.
    func events(of app: PlumbApp) async throws -> [[String: String]] {
        let items = try await client.list(apiVersion: "events.k8s.io/v1", kind: "Event", namespace: app.key.namespace).items
        func about(_ e: Value) -> Bool {
            let subject = e["regarding"] ?? e["involvedObject"]
            return subject?["kind"]?.stringValue == PlumbApp.kind && subject?["name"]?.stringValue == app.key.name
                && (subject?["uid"]?.stringValue.map { $0.isEmpty || $0 == app.uid } ?? true)
        }
        func time(_ e: Value) -> String {
            for path in [["eventTime"], ["series", "lastObservedTime"], ["deprecatedLastTimestamp"], ["metadata", "creationTimestamp"]] {
                if let t = e[path: path]?.stringValue, !t.isEmpty { return t }
            }
            return ""
        }
        return items.filter(about).sorted { time($0) > time($1) }.prefix(50).map { e in
            [
                "type": e["type"]?.stringValue ?? "", "reason": e["reason"]?.stringValue ?? "", "time": time(e),
                "message": e["note"]?.stringValue ?? e["message"]?.stringValue ?? "",
            ]
        }
    }
}
