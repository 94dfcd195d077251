/// The controller's work queue, as client-go's rate-limited queue: each key is held once (a
/// second add while it waits is merged, keeping the earlier time); a key being processed is
/// not handed out again until `done`, and an add meanwhile is kept for after it. Keys added
/// as rate-limited (a retry after a failure, client-go's `AddRateLimited`) leave the queue at
/// most `rate` per second (bursts of `burst`); events and interval requeues are not held back
/// by that bucket, so a thousand Applications due at once do not delay a watch event behind
/// them for longer than the workers take. A key added as `urgent` (an Application a pushed
/// commit changed) is handed out before every other due key, so a push is not held behind the
/// backlog of earlier ones.
public actor WorkQueue<Key: Hashable & Sendable> {
    private var waiting: [Key: ContinuousClock.Instant] = [:]
    private var processing = Set<Key>()
    private var dirty: [Key: ContinuousClock.Instant] = [:]
    /// Keys whose next hand-out takes a token of the bucket.
    private var limited = Set<Key>()
    /// Keys handed out before the others once due.
    private var urgent = Set<Key>()
    private var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
    private var nextWaiter = 0
    private var shuttingDown = false
    private let rate: Double
    private let burst: Double
    private var tokens: Double
    private var refilled = ContinuousClock.now
    /// Called with the number of keys waiting whenever it changes.
    private let onDepth: (@Sendable (Int) -> Void)?

    public init(rate: Double = 50, burst: Int = 300, onDepth: (@Sendable (Int) -> Void)? = nil) {
        self.rate = rate
        self.burst = Double(burst)
        self.tokens = Double(burst)
        self.onDepth = onDepth
    }

    /// Keys waiting (not those being processed).
    public var depth: Int { waiting.count }

    /// Keys waiting that are due now: the backlog (not those requeued for later).
    public var backlog: Int {
        let now = ContinuousClock.now
        return waiting.values.filter { $0 <= now }.count
    }

    /// Queues `key` to be handed out after `delay` (now by default); `rateLimited`, as a retry
    /// after a failure, also waits for a token of the bucket; `urgent` goes before the other
    /// due keys (until handed out, whatever adds come meanwhile).
    public func add(_ key: Key, after delay: Duration = .zero, rateLimited: Bool = false, urgent: Bool = false) {
        guard !shuttingDown else { return }
        if rateLimited { limited.insert(key) } else { limited.remove(key) }
        if urgent { self.urgent.insert(key) }
        let at = ContinuousClock.now + delay
        if processing.contains(key) {
            dirty[key] = min(dirty[key] ?? at, at)
            return
        }
        waiting[key] = min(waiting[key] ?? at, at)
        onDepth?(waiting.count)
        wakeAll()
    }

    /// The next key that is due, waiting for one; nil once the queue shuts down.
    public func get() async -> Key? {
        while true {
            if shuttingDown { return nil }
            let now = ContinuousClock.now
            refill(now)
            var next: ContinuousClock.Instant?
            if let (key, at) = nextDue(now) {
                let needsToken = limited.contains(key)
                if at <= now && (!needsToken || tokens >= 1) {
                    if needsToken { tokens -= 1 }
                    limited.remove(key)
                    urgent.remove(key)
                    waiting[key] = nil
                    processing.insert(key)
                    onDepth?(waiting.count)
                    return key
                }
                next = at <= now ? now + .milliseconds(Int64(1000 / rate) + 1) : at
            }
            await sleep(until: next)
        }
    }

    /// The key to hand out next: the earliest due urgent one, else the earliest of all.
    private func nextDue(_ now: ContinuousClock.Instant) -> (Key, ContinuousClock.Instant)? {
        var first: (Key, ContinuousClock.Instant)?
        for key in urgent {
            guard let at = waiting[key], at <= now, first.map({ at < $0.1 }) ?? true else { continue }
            first = (key, at)
        }
        return first ?? waiting.min(by: { $0.value < $1.value }).map { ($0.key, $0.value) }
    }

    /// Ends processing of `key`; an add that came meanwhile queues it again.
    public func done(_ key: Key) {
        processing.remove(key)
        if let at = dirty.removeValue(forKey: key), !shuttingDown {
            waiting[key] = min(waiting[key] ?? at, at)
            onDepth?(waiting.count)
            wakeAll()
        }
    }

    /// Hands out nothing more; `get` returns nil.
    public func shutDown() {
        shuttingDown = true
        wakeAll()
    }

    private func refill(_ now: ContinuousClock.Instant) {
        let elapsed = now - refilled
        tokens = min(burst, tokens + rate * (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18))
        refilled = now
    }

    private func sleep(until deadline: ContinuousClock.Instant?) async {
        let id = nextWaiter
        nextWaiter += 1
        var timer: Task<Void, Never>?
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            waiters[id] = c
            if let deadline {
                timer = Task {
                    try? await Task.sleep(until: deadline, clock: .continuous)
                    self.wake(id)
                }
            }
        }
        timer?.cancel()
    }

    private func wake(_ id: Int) {
        waiters.removeValue(forKey: id)?.resume()
    }

    private func wakeAll() {
        let all = waiters
        waiters = [:]
        for c in all.values { c.resume() }
    }
}
