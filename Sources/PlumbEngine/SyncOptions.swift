/// How a sync runs.
public struct SyncOptions: Sendable {
    /// Validate and report, write nothing.
    public var dryRun = false
    /// Take fields other managers own instead of failing on a conflict.
    public var force = false
    /// Delete the app's objects that left Git (opt-in).
    public var prune = false
    /// Wait for every applied object to be healthy.
    public var wait = false
    /// How long waiting for health (and for a CRD to be established) may take.
    public var timeout: Duration = .seconds(300)
    /// How often health is checked while waiting.
    public var pollInterval: Duration = .seconds(1)
    /// How many objects are validated, applied or deleted at once.
    public var concurrency = SyncOptions.defaultConcurrency
    /// 32 at once: what one HTTP/2 connection carries without queueing on the client, well
    /// under kube-apiserver's default of 200 mutating requests in flight.
    public static let defaultConcurrency = 32
    /// Retries of transient errors.
    public var retry = RetryPolicy()

    /// The defaults: no dry run, no force, no prune, no wait, 32 at once.
    public init(
        dryRun: Bool = false, force: Bool = false, prune: Bool = false, wait: Bool = false,
        timeout: Duration = .seconds(300), pollInterval: Duration = .seconds(1), concurrency: Int = SyncOptions.defaultConcurrency,
        retry: RetryPolicy = RetryPolicy()
    ) {
        self.dryRun = dryRun
        self.force = force
        self.prune = prune
        self.wait = wait
        self.timeout = timeout
        self.pollInterval = pollInterval
        self.concurrency = concurrency
        self.retry = retry
    }
}

/// Exponential backoff for transient errors: `initialDelay`, doubled each time, at most
/// `maxDelay`, for at most `maxAttempts` calls in all.
public struct RetryPolicy: Sendable, Hashable {
    /// Calls in all, the first included.
    public var maxAttempts = 5
    /// The delay before the second call.
    public var initialDelay: Duration = .milliseconds(200)
    /// The longest delay.
    public var maxDelay: Duration = .seconds(5)

    /// A policy; the defaults make 5 calls over about 3 seconds.
    public init(maxAttempts: Int = 5, initialDelay: Duration = .milliseconds(200), maxDelay: Duration = .seconds(5)) {
        self.maxAttempts = maxAttempts
        self.initialDelay = initialDelay
        self.maxDelay = maxDelay
    }

    /// The delay after call `attempt` (1-based) failed.
    public func delay(after attempt: Int) -> Duration {
        var d = initialDelay
        for _ in 1..<max(attempt, 1) { d = min(d * 2, maxDelay) }
        return min(d, maxDelay)
    }
}
