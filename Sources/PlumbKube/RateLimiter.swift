import Synchronization

/// A token bucket: `qps` tokens a second, at most `burst` saved up. `acquire` reserves a token
/// at once and sleeps until it is due, so waiters are served in arrival order.
public actor RateLimiter {
    public nonisolated let qps: Double
    public nonisolated let burst: Int
    private nonisolated let aside = Atomic<Bool>(false)

    /// Whether the limiter stepped aside for the server's own flow control; callers skip it then.
    public nonisolated var steppedAside: Bool { aside.load(ordering: .relaxed) }

    /// Stops limiting for good: the server paces its clients itself.
    public nonisolated func stepAside() { aside.store(true, ordering: .relaxed) }
    private let clock: any KubeClock
    private var tokens: Double
    private var last: Duration

    /// A limiter; `qps <= 0` disables limiting.
    public init(qps: Double = 100, burst: Int = 200, clock: any KubeClock = SystemClock()) {
        self.qps = qps
        self.burst = max(1, burst)
        self.clock = clock
        tokens = Double(max(1, burst))
        last = clock.now()
    }

    /// Waits for one token.
    public func acquire() async throws {
        let delay = reserve()
        if delay > .zero { try await clock.sleep(for: delay) }
    }

    /// Takes one token, possibly going into debt, and says how long the caller must wait.
    func reserve() -> Duration {
        guard qps > 0, !steppedAside else { return .zero }
        let now = clock.now()
        let elapsed = Double((now - last).components.seconds) + Double((now - last).components.attoseconds) / 1e18
        last = now
        tokens = min(Double(burst), tokens + elapsed * qps)
        tokens -= 1
        if tokens >= 0 { return .zero }
        return .seconds(-tokens / qps)
    }
}
