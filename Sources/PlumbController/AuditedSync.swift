import Foundation
import PlumbAudit
import PlumbCore
import PlumbEngine
import PlumbManifests
import PlumbRollout

/// The one path from a plan to an audit record, shared by `plumb sync`, `plumb rollback` and
/// the controller: begin the record before the first write, run the `Executor`, complete the
/// record in one place whatever happens. A cancelled task (SIGTERM) finishes the wave under
/// way (the executor's rule) and its record is completed as `interrupted`.
public struct AuditedSync: Sendable {
    /// Where the record goes.
    public var store: any AuditStore
    /// The app as the audit trail names it: `web`, or `namespace/name` for an Application.
    public var app: String
    /// `kube:prod`, `sandbox`, ...
    public var targetName: String
    /// The repository URL (the store strips credentials).
    public var repo: String
    public var kind: AuditKind
    /// `user@host`, or `controller`.
    public var initiator: String
    /// The sync's options as the record keeps them.
    public var auditOptions: Value
    /// The API server's warnings about an object, for its audit entry.
    public var warnings: @Sendable (ObjectRef) -> [String]
    /// Called when the record cannot be completed (the sync itself is done).
    public var onCompleteError: @Sendable (Int64, any Error) -> Void
    /// The policy checks' verdict on the desired objects, when a policy is configured: it goes
    /// into the record, and an enforced violation stops the sync before the first write.
    public var policy: PolicyVerdict?
    /// The trust policy's verdict on the revision, when a policy judged it (else the record
    /// says only whether the commit is signed).
    public var trust: TrustVerdict?
    /// Runs the progressive rollouts of the plan's RolloutStrategy objects (nil: a Deployment's
    /// new pod template is applied directly, as before).
    public var rollouts: RolloutRunner?
    /// Restores the previous synced revision when a sync fails after its first write (nil: off).
    public var rollbackOnFailure: RollbackOnFailure?

    public init(
        store: any AuditStore, app: String, targetName: String, repo: String, kind: AuditKind = .sync,
        initiator: String = AuditInitiator.current(), auditOptions: Value,
        warnings: @escaping @Sendable (ObjectRef) -> [String] = { _ in [] },
        onCompleteError: @escaping @Sendable (Int64, any Error) -> Void = { _, _ in }
    ) {
        self.store = store
        self.app = app
        self.targetName = targetName
        self.repo = repo
        self.kind = kind
        self.initiator = initiator
        self.auditOptions = auditOptions
        self.warnings = warnings
        self.onCompleteError = onCompleteError
    }

    /// What a sync did, with its record's id.
    public struct Outcome: Sendable {
        public var result: ChangeSet
        public var auditID: Int64
        public var duration: Duration
        /// Whether the task was cancelled while the sync ran (the record says `interrupted`).
        public var interrupted: Bool
        /// Rollouts the sync left running (paused, or out of time): one line each.
        public var rolloutsWaiting: [String] = []
        /// Where each rollout of the sync stands at its end (phase, step, weight, failure).
        public var rollouts: [RolloutSummary] = []
        /// The rollback that followed a failure (`rollbackOnFailure`), with its own record.
        public var rollback: RollbackOutcome?
    }

    /// The record could not be begun; nothing was written.
    public struct BeginError: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// Runs `plan` of `source` on `target` under a record of its own; with `rollbackOnFailure`,
    /// a sync that fails after its first write is followed by a rollback to the previous synced
    /// revision under a record of kind `rollback` linked to the failed one.
    public func run(
        _ plan: Plan, source: LoadedSource, target: any Target, options: SyncOptions,
        observer: any SyncObserver = SilentObserver()
    ) async throws(BeginError) -> Outcome {
        let previous = try? store.lastRevision(app: app, result: .synced)
        var outcome = try await runOnce(plan, source: source, target: target, options: options, observer: observer)
        if let rollbackOnFailure {
            outcome.rollback = await rollBack(after: outcome, to: previous, with: rollbackOnFailure, target: target, options: options, observer: observer)
        }
        return outcome
    }

    func runOnce(
        _ plan: Plan, source: LoadedSource, target: any Target, options: SyncOptions,
        observer: any SyncObserver
    ) async throws(BeginError) -> Outcome {
        let previous = try? store.lastRevision(app: app, result: .synced)
        let commit = source.commit
        // The record names the renderer that made the objects (`plain`, `kustomize`, `jsonnet`, a plugin).
        var recordedOptions = auditOptions
        recordedOptions["renderer"] = .string(source.renderer)
        var record = AuditRecord(
            kind: kind, app: app, target: targetName, repo: repo,
            revision: commit.id.hex, author: Self.person(commit.author.name, commit.author.email),
            committer: Self.person(commit.committer.name, commit.committer.email),
            message: commit.message, signature: trust.map(AuditSignature.init) ?? (source.signed ? .present : .absent),
            previousRevision: previous, initiator: initiator, options: recordedOptions)
        record.policy = policy.map(AuditPolicy.init)
        let id: Int64
        do {
            id = try store.begin(record)  // before the first write
        } catch {
            throw BeginError(description: "\(error)")
        }
        var result = ChangeSet()
        var stepEntries: [AuditObjectEntry] = []
        var finished = false
        var interrupted = false
        var waiting: [String] = []
        var summaries: [RolloutSummary] = []
        defer {
            // The one place the record is completed; a crash before it leaves `started`,
            // which `markInterrupted` turns into `interrupted` at the next start.
            let outcome: AuditResult =
                !finished ? .failed : interrupted ? .interrupted : !result.succeeded ? .failed : options.dryRun ? .dryRun : .synced
            let error =
                !finished ? "the sync stopped before it finished"
                : interrupted ? result.interruption ?? "the sync was interrupted (shutdown) before it finished"
                : result.interruption ?? result.failures.first?.error
            do {
                try store.complete(id, result: outcome, endedAt: .now(), objects: entries(result, images: Self.images(plan)) + stepEntries, error: error)
            } catch {
                onCompleteError(id, error)
            }
        }
        let started = ContinuousClock.now
        // Decrypted SOPS values never reach the record, the printers or a status: masked here.
        if let policy, policy.blocks {
            result = Self.blocked(plan, by: policy)  // nothing written, as after a failed dry-run
        } else if let prepared = await prepareRollouts(plan, revision: commit.id.hex, target: target, options: options) {
            if !prepared.problems.isEmpty {
                result = Self.invalidDeclarations(plan, problems: prepared.problems)  // nothing written
            } else {
                result = SensitiveValues(source.secrets).masked(
                    await Executor(target: target, observer: observer).run(prepared.plan, options: options))
                let rolled = await runRollouts(prepared, after: result, target: target, options: options)
                result = rolled.result
                stepEntries = rolled.entries
                waiting = rolled.waiting
                summaries = rolled.summaries
            }
        } else {
            result = SensitiveValues(source.secrets).masked(await Executor(target: target, observer: observer).run(plan, options: options))
        }
        let duration = ContinuousClock.now - started
        // Objects skipped because the task was cancelled are not failures of the change set,
        // so a cancelled sync that skipped anything is interrupted, not synced.
        interrupted = Task.isCancelled && (!result.succeeded || result.objects.contains { $0.action == .skipped })
        finished = true
        var outcome = Outcome(result: result, auditID: id, duration: duration, interrupted: interrupted)
        outcome.rolloutsWaiting = waiting
        outcome.rollouts = summaries
        return outcome
    }

    func entries(_ result: ChangeSet, images: [ObjectRef: [String]] = [:]) -> [AuditObjectEntry] {
        result.objects.map {
            var entry = AuditObjectEntry(
                ref: $0.ref, action: $0.action, changedPaths: Self.auditPaths($0.changes.map(\.path)),
                health: $0.health?.state, error: $0.error, warnings: warnings($0.ref))
            entry.images = images[$0.ref] ?? []
            return entry
        }
    }

    /// Field paths as the audit trail keeps them: a list item's key (`ports[containerPort=80]`)
    /// is cut off, since a key is a value; what remains names the field.
    public static func auditPaths(_ paths: [String]) -> [String] {
        var out: [String] = []
        for path in paths {
            var kept = ""
            for c in path {
                if c.isASCII && (c.isLetter || c.isNumber || "._-/".contains(c)) {
                    kept.append(c)
                } else {
                    break
                }
            }
            while kept.hasSuffix(".") { kept.removeLast() }
            if !kept.isEmpty && out.last != kept { out.append(kept) }
        }
        return out
    }

    static func person(_ name: String, _ email: String) -> String { "\(name) <\(email)>" }

    /// A local path as an absolute path, a URL as given.
    public static func repoURL(_ repo: String) -> String {
        if repo.contains("://") || repo.contains("@") { return repo }
        return URL(fileURLWithPath: repo).standardizedFileURL.path
    }
}
