import PlumbCore

/// What a sync will do: the desired objects in apply steps, and the objects to prune.
public struct Plan: Sendable {
    /// The app the plan is for (`plumb.dev/app`).
    public var app: String
    /// The apply steps in order: by sync wave, then phase. A step is applied concurrently and
    /// finishes before the next one starts.
    public var steps: [PlanStep]
    /// The objects to prune, in delete order (the reverse of apply order).
    public var prune: [PlannedPrune]
    /// Live objects of the app no longer in Git that `plumb.dev/prune: disabled` keeps.
    public var protected: [ObjectRef]

    /// A plan from its parts.
    public init(app: String, steps: [PlanStep], prune: [PlannedPrune] = [], protected: [ObjectRef] = []) {
        self.app = app
        self.steps = steps
        self.prune = prune
        self.protected = protected
    }

    /// Every desired object, in apply order.
    public var objects: [PlannedObject] { steps.flatMap(\.objects) }

    /// The predicted result: each desired object's action and changes, then the prunes.
    public var changeSet: ChangeSet {
        ChangeSet(
            objects.map { ObjectChange(ref: $0.ref, action: $0.action, changes: $0.diff.changes) }
                + prune.map { ObjectChange(ref: $0.ref, action: .pruned) })
    }

    /// Whether applying the plan (with pruning) would change anything.
    public var hasChanges: Bool { !prune.isEmpty || objects.contains { $0.action != .unchanged } }
}

/// Objects applied together: one sync wave and one phase.
public struct PlanStep: Sendable {
    /// The `plumb.dev/sync-wave` of the objects.
    public var syncWave: Int
    /// The target's phase (apply-order rank) of the objects.
    public var phase: Int
    /// The objects, sorted by reference.
    public var objects: [PlannedObject]

    /// A step of these objects.
    public init(syncWave: Int, phase: Int, objects: [PlannedObject]) {
        self.syncWave = syncWave
        self.phase = phase
        self.objects = objects
    }
}

/// One desired object: what is applied and what it changes.
public struct PlannedObject: Sendable {
    /// The object as it will be applied, with Plumb's labels.
    public var resource: Resource
    /// Its sync wave.
    public var syncWave: Int
    /// Its phase.
    public var phase: Int
    /// What applying it changes (display-safe).
    public var diff: ObjectDiff
    /// Whether the target already validated this write (a dry run) while confirming the diff.
    public var validated = false

    /// A planned object.
    public init(resource: Resource, syncWave: Int, phase: Int, diff: ObjectDiff) {
        self.resource = resource
        self.syncWave = syncWave
        self.phase = phase
        self.diff = diff
    }

    /// The object.
    public var ref: ObjectRef { resource.ref }
    /// Created, configured or unchanged.
    public var action: Action { diff.action }
}

/// One live object to delete.
public struct PlannedPrune: Sendable, Hashable {
    /// The object.
    public var ref: ObjectRef
    /// Its sync wave (from its live annotation).
    public var syncWave: Int
    /// Its phase.
    public var phase: Int

    /// A planned prune.
    public init(ref: ObjectRef, syncWave: Int, phase: Int) {
        self.ref = ref
        self.syncWave = syncWave
        self.phase = phase
    }
}

/// Objects that cannot be planned, one line each, every line starting with the object.
public struct PlanError: Error, Sendable, Equatable, CustomStringConvertible {
    /// One problem per line: `apps/v1 Deployment web/web: annotation plumb.dev/sync-wave: "x" is not an integer`.
    public var problems: [String]

    /// An error of these problems.
    public init(problems: [String]) { self.problems = problems }

    public var description: String { problems.joined(separator: "\n") }
}
