import PlumbCore

/// Progress of a sync as it happens, for a TTY progress display or plain log lines.
public enum SyncEvent: Sendable {
    /// Validation and server dry-run of `count` objects started.
    case validating(count: Int)
    /// Validation finished; `failed` objects failed.
    case validated(count: Int, failed: Int)
    /// A step of the plan started: its sync wave and phase, and its objects.
    case stepStarted(syncWave: Int, phase: Int, objects: [ObjectRef])
    /// An object was handled (applied, left unchanged, pruned, skipped, failed) in `duration`.
    case objectDone(ObjectChange, syncWave: Int, duration: Duration)
    /// A transient error; the call is retried after `delay`.
    case retrying(ObjectRef, attempt: Int, delay: Duration, reason: String)
    /// An object reached a health state it waited for (healthy, or a CRD established).
    case healthReached(ObjectRef, HealthStatus, after: Duration)
    /// Pruning of `count` objects started.
    case pruning(count: Int)
    /// The sync finished.
    case finished(ChangeSet, duration: Duration)
}

/// Receives sync events. Called from concurrent tasks: implementations must be thread safe
/// and quick (hand work to their own queue if printing is slow).
public protocol SyncObserver: Sendable {
    /// One event.
    func observe(_ event: SyncEvent)
}

/// An observer that ignores every event.
public struct SilentObserver: SyncObserver {
    /// An observer that ignores events.
    public init() {}
    public func observe(_ event: SyncEvent) {}
}
