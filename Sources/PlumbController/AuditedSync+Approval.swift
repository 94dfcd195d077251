import PlumbAudit
import PlumbCore
import PlumbEngine
import PlumbManifests

/// A sync the approval service did not approve: nothing was written, the record says why.
public struct ApprovalRefusal: Error, Sendable, CustomStringConvertible {
    public var decision: ApprovalDecision
    /// The audit record of the refused sync (nil when it could not be written).
    public var auditID: Int64?
    public var description: String {
        "\(decision.message); nothing was synced" + (auditID.map { " (audit #\($0))" } ?? "")
    }
}

extension AuditedSync {
    /// Asks `gate` to approve `plan` before anything is written. When it is not approved, a
    /// record with the result `rejected`, the decision as its error and no objects is written,
    /// and `ApprovalRefusal` is thrown. `onPending` is told once when the service says pending.
    public func requireApproval(
        _ plan: Plan, source: LoadedSource, gate: ApprovalGate, onPending: @Sendable (String?) async -> Void = { _ in }
    ) async throws(ApprovalRefusal) {
        let summary = ApprovalGate.summary(
            plan, source: source, app: app, target: targetName, repo: repo, initiator: initiator)
        let decision = await gate.decide(summary, onPending: onPending)
        guard !decision.isApproved else { return }
        let id = try? recordRefusal(source, error: decision.message)
        throw ApprovalRefusal(decision: decision, auditID: id)
    }

    /// Records that `source` was not synced for `error` (approval): a `rejected` record with
    /// no objects. Returns its id.
    public func recordRefusal(_ source: LoadedSource, error: String) throws -> Int64 {
        let commit = source.commit
        let previous = try? store.lastRevision(app: app, result: .synced)
        var options = auditOptions
        options["renderer"] = .string(source.renderer)
        let record = AuditRecord(
            kind: kind, app: app, target: targetName, repo: repo, revision: commit.id.hex,
            author: Self.person(commit.author.name, commit.author.email),
            committer: Self.person(commit.committer.name, commit.committer.email), message: commit.message,
            signature: trust.map(AuditSignature.init) ?? (source.signed ? .present : .absent),
            previousRevision: previous,
            initiator: initiator, options: options)
        let id = try store.begin(record)
        try store.complete(id, result: .rejected, endedAt: .now(), objects: [], error: error)
        return id
    }
}
