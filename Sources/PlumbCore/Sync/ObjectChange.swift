/// What happened, or will happen, to one object in a sync: the action, the fields it
/// changes, the health reached and, when it failed, the error (starting with the object).
public struct ObjectChange: Sendable, Hashable {
    /// The object.
    public var ref: ObjectRef
    /// What was done.
    public var action: Action
    /// The leaves that changed, sorted by path; empty for creates, prunes and no-ops.
    public var changes: [FieldChange]
    /// The health observed after applying, when the sync waited for it.
    public var health: HealthStatus?
    /// Why the object failed (`apps/v1 Deployment web/web: apply failed: ...`); for a skipped
    /// object, why it was skipped. A written object with an error failed after the write (health).
    public var error: String?
    /// Whether the error may go away by itself (a timeout, an overloaded server), so that a
    /// controller retries soon; false for terminal errors (invalid object, conflict, Degraded).
    public var isTransient: Bool

    /// A change of `ref`.
    public init(
        ref: ObjectRef, action: Action, changes: [FieldChange] = [], health: HealthStatus? = nil, error: String? = nil,
        isTransient: Bool = false
    ) {
        self.ref = ref
        self.action = action
        self.changes = changes
        self.health = health
        self.error = error
        self.isTransient = isTransient
    }
}

/// The result of a sync (or the prediction of one): one entry per object, in the order the
/// objects were handled.
public struct ChangeSet: Sendable, Hashable {
    /// The objects, in order.
    public var objects: [ObjectChange]
    /// Why the sync stopped before it finished, when something outside any one object stopped
    /// it (`server unreachable since 12:03:04 (waited 60s)`); the objects it did not reach are
    /// skipped as not attempted.
    public var interruption: String?

    /// A change set of these objects.
    public init(_ objects: [ObjectChange] = [], interruption: String? = nil) {
        self.objects = objects
        self.interruption = interruption
    }

    /// How many objects had `action`.
    public func count(_ action: Action) -> Int { objects.reduce(0) { $0 + ($1.action == action ? 1 : 0) } }

    /// The objects that failed: those whose action failed, and those written that then failed
    /// (a Degraded health, a wait that timed out). Skipped objects and those whose outcome is
    /// unknown did not fail.
    public var failures: [ObjectChange] {
        objects.filter { $0.action == .failed || ($0.error != nil && $0.action != .skipped && $0.action != .unknown) }
    }

    /// Whether every object reached its goal.
    public var succeeded: Bool { failures.isEmpty && interruption == nil && count(.unknown) == 0 }

    /// Whether nothing was written (no create, configure or prune).
    public var nothingApplied: Bool { !objects.contains { $0.action.writes } }

    /// `2 created, 2 configured, 1 pruned, 13 unchanged`: the actions that occurred, in a fixed order.
    public var summary: String {
        let parts = Action.allCases.compactMap { a -> String? in
            let n = count(a)
            return n == 0 ? nil : "\(n) \(a.rawValue)"
        }
        return parts.isEmpty ? "nothing to do" : parts.joined(separator: ", ")
    }
}

/// The difference between the live and the predicted version of one object, safe to show:
/// secret values in `before` and `after` are replaced by their lengths.
public struct ObjectDiff: Sendable, Hashable {
    /// The object.
    public var ref: ObjectRef
    /// The leaves that differ, sorted by path.
    public var changes: [FieldChange]
    /// The live object as compared (noise stripped, ignore rules applied, secrets masked); nil when absent.
    public var before: Value?
    /// The predicted object as compared; nil when the object goes away.
    public var after: Value?

    /// A difference of `ref`.
    public init(ref: ObjectRef, changes: [FieldChange], before: Value?, after: Value?) {
        self.ref = ref
        self.changes = changes
        self.before = before
        self.after = after
    }

    /// The action that brings live to predicted: created, configured, unchanged or pruned.
    public var action: Action {
        if before == nil { return .created }
        if after == nil { return .pruned }
        return changes.isEmpty ? .unchanged : .configured
    }
}
