import PlumbCore

/// One place Plumb reconciles: a Kubernetes cluster, later a host. The engine plans and
/// executes through this boundary only; everything kind-specific (apply semantics, health
/// rules, ordering) lives behind it. Implementations must be safe to call concurrently.
/// Errors need not name the object: the executor puts `<ref>: <stage> failed:` before them
/// (and drops a leading copy of the name).
public protocol Target: Sendable {
    /// Reads the live versions of `desired` and, with `pruneCandidates`, every object labelled
    /// `plumb.dev/app=<app>`. Without, the target may skip looking beyond the desired objects
    /// (a sync or diff that does not prune needs none).
    func observe(_ desired: [Resource], app: String, pruneCandidates: Bool) async throws -> Observation

    /// Predicts what applying `desired` would change in `live` (nil when it does not exist).
    /// Throws when the object cannot be applied as it is (bad list keys, ...).
    func compare(_ desired: Resource, live: Value?) throws -> ObjectDiff

    /// The apply-order rank of an object inside a sync wave: lower goes first.
    func phase(of ref: ObjectRef) -> Int

    /// Validates `resource` and runs the apply without persisting it (server dry-run).
    func dryRun(_ resource: Resource, force: Bool) async throws

    /// Applies `resource`. Without `force` a field owned by another manager makes it throw
    /// `ApplyError.conflict`.
    func apply(_ resource: Resource, force: Bool) async throws

    /// Deletes an object; deleting an absent object succeeds.
    func delete(_ ref: ObjectRef) async throws

    /// The object's health now (a CRD is healthy once established).
    func health(of ref: ObjectRef) async throws -> HealthStatus

    /// Whether an error thrown by this target may go away on retry (timeouts, 429, 5xx).
    func isTransient(_ error: any Error) -> Bool

    /// Asks the target itself what writing `desired` over `live` would change, for an object
    /// `compare` predicted to change: a prediction can be wrong where the target defaults or
    /// drops values the prediction does not know of. Returns the exact difference (empty:
    /// nothing would change), having validated the write as `dryRun` does; nil when the target
    /// cannot say (the prediction stands, and the write is validated as usual).
    func confirm(_ desired: Resource, live: Value) async -> ObjectDiff?
}

/// What a target saw: the live objects Plumb wants, and the objects labelled for the app.
public struct Observation: Sendable {
    /// Live objects of the desired set that exist, by identity.
    public var live: [ObjectIdentity: Value]
    /// Live objects labelled `plumb.dev/app=<app>`: the candidates for pruning.
    public var appObjects: [Resource]

    /// An observation of these objects.
    public init(live: [ObjectIdentity: Value] = [:], appObjects: [Resource] = []) {
        self.live = live
        self.appObjects = appObjects
    }
}

extension Target {
    /// A target whose predictions are exact confirms nothing.
    public func confirm(_ desired: Resource, live: Value) async -> ObjectDiff? { nil }

    /// The desired objects and the app's prune candidates.
    public func observe(_ desired: [Resource], app: String) async throws -> Observation {
        try await observe(desired, app: app, pruneCandidates: true)
    }
}
