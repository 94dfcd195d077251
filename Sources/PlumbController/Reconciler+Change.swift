import Foundation
import PlumbAudit
import PlumbCore
import PlumbEngine
import PlumbKube
import PlumbManifests

extension ConditionReason {
    /// Automated syncs wait: outside every allow window, or inside a deny window.
    public static let syncWindowClosed = "SyncWindowClosed"
    /// The approval service has not decided yet.
    public static let awaitingApproval = "AwaitingApproval"
    /// The approval service rejected the revision, did not decide in time, or failed: not synced.
    public static let approvalRejected = "ApprovalRejected"
}

/// The controller's approval requests across reconciles: one per Application, for the
/// revision it is about (a new revision starts a new request).
final class ApprovalRequests: Sendable {
    struct Request: Sendable {
        var revision: String
        var started: ContinuousClock.Instant
        var pollURL: String?
        /// Once refused: the record's error and its id (asked no more for this revision).
        var refused: (message: String, auditID: Int64?)?
    }

    private let requests = Locked<[AppKey: Request]>([:])

    static let shared = ApprovalRequests()

    func get(_ key: AppKey, revision: String) -> Request {
        requests.withLock { r in
            if let existing = r[key], existing.revision == revision { return existing }
            let fresh = Request(revision: revision, started: ContinuousClock.now)
            r[key] = fresh
            return fresh
        }
    }

    func set(_ key: AppKey, _ request: Request?) { requests.withLock { $0[key] = request } }
}

extension Reconciler {
    /// Sync windows and approval, checked after planning and before anything is written. Nil
    /// when the sync may go on; else the outcome to return instead (nothing synced).
    func changeGate(
        _ app: Application, spec: ApplicationSpec, plan: Plan, loaded: LoadedSource, status: ApplicationStatus,
        manual: Bool
    ) async throws -> Outcome? {
        var status = status
        let now = Date()
        let name = Self.name(loaded)
        func held(_ reason: String, _ message: String, requeue: Duration, warning: Bool) async -> Outcome {
            status.syncStatus = .outOfSync
            status.resources = await resources(plan, result: nil)
            health(&status)
            status.set(condition(.ready, .false, app, reason, message))
            status.remove(Condition.reconciling)
            var events = healthEvents(app, status)
            if warning { events.insert(AppEvent(.warning, reason: reason, action: "Sync", message: message), at: 0) }
            return Outcome(status: status, requeueAfter: requeue, events: events)
        }
        if case .closed(let why, let opensAt) = spec.windows.verdict(at: now, manual: manual) {
            let when =
                opensAt.map {
                    "; it opens at \(AuditTimestamp(milliseconds: Int64($0.timeIntervalSince1970 * 1000)).iso8601)"
                } ?? "; no window opens again"
            let wait =
                opensAt.map { Duration.seconds(max(1, Int64($0.timeIntervalSince(now).rounded(.up)))) } ?? spec.interval
            return await held(
                ConditionReason.syncWindowClosed, "Sync of \(name) waits: \(why)\(when)",
                requeue: min(wait, spec.interval), warning: false)
        }
        guard let approval = spec.approval else { return nil }
        let revision = loaded.commit.id.hex
        var request = ApprovalRequests.shared.get(app.key, revision: revision)
        if let refused = request.refused {
            return await held(
                ConditionReason.approvalRejected, Self.refusalMessage(name, refused), requeue: spec.interval,
                warning: false)
        }
        let gate = ApprovalGate(settings: approval.settings, key: try await approvalKey(app, approval))
        let summary = ApprovalGate.summary(
            plan, source: loaded, app: app.key.description, target: settings.targetName, repo: spec.source.repoURL,
            initiator: AuditInitiator.controller)
        var decision: ApprovalDecision?
        var waiting: String?
        switch await gate.ask(summary, pollURL: request.pollURL) {
        case .approved:
            ApprovalRequests.shared.set(app.key, nil)
            return nil
        case .rejected(let reason): decision = .rejected(reason: reason)
        case .failed(let why): decision = .failed(why)
        case .pending(let reason, let pollURL):
            request.pollURL = pollURL
            waiting = reason
        case .unavailable(let why): waiting = why
        }
        if decision == nil && ContinuousClock.now - request.started >= approval.settings.timeout {
            decision = .timedOut(after: approval.settings.timeout)
        }
        if let decision {
            var audited = AuditedSync(
                store: audit, app: app.key.description, targetName: settings.targetName, repo: spec.source.repoURL,
                initiator: AuditInitiator.controller,
                auditOptions: ["path": .string(spec.source.path), "generation": .int(app.generation)])
            audited.kind = .sync
            let id = try? audited.recordRefusal(loaded, error: decision.message)
            request.refused = (decision.message, id)
            ApprovalRequests.shared.set(app.key, request)
            return await held(
                ConditionReason.approvalRejected, Self.refusalMessage(name, (decision.message, id)),
                requeue: spec.interval, warning: true)
        }
        ApprovalRequests.shared.set(app.key, request)
        let message =
            "Waiting for approval of \(name) from \(WebhookClient.safe(approval.settings.url))"
            + (waiting.map { ": \($0)" } ?? "")
        return await held(
            ConditionReason.awaitingApproval, message, requeue: approval.settings.pollInterval, warning: false)
    }

    static func refusalMessage(_ name: String, _ refused: (message: String, auditID: Int64?)) -> String {
        "\(name) was not synced: \(refused.message)" + (refused.auditID.map { ", audit #\($0)" } ?? "")
    }

    /// The HMAC key of `syncPolicy.approval.secretRef`, read from the Secret in the Application's namespace.
    func approvalKey(_ app: Application, _ approval: ApplicationSpec.Approval) async throws -> [UInt8]? {
        guard let name = approval.secretName else { return nil }
        let field = "spec.syncPolicy.approval.secretRef"
        let secret: Value
        do {
            secret = try await client.get(
                ObjectRef(apiVersion: "v1", kind: "Secret", namespace: app.key.namespace, name: name))
        } catch {
            throw Failure(ConditionReason.approvalRejected, "\(field): Secret \(app.key.namespace)/\(name): \(error)")
        }
        guard let text = secret["data"]?[approval.secretKey]?.stringValue, let bytes = Data(base64Encoded: text),
            !bytes.isEmpty
        else {
            throw Failure(
                ConditionReason.approvalRejected,
                "\(field): Secret \(app.key.namespace)/\(name) has no data.\(approval.secretKey)")
        }
        return Array(bytes)
    }
}
