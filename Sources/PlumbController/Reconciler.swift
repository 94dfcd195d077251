import Foundation
import PlumbAudit
import PlumbCore
import PlumbEngine
import PlumbGit
import PlumbKube
import PlumbManifests
import PlumbRollout
import Synchronization

/// What one reconcile decided: the status to write, when to come back, and the Events to
/// record on the Application. The loop around it writes them; the reconcile writes nothing
/// but the sync itself (and its audit record).
public struct Outcome: Sendable {
    public var status: ApplicationStatus
    /// When to reconcile again (the interval, or a backoff after a failure).
    public var requeueAfter: Duration
    public var events: [AppEvent]
    /// The sync this reconcile ran, if any.
    public var sync: AuditedSync.Outcome?
    /// How long each phase took (fetch, render, plan, apply, health), for metrics.
    public var phases: [ReconcilePhase: Duration] = [:]
    /// Whether the path was rendered (not reused from an earlier commit's render).
    public var rendered = false
    /// Whether this reconcile only moved the revision in the status (a pushed commit that
    /// touches none of the Application's inputs): nothing observed, planned or applied.
    public var statusOnly = false

    public init(status: ApplicationStatus, requeueAfter: Duration, events: [AppEvent], sync: AuditedSync.Outcome? = nil) {
        self.status = status
        self.requeueAfter = requeueAfter
        self.events = events
        self.sync = sync
    }
}

/// The phases of one reconcile as they are timed, and whether it rendered.
final class PhaseTimes: Sendable {
    private let times = Locked<[ReconcilePhase: Duration]>([:])
    private let renderedFlag = Locked(false)

    /// Whether the reconcile rendered the path (set by its render phase).
    var rendered: Bool {
        get { renderedFlag.withLock { $0 } }
        set { renderedFlag.withLock { $0 = newValue } }
    }

    /// Runs `body`, adding its duration to `phase`.
    func time<T>(_ phase: ReconcilePhase, _ body: () async throws -> T) async rethrows -> T {
        let start = ContinuousClock.now
        defer { add(phase, ContinuousClock.now - start) }
        return try await body()
    }

    func add(_ phase: ReconcilePhase, _ d: Duration) { times.withLock { $0[phase, default: .zero] += d } }
    var all: [ReconcilePhase: Duration] { times.withLock { $0 } }
}

/// An Event to record on the Application (`events.k8s.io/v1`).
public struct AppEvent: Sendable, Equatable {
    public enum Kind: String, Sendable { case normal = "Normal", warning = "Warning" }
    public var type: Kind
    public var reason: String
    public var action: String
    public var message: String

    public init(_ type: Kind, reason: String, action: String, message: String) {
        self.type = type
        self.reason = reason
        self.action = action
        self.message = message
    }
}

/// The reconcile of one Application: fetch (through the shared clones), render, plan against
/// the watch caches, sync when automated, and report. Level-based: the same commit and the
/// same live state give the same answer. Runs without a queue (tests call it directly); the
/// caller must not reconcile one Application twice at once (the work queue guarantees it).
public final class Reconciler: Sendable {
    public struct Settings: Sendable {
        /// The base of every Application's Git options (cache directory, lock timeout).
        public var git: GitSourceOptions
        /// A private directory for SSH keys taken from Secrets.
        public var scratchDirectory: String
        /// `kube:<context>` or `in-cluster`, as the audit trail names the target.
        public var targetName: String
        /// How long a reconcile waits for a new kind's cache to sync before reading the API.
        public var cacheSyncTimeout: Duration = .seconds(10)
        /// The trust policy every revision must pass before it is synced (nil: none).
        public var trustPolicy: TrustPolicy?
        /// The policy checks every revision's objects pass before the first write (nil: none).
        public var policy: PolicyConfig?
        /// Which destination namespaces and cluster-scoped kinds the Applications of each
        /// namespace may manage (`--tenancy`; nil: unrestricted).
        public var tenancy: Tenancy?
        /// The operator's renderer plugins (`--plugin-config`).
        public var plugins: PluginConfig = .none
        /// The keys SOPS-encrypted files are opened with.
        public var sopsKeys: SopsKeys = .none
        /// Commit statuses and pull-request previews for Applications with `spec.notify`.
        public var reporting: ForgeReporting?
        /// Sees the rollouts of every sync (the `plumb_rollout_*` metrics).
        public var rollouts: (any RolloutObserver)?

        public init(git: GitSourceOptions, scratchDirectory: String, targetName: String) {
            self.git = git
            self.scratchDirectory = scratchDirectory
            self.targetName = targetName
        }
    }

    /// What the controller keeps about an Application between reconciles.
    struct Memory {
        /// One target per Application, kept so its confirmed dry-run answers are reused.
        var target: KubernetesTarget?
        var rules: [IgnoreRule] = []
        var loaded: LoadedSource?
        var sourceKey: String = ""
        /// Failed reconciles in a row, for the backoff; and of which revision.
        var failures = 0
        var failedRevision: String?
        /// Whether the app's prune candidates were looked for across every kind once.
        var discovered = false
        /// When the live side was last compared with Git, and the revision it was compared
        /// at (a status-only revision move carries it to the new commit).
        var compared: ContinuousClock.Instant?
        var comparedRevision: String?
    }

    public let client: KubeClient
    public let git: GitSources
    public let objects: ManagedObjects
    public let audit: any AuditStore
    public let settings: Settings
    let memory = Mutex<[AppKey: Memory]>([:])
    let counts = Mutex<(renders: Int, statusOnly: Int)>((0, 0))

    /// Renders made so far (a commit touching none of an Application's inputs is not one).
    public var renders: Int { counts.withLock { $0.renders } }
    /// Reconciles so far that only moved the revision in the status.
    public var statusOnlyMoves: Int { counts.withLock { $0.statusOnly } }

    public init(client: KubeClient, git: GitSources, objects: ManagedObjects, audit: any AuditStore, settings: Settings) {
        self.client = client
        self.git = git
        self.objects = objects
        self.audit = audit
        self.settings = settings
    }

    /// Forgets a deleted Application.
    public func forget(_ key: AppKey) { _ = memory.withLock { $0.removeValue(forKey: key) } }

    /// Reconciles `app` once; `cause` says what asked for it (a push lets a commit that
    /// touches none of the Application's inputs move the revision in the status alone).
    public func reconcile(_ app: Application, cause: ReconcileCause = .resync) async -> Outcome {
        var status = app.status
        status.observedGeneration = app.generation
        let spec: ApplicationSpec
        switch app.spec() {
        case .failure(let problem):
            status.set(condition(.stalled, .true, app, ConditionReason.invalidSpec, problem.description))
            status.set(condition(.ready, .false, app, ConditionReason.invalidSpec, problem.description))
            status.remove(Condition.reconciling)
            return Outcome(
                status: status, requeueAfter: ApplicationSpec.defaultInterval,
                events: changed(app.status, status) ? [AppEvent(.warning, reason: ConditionReason.invalidSpec, action: "Validate", message: problem.description)] : [])
        case .success(let s):
            spec = s
        }
        status.remove(Condition.stalled)
        let forced = app.reconcileAt != nil && app.reconcileAt != app.status.lastHandledReconcileAt
        if forced { status.lastHandledReconcileAt = app.reconcileAt }
        if spec.suspend {
            return Outcome(status: status, requeueAfter: spec.interval, events: [])
        }
        let phases = PhaseTimes()
        var outcome: Outcome
        do {
            outcome = try await run(app, spec: spec, status: status, forced: forced, cause: cause, phases: phases)
        } catch let failure as Failure {
            outcome = failed(app, spec: spec, status: status, failure)
        } catch {
            outcome = failed(app, spec: spec, status: status, Failure(ConditionReason.syncFailed, "\(error)"))
        }
        outcome.phases = phases.all
        outcome.rendered = phases.rendered
        if let reporting = settings.reporting {
            await reporting.reconciled(app, spec: spec, client: client, outcome: outcome)
            reporting.startPreviews(app, spec: spec, reconciler: self)
        }
        return outcome
    }

    /// A failed phase: its Ready reason and message.
    struct Failure: Error {
        var reason: String
        var message: String
        var revision: String?
        init(_ reason: String, _ message: String, revision: String? = nil) {
            self.reason = reason
            self.message = message
            self.revision = revision
        }
    }

    func failed(_ app: Application, spec: ApplicationSpec, status: ApplicationStatus, _ failure: Failure, sync: AuditedSync.Outcome? = nil) -> Outcome {
        var status = status
        let attempts = memory.withLock { all -> Int in
            var m = all[app.key] ?? Memory()
            if failure.revision != m.failedRevision { m.failures = 0 }
            m.failures += 1
            m.failedRevision = failure.revision
            all[app.key] = m
            return m.failures
        }
        if let revision = failure.revision { status.lastAttemptedRevision = revision }
        if let sync { status.lastAuditID = sync.auditID }
        let retrying = attempts <= spec.retry.limit
        let delay = retrying ? Self.backoff(spec.retry.backoff, attempt: attempts, cap: spec.interval) : spec.interval
        let retryNote = retrying ? "retrying in \(GoDuration.format(delay))" : "retry limit \(spec.retry.limit) reached, next try in \(GoDuration.format(delay))"
        status.set(condition(.ready, .false, app, failure.reason, failure.message))
        status.set(condition(.reconciling, .true, app, "ProgressingWithRetry", "attempt \(attempts) failed, \(retryNote)"))
        let event = AppEvent(.warning, reason: failure.reason, action: sync == nil ? "Reconcile" : "Sync", message: failure.message)
        let repeated = app.status.condition(Condition.ready)?.reason == failure.reason && app.status.condition(Condition.ready)?.message == failure.message
        return Outcome(status: status, requeueAfter: delay, events: repeated && sync == nil ? [] : [event], sync: sync)
    }

    /// `base * 2^(attempt-1)`, at most `cap`.
    static func backoff(_ base: Duration, attempt: Int, cap: Duration) -> Duration {
        var d = base
        for _ in 1..<max(1, attempt) where d < cap { d = d * 2 }
        return min(d, cap)
    }

    func condition(_ type: ConditionType, _ status: Condition.Status, _ app: Application, _ reason: String, _ message: String) -> Condition {
        Condition(type: type.rawValue, status: status, observedGeneration: app.generation, reason: reason, message: message)
    }

    enum ConditionType: String { case ready = "Ready", reconciling = "Reconciling", stalled = "Stalled" }

    /// Whether the status differs in anything but condition timestamps.
    func changed(_ a: ApplicationStatus, _ b: ApplicationStatus) -> Bool { a != b }
}
