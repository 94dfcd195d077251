/// Time for the executor: how long things take, and waiting between retries and health
/// checks. Injectable so tests run on virtual time.
public protocol SyncClock: Sendable {
    /// Time elapsed since a fixed point of this clock.
    func now() -> Duration
    /// Suspends for `duration`; throws when the task is cancelled.
    func sleep(for duration: Duration) async throws
}

/// The real, monotonic clock.
public struct SystemClock: SyncClock {
    private let origin = ContinuousClock.now

    /// A clock starting now.
    public init() {}

    public func now() -> Duration { ContinuousClock.now - origin }

    public func sleep(for duration: Duration) async throws {
        try await Task.sleep(for: duration)
    }
}
