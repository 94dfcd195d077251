import Foundation
import PlumbAudit
import PlumbCore
import PlumbEngine
import PlumbKube
import PlumbManifests

/// Where a sync asks for approval before its first write, and how long it waits
/// (`syncPolicy.approval`, `plumb sync --approval-url`). See docs/governance.md.
public struct ApprovalSettings: Sendable, Equatable {
    /// The endpoint the plan summary is POSTed to.
    public var url: String
    /// How long a pending decision is waited for before the sync is given up.
    public var timeout: Duration
    /// How often a pending decision is asked for again.
    public var pollInterval: Duration

    public init(url: String, timeout: Duration = .seconds(600), pollInterval: Duration = .seconds(10)) {
        self.url = url
        self.timeout = timeout
        self.pollInterval = pollInterval
    }
}

/// The approval service's answer to one sync.
public enum ApprovalDecision: Sendable, Equatable {
    case approved(reason: String?)
    case rejected(reason: String?)
    /// Still pending when the timeout passed.
    case timedOut(after: Duration)
    /// The service could not be asked or gave an unusable answer (until the timeout).
    case failed(String)

    public var isApproved: Bool { if case .approved = self { return true } else { return false } }

    /// `approval rejected: change freeze` or `approval timed out after 10m`: the audit record's error.
    public var message: String {
        switch self {
        case .approved(let reason): return "approved" + (reason.map { ": \($0)" } ?? "")
        case .rejected(let reason): return "approval rejected" + (reason.map { ": \($0)" } ?? "")
        case .timedOut(let after): return "approval timed out after \(SyncWindows.text(after))"
        case .failed(let why): return "approval failed: \(why)"
        }
    }
}

/// Asks an approval service whether a plan may be synced: POSTs the plan summary (signed with
/// HMAC-SHA256 when a key is given), then, while the answer is `pending`, asks again every
/// `pollInterval` (a GET of the `pollURL` the service gave, else the same POST again) until it
/// says `approved` or `rejected` or the timeout passes.
public struct ApprovalGate: Sendable {
    public var settings: ApprovalSettings
    let client: WebhookClient

    public init(settings: ApprovalSettings, key: [UInt8]?) {
        self.settings = settings
        self.client = WebhookClient(key: key, requestTimeout: min(.seconds(30), max(settings.timeout, .seconds(1))))
    }

    /// The plan summary the service receives: app, revision, commit author and message, counts
    /// and every object with its action and the paths of the fields that change (never values).
    public static func summary(
        _ plan: Plan, source: LoadedSource, app: String, target: String, repo: String, initiator: String
    ) -> Value {
        let changes = plan.changeSet
        var counts = ValueObject()
        for action in ["created", "configured", "pruned", "unchanged"] { counts[action] = .int(0) }
        var objects: [Value] = []
        for o in changes.objects {
            counts[o.action.rawValue] = .int((counts[o.action.rawValue]?.intValue ?? 0) + 1)
            objects.append([
                "apiVersion": .string(o.ref.apiVersion), "kind": .string(o.ref.kind),
                "namespace": .string(o.ref.namespace),
                "name": .string(o.ref.name), "action": .string(o.action.rawValue),
                "changedPaths": .array(AuditedSync.auditPaths(o.changes.map(\.path)).map(Value.string)),
            ])
        }
        let commit = source.commit
        return [
            "app": .string(app), "target": .string(target), "repo": .string(WebhookClient.safe(repo)),
            "revision": .string(commit.id.hex),
            "author": .string(AuditedSync.person(commit.author.name, commit.author.email)),
            "committer": .string(AuditedSync.person(commit.committer.name, commit.committer.email)),
            "message": .string(commit.message), "initiator": .string(initiator), "renderer": .string(source.renderer),
            "counts": .object(counts), "objects": .array(objects),
        ]
    }

    /// One answer of the service, as `ask` reads it.
    public enum Step: Sendable, Equatable {
        case approved(reason: String?)
        case rejected(reason: String?)
        /// Ask again later: at `pollURL` when the service gave one.
        case pending(reason: String?, pollURL: String?)
        /// An outage (no connection, 5xx, 408, 429): ask again later.
        case unavailable(String)
        /// An answer that ends the wait: another status, or not a decision.
        case failed(String)
    }

    /// The headers of every request about `summary`: one approval id per app, revision and
    /// target, so the service can tell a retry from a new request.
    static func headers(_ summary: Value) -> [HTTPHeader] {
        let id = AuditChain.sha256(
            .string(
                "\(summary["app"]?.stringValue ?? "")\n\(summary["revision"]?.stringValue ?? "")\n\(summary["target"]?.stringValue ?? "")"
            ))
        return [HTTPHeader("X-Plumb-Approval-Id", String(id.prefix(32))), HTTPHeader("X-Plumb-Event", "approval")]
    }

    /// Asks once: POSTs `summary`, or GETs `pollURL` when the service gave one.
    public func ask(_ summary: Value, pollURL: String?) async -> Step {
        let headers = Self.headers(summary)
        do {
            let response =
                if let pollURL {
                    try await client.send("GET", pollURL, body: nil, headers: headers)
                } else {
                    try await client.send(
                        "POST", settings.url, body: Array(AuditChain.canonicalJSON(summary).utf8), headers: headers)
                }
            switch Self.read(response) {
            case .answer(let decision, let reason, let next):
                switch decision {
                case "approved": return .approved(reason: reason)
                case "rejected": return .rejected(reason: reason)
                default:
                    return .pending(
                        reason: reason, pollURL: next.map { Self.resolve($0, against: settings.url) } ?? pollURL)
                }
            case .transient(let why):
                return .unavailable("\(WebhookClient.safe(pollURL ?? settings.url)): \(why)")
            case .terminal(let why):
                return .failed("\(WebhookClient.safe(pollURL ?? settings.url)): \(why)")
            }
        } catch {
            return .unavailable(error.description)
        }
    }

    /// Asks for a decision on `summary` and waits for it: while pending (or the service is
    /// unavailable) asks again every `pollInterval` until the timeout. `onPending` is called
    /// once when the service first says pending. Cancellation ends the wait as a failure.
    public func decide(_ summary: Value, onPending: @Sendable (String?) async -> Void = { _ in }) async
        -> ApprovalDecision
    {
        let clock = ContinuousClock()
        let deadline = clock.now + settings.timeout
        var pollURL: String?
        var told = false
        var lastProblem: String?
        while true {
            switch await ask(summary, pollURL: pollURL) {
            case .approved(let reason): return .approved(reason: reason)
            case .rejected(let reason): return .rejected(reason: reason)
            case .failed(let why): return .failed(why)
            case .pending(let reason, let next):
                pollURL = next
                lastProblem = nil
                if !told {
                    told = true
                    await onPending(reason)
                }
            case .unavailable(let why):
                lastProblem = why
            }
            if Task.isCancelled { return .failed("cancelled while waiting for approval") }
            let now = clock.now
            guard now < deadline else {
                if let lastProblem {
                    return .failed("\(lastProblem) (until the \(SyncWindows.text(settings.timeout)) timeout)")
                }
                return .timedOut(after: settings.timeout)
            }
            do {
                try await Task.sleep(for: min(settings.pollInterval, deadline - now))
            } catch {
                return .failed("cancelled while waiting for approval")
            }
        }
    }

    enum Reading: Equatable {
        case answer(decision: String, reason: String?, pollURL: String?)
        case transient(String)
        case terminal(String)
    }

    /// A 2xx answer with a known decision; 5xx, 429 and 408 may pass; anything else ends the wait.
    static func read(_ response: KubeResponse) -> Reading {
        guard (200..<300).contains(response.status) else {
            let why = "answered HTTP \(response.status)"
            return response.status >= 500 || response.status == 429 || response.status == 408
                ? .transient(why) : .terminal(why)
        }
        guard let value = try? JSONReader().parse(String(decoding: response.body, as: UTF8.self)),
            let decision = value["decision"]?.stringValue, ["approved", "rejected", "pending"].contains(decision)
        else {
            return .terminal("answer is not {\"decision\": \"approved\"|\"rejected\"|\"pending\"}")
        }
        let reason = value["reason"]?.stringValue.map {
            String($0.prefix(500)).replacingOccurrences(of: "\n", with: " ")
        }
        return .answer(decision: decision, reason: reason, pollURL: value["pollURL"]?.stringValue)
    }

    /// A poll URL as given, or relative to the approval URL.
    static func resolve(_ url: String, against base: String) -> String {
        if url.contains("://") { return url }
        return URL(string: url, relativeTo: URL(string: base))?.absoluteURL.absoluteString ?? url
    }
}
