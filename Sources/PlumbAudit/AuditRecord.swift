import PlumbCore

/// What a record is about: one sync or one rollback.
public enum AuditKind: String, Sendable, CaseIterable {
    case sync, rollback
}

/// How a sync or rollback ended; `started` until it is completed or found interrupted.
public enum AuditResult: String, Sendable, CaseIterable {
    case started, synced, failed, interrupted
    case dryRun = "dry-run"
    /// Not synced: the approval service rejected it or did not answer in time (nothing written).
    case rejected
}

/// The synced commit's signature: the trust policy's verdict on it (`good`, with signer, key
/// fingerprint and format; or why not), or, when no trust policy checked it, only whether it
/// carried one (`present`/`absent`, as records written before verification say).
public struct AuditSignature: Sendable, Equatable, RawRepresentable {
    /// The verdict, as `plumb history` prints it.
    public enum Status: String, Sendable, CaseIterable {
        /// Signed, not verified (no trust policy).
        case present
        /// Not signed, not verified (no trust policy).
        case absent
        case good, unsigned
        case unknownKey = "unknown-key"
        case badSignature = "bad-signature"
        case expiredKey = "expired-key"
        case expiredSignature = "expired-signature"
        case revokedKey = "revoked-key"
        case notAllowed = "not-allowed"
        case error
    }

    public var status: Status
    /// `gpg` or `ssh`, when verified.
    public var format: String?
    /// Who signed: an OpenPGP user ID or an allowed_signers principal.
    public var signer: String?
    /// The signing key's fingerprint (OpenPGP hex, or SSH `SHA256:...`).
    public var fingerprint: String?
    /// The verifier's one-line reason.
    public var reason: String?

    /// Signed, not verified.
    public static let present = AuditSignature(status: .present)
    /// Unsigned, not verified.
    public static let absent = AuditSignature(status: .absent)

    public init(status: Status, format: String? = nil, signer: String? = nil, fingerprint: String? = nil, reason: String? = nil) {
        self.status = status
        self.format = format
        self.signer = signer
        self.fingerprint = fingerprint
        self.reason = reason
    }

    /// The status alone, without details.
    public init?(rawValue: String) {
        guard let status = Status(rawValue: rawValue) else { return nil }
        self.init(status: status)
    }

    public var rawValue: String { status.rawValue }

    /// Whether the record carries a verifier's verdict (not only present/absent).
    public var isVerified: Bool { status != .present && status != .absent }

    /// The verdict's details as canonical JSON; nil for an unverified `present`/`absent`, so
    /// records written before verification hash as they did.
    public var detailValue: Value? {
        guard isVerified || format != nil || signer != nil || fingerprint != nil || reason != nil else { return nil }
        return [
            "format": format.map(Value.string) ?? .null, "signer": signer.map(Value.string) ?? .null,
            "fingerprint": fingerprint.map(Value.string) ?? .null, "reason": reason.map(Value.string) ?? .null,
        ]
    }

    /// Adds the details of `detailValue` (a stored or exported record) to a status.
    public mutating func setDetails(_ value: Value?) {
        guard let value, !value.isNull else { return }
        format = value["format"]?.stringValue
        signer = value["signer"]?.stringValue
        fingerprint = value["fingerprint"]?.stringValue
        reason = value["reason"]?.stringValue
    }

    /// `good gpg signature by Ada <ada@acme.dev>, key DB4F…`, `not-allowed: ...` or `absent`, for people.
    public var display: String {
        switch status {
        case .present, .absent: return status.rawValue
        case .good:
            return "good \(format ?? "") signature by \(signer ?? "?"), key \(fingerprint ?? "?")"
        default:
            return status.rawValue + (reason.map { ": \($0)" } ?? "")
        }
    }
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
    /// The container images the object runs (`nginx:1.27@sha256:...`), for the inventory
    /// (`plumb audit export --format cyclonedx`).
    public var images: [String] = []

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
    /// The policy checks' verdict on the objects, when a policy was configured.
    public var policy: AuditPolicy?
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
