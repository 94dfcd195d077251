import Foundation
import PlumbCore
import PlumbEngine
import PlumbKube
import PlumbReport

/// The controller's reports on the forge an Application's `spec.notify` names: a commit
/// status `plumb/<app>` per revision it syncs (pending when the sync starts, then success
/// once synced and healthy, or failure with the reason), sent through one `StatusNotifier`
/// so that a forge outage delays statuses but never blocks or fails a sync; and, with
/// `spec.previews`, the plans of open pull requests (`PreviewTracker`).
public final class ForgeReporting: Sendable {
    /// Makes the client of a forge: kind, API address (nil: the public service), repository, token.
    public typealias MakeForge =
        @Sendable (_ forge: String, _ baseURL: String?, _ repository: String, _ token: String) throws -> any Forge

    public let notifier: StatusNotifier
    public let previews: PreviewTracker
    let makeForge: MakeForge
    let log: @Sendable (String) -> Void
    /// The last status sent per Application: of which revision, in which state.
    let sent = Locked<[AppKey: (revision: String, state: CommitState)]>([:])
    /// Each Application's forge client, kept while its spec.notify and token stay the same.
    let clients = Locked<[AppKey: (notify: ApplicationSpec.Notify, token: String, forge: any Forge)]>([:])
    /// Applications whose previews are being refreshed now (one refresh at a time each).
    let refreshing = Locked<Set<AppKey>>([])
    /// Heads fetched on purpose because the clone did not have them yet.
    let fetchedHeads = Locked<Set<String>>([])

    /// Reporting with the forge clients of `PlumbReport` (`makeForge`).
    public convenience init(log: @escaping @Sendable (String) -> Void) {
        self.init(
            makeForge: { kind, baseURL, repository, token in
                guard let kind = ForgeKind(rawValue: kind) else { throw ReportingError("unknown forge \(kind)") }
                var configuration = ForgeConfiguration(
                    kind: kind, baseURL: baseURL, repository: repository, auth: .token(token))
                configuration.log = log
                return try PlumbReport.makeForge(configuration)
            }, log: log)
    }

    /// Reporting through `makeForge` (tests give a forge of their own).
    public init(
        makeForge: @escaping MakeForge, notifier: StatusNotifier? = nil, log: @escaping @Sendable (String) -> Void
    ) {
        self.makeForge = makeForge
        self.log = log
        self.notifier = notifier ?? StatusNotifier(log: log)
        self.previews = PreviewTracker()
    }

    /// The forge client of `app`, reading the token from its Secret.
    func forge(for app: Application, _ notify: ApplicationSpec.Notify, client: KubeClient) async throws -> any Forge {
        let ref = ObjectRef(
            apiVersion: "v1", kind: "Secret", namespace: app.key.namespace, name: notify.tokenSecretName)
        let secret: Value
        do {
            secret = try await client.get(ref)
        } catch {
            throw ReportingError(
                "spec.notify.tokenSecretRef: Secret \(app.key.namespace)/\(notify.tokenSecretName): \(error)")
        }
        guard let encoded = secret[path: ["data", notify.tokenSecretKey]]?.stringValue,
            let data = Data(base64Encoded: encoded),
            let token = String(data: data, encoding: .utf8)?.trimmingCharacters(in: .whitespacesAndNewlines),
            !token.isEmpty
        else {
            throw ReportingError(
                "spec.notify.tokenSecretRef: Secret \(app.key.namespace)/\(notify.tokenSecretName) has no key \(notify.tokenSecretKey)"
            )
        }
        if let kept = clients.withLock({ $0[app.key] }), kept.notify == notify, kept.token == token {
            return kept.forge
        }
        let forge = try makeForge(notify.forge, notify.baseURL, notify.repository, token)
        clients.withLock { $0[app.key] = (notify, token, forge) }
        return forge
    }

    /// Queues a status for `revision`, remembering it; a forge that cannot be made is a log line.
    func send(
        _ app: Application, spec: ApplicationSpec, client: KubeClient, revision: String, state: CommitState,
        description: String
    ) async {
        guard let notify = spec.notify else { return }
        sent.withLock { $0[app.key] = (revision, state) }
        do {
            let forge = try await forge(for: app, notify, client: client)
            notifier.enqueue(
                CommitStatus(
                    sha: revision, context: PlanReport.context(app: app.labelValue), state: state,
                    description: description), on: forge)
        } catch {
            log("\(app.key): commit status \(state.rawValue) on \(revision.prefix(12)) not sent: \(error)")
        }
    }

    /// Ready reasons that refuse a revision before its sync starts.
    static let refusals: Set<String> = [ConditionReason.renderFailed, ConditionReason.signatureVerificationFailed]

    /// A sync of `revision` starts: `pending`.
    func syncStarted(_ app: Application, spec: ApplicationSpec, client: KubeClient, revision: String, summary: String)
        async
    {
        await send(
            app, spec: spec, client: client, revision: revision, state: .pending, description: "syncing: \(summary)")
    }

    /// After a reconcile: the revision whose sync started gets `success` once synced and
    /// healthy, `failure` when its sync failed or it synced into a Degraded or Missing state.
    func reconciled(_ app: Application, spec: ApplicationSpec, client: KubeClient, outcome: Outcome) async {
        guard spec.notify != nil else { return }
        let status = outcome.status
        let ready = status.condition(Condition.ready)
        // A new revision refused before any sync started (it does not plan, or its signature
        // fails the trust policy): failure, once.
        if outcome.sync == nil, let revision = status.lastAttemptedRevision, let ready, ready.status == .false,
            Self.refusals.contains(ready.reason),
            sent.withLock({ $0[app.key]?.revision != revision })
        {
            await send(app, spec: spec, client: client, revision: revision, state: .failure, description: ready.message)
            return
        }
        guard let last = sent.withLock({ $0[app.key] }), last.state == .pending else { return }
        if status.lastSyncedRevision == last.revision && status.syncStatus == .synced {
            switch status.health {
            case .healthy:
                await send(
                    app, spec: spec, client: client, revision: last.revision, state: .success,
                    description: "synced and healthy")
            case .degraded, .missing:
                await send(
                    app, spec: spec, client: client, revision: last.revision, state: .failure,
                    description: "synced, not healthy: \(status.healthMessage)")
            default:
                break  // still progressing: pending until it settles
            }
        } else if status.lastAttemptedRevision == last.revision, let ready, ready.status == .false,
            ready.reason != ConditionReason.outOfSync
        {
            await send(
                app, spec: spec, client: client, revision: last.revision, state: .failure, description: ready.message)
        }
    }
}

/// A reporting problem (a token Secret missing, an unknown forge); only ever logged.
struct ReportingError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
