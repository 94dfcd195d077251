import PlumbCore
import Synchronization

/// The target stopped answering and did not come back within the bound the target was given:
/// one event for the whole sync, not an error of one object. A target throws it for every
/// request it can no longer send (`requestSent` false: the object was not attempted) and for
/// a request that was sent but never answered (`requestSent` true: whether it took effect is
/// unknown until the next observe). The executor stops at the first one.
public struct TargetUnreachable: Error, Sendable, Hashable, CustomStringConvertible {
    /// When the target was first seen unreachable, as people read it (`12:03:04`).
    public var since: String
    /// How long the target waited for it to come back.
    public var bound: Duration
    /// Whether this request may have reached the target before it went away.
    public var requestSent: Bool

    /// The target unreachable since `since`, given up after `bound`.
    public init(since: String, bound: Duration, requestSent: Bool) {
        self.since = since
        self.bound = bound
        self.requestSent = requestSent
    }

    /// `server unreachable since 12:03:04 (waited 60s)`.
    public var description: String { "server unreachable since \(since) (waited \(DurationText.bound(bound)))" }
}

/// The first `TargetUnreachable` of one sync, shared by the objects handled concurrently.
final class UnreachableLatch: Sendable {
    private let first = Mutex<TargetUnreachable?>(nil)

    var value: TargetUnreachable? { first.withLock { $0 } }

    func record(_ error: TargetUnreachable) {
        first.withLock { if $0 == nil { $0 = error } }
    }
}
