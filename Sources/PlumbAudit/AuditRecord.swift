import PlumbCore

/// What a record is about: one sync or one rollback.
public enum AuditKind: String, Sendable, CaseIterable {
    case sync, rollback
}

/// How a sync or rollback ended; `started` until it is completed or found interrupted.
public enum AuditResult: String, Sendable, CaseIterable {
    case started, synced, failed, interrupted
    case dryRun = "dry-run"
}

/// Whether the synced commit carried a signature.
public enum AuditSignature: String, Sendable, CaseIterable {
    case present, absent
}

/// What a sync did to one object: PlumbCore's closed set of actions.
public typealias AuditAction = Action

/// An object's health after the sync, when it was waited for: PlumbCore's health states.
public typealias AuditHealth = HealthStatus.State

extension HealthStatus.State {
    /// Whether this outcome counts as a failed health check in `plumb history`.
    public var isFailure: Bool { self == .degraded || self == .missing }
}

/// One object of a sync: its reference, the action taken, the paths of the fields that changed
/// (never their values: for a Secret only `data.password`, not what it holds), health and error.
public struct AuditObjectEntry: Sendable, Equatable {
    public var ref: ObjectRef
    public var action: AuditAction
    public var changedPaths: [String]
    public var health: AuditHealth?
    public var error: String?
    /// What the API server warned of while the object was checked and written (`Warning`
    /// headers), each once.
    public var warnings: [String]

    /// An entry; `changedPaths` are field paths such as `spec.replicas` or `data.password`.
    public init(
        ref: ObjectRef, action: AuditAction, changedPaths: [String] = [], health: AuditHealth? = nil,
        error: String? = nil, warnings: [String] = []
    ) {
        self.ref = ref
        self.action = action
        self.changedPaths = changedPaths
        self.health = health
        self.error = error
        self.warnings = warnings
    }
}

/// One sync or rollback as the audit trail keeps it. The store assigns `id`, `prevHash`,
/// `headerHash` and `hash`; everything else is what the caller recorded.
public struct AuditRecord: Sendable, Equatable {
    /// The record's number, assigned by `AuditStore.begin` (0 before).
    public internal(set) var id: Int64
    public var kind: AuditKind
    public var startedAt: AuditTimestamp
    public var endedAt: AuditTimestamp?
    /// The application's name (`web`).
    public var app: String
    /// Where it was reconciled: `kubernetes:https://127.0.0.1:6443 context=x` or `sandbox`.
    public var target: String
    /// The repository URL; the store strips credentials from it.
    public var repo: String
    /// The full commit SHA that was synced.
    public var revision: String
    /// The commit's author as `Name <email>`.
    public var author: String
    /// The commit's committer as `Name <email>`.
    public var committer: String
    /// The commit message.
    public var message: String
    public var signature: AuditSignature
    /// The revision that was live before, when known.
    public var previousRevision: String?
    /// Who started it: `user@host` or `controller`.
    public var initiator: String
    /// The sync's options (`dry-run`, `prune`, `force-conflicts`, `wait`, `timeout`, ...) as an object.
    public var options: Value
    public var result: AuditResult
    /// Why it failed, on one line.
    public var error: String?
    public var objects: [AuditObjectEntry]
    /// The process that ran it, to tell a sync in progress from one whose process died.
    public var process: AuditProcess
    /// The previous record's `headerHash` (64 zeros for the first record).
    public internal(set) var prevHash: String
    /// SHA-256 of the record's header (the fields known at `begin`, with `id` and `prevHash`).
    public internal(set) var headerHash: String
    /// SHA-256 of the whole record as stored now (header, result, objects, `headerHash`).
    public internal(set) var hash: String

    /// A record to `begin`; `result` is `started` and the store fills in the id and hashes.
    public init(
        kind: AuditKind = .sync, startedAt: AuditTimestamp = .now(), app: String, target: String, repo: String,
        revision: String, author: String, committer: String, message: String, signature: AuditSignature,
        previousRevision: String?, initiator: String = AuditInitiator.current(),
        options: Value = .object(ValueObject()),
        process: AuditProcess = .current()
    ) {
        self.id = 0
        self.kind = kind
        self.startedAt = startedAt
        self.endedAt = nil
        self.app = app
        self.target = target
        self.repo = repo
        self.revision = revision
        self.author = author
        self.committer = committer
        self.message = message
        self.signature = signature
        self.previousRevision = previousRevision
        self.initiator = initiator
        self.options = options
        self.result = .started
        self.error = nil
        self.objects = []
        self.process = process
        self.prevHash = AuditChain.genesis
        self.headerHash = ""
        self.hash = ""
    }

    /// The first seven characters of the revision.
    public var shortRevision: String { String(revision.prefix(7)) }
}
