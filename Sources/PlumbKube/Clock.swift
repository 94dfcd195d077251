/// Time as the client sees it: a monotonic now and a sleep. Tests inject a manual clock.
public protocol KubeClock: Sendable {
    /// Time since an arbitrary fixed origin; only differences matter.
    func now() -> Duration
    /// Sleeps for `duration`; throws `CancellationError` when the task is cancelled.
    func sleep(for duration: Duration) async throws
}

/// The real clock: `ContinuousClock`.
public struct SystemClock: KubeClock {
    private let origin = ContinuousClock.now

    public init() {}

    public func now() -> Duration { ContinuousClock.now - origin }

    public func sleep(for duration: Duration) async throws {
        guard duration > .zero else { return }
        try await Task.sleep(for: duration)
    }
}
