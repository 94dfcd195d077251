import Synchronization

/// Sends commit statuses in the background, in the order they were given, so that a sync
/// never waits for a forge: `enqueue` returns at once. A forge that fails is retried with
/// backoff (a transient error: an outage, a 5xx, a rate limit) or given up on (a refused
/// credential, an unknown commit), each with a log line. The queue is bounded: when it is
/// full the oldest status is dropped, with a log line, so an outage delays statuses but
/// never grows memory without bound.
public final class StatusNotifier: Sendable {
    /// Limits of the queue and the retries.
    public struct Settings: Sendable {
        /// The most statuses waiting; the oldest goes first when another comes.
        public var capacity = 256
        /// Attempts per status, the first included.
        public var maxAttempts = 8
        /// The first retry's delay; each next one doubles, up to `maxBackoff`.
        public var initialBackoff: Duration = .seconds(2)
        public var maxBackoff: Duration = .seconds(300)

        public init() {}
    }

    /// One status for one forge.
    struct Item: Sendable {
        var forge: any Forge
        var status: CommitStatus
        var attempts = 0
    }

    struct State {
        var queue: [Item] = []
        var worker: Task<Void, Never>?
        /// Whether the worker is sending an item it took off the queue.
        var inFlight = false
        var sent = 0
        var dropped = 0
    }

    public let settings: Settings
    private let log: @Sendable (String) -> Void
    private let sleep: @Sendable (Duration) async -> Void
    private let state = Mutex(State())

    /// A notifier logging through `log`; `sleep` waits between retries (tests pass a short one).
    public init(
        settings: Settings = Settings(), log: @escaping @Sendable (String) -> Void,
        sleep: @escaping @Sendable (Duration) async -> Void = { try? await Task.sleep(for: $0) }
    ) {
        self.settings = settings
        self.log = log
        self.sleep = sleep
    }

    deinit {
        state.withLock { $0.worker?.cancel() }
    }

    /// Queues `status` for `forge`; returns at once.
    public func enqueue(_ status: CommitStatus, on forge: any Forge) {
        var droppedStatus: CommitStatus?
        state.withLock { s in
            s.queue.append(Item(forge: forge, status: status))
            if s.queue.count > settings.capacity {
                droppedStatus = s.queue.removeFirst().status
                s.dropped += 1
            }
            if s.worker == nil {
                s.worker = Task { [weak self] in await self?.work() }
            }
        }
        if let droppedStatus {
            log("commit status queue full (\(settings.capacity)): dropped the oldest, \(Self.describe(droppedStatus))")
        }
    }

    /// Statuses waiting (or being sent).
    public var waiting: Int { state.withLock { $0.queue.count + ($0.inFlight ? 1 : 0) } }
    /// Statuses the forges accepted so far.
    public var sent: Int { state.withLock { $0.sent } }
    /// Statuses dropped (queue full, or given up after retries or a permanent error).
    public var dropped: Int { state.withLock { $0.dropped } }

    /// Waits until the queue is empty or `timeout` passed; true when it emptied.
    public func waitUntilIdle(timeout: Duration) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if state.withLock({ $0.queue.isEmpty && $0.worker == nil }) { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return false
    }

    /// Stops sending; what is queued is dropped.
    public func stop() {
        state.withLock { s in
            s.worker?.cancel()
            s.worker = nil
            s.queue.removeAll()
        }
    }

    private func work() async {
        while !Task.isCancelled {
            // The item is taken off the queue while it is sent; a retry puts it back in front.
            guard
                let item = state.withLock({ s -> Item? in
                    guard !s.queue.isEmpty else {
                        s.worker = nil
                        return nil
                    }
                    s.inFlight = true
                    return s.queue.removeFirst()
                })
            else { return }
            var retryAfter: Duration?
            do {
                try await item.forge.setStatus(item.status)
                state.withLock { s in
                    s.sent += 1
                    s.inFlight = false
                }
            } catch {
                let attempts = item.attempts + 1
                let transient = (error as? ForgeError)?.isTransient ?? true
                if !transient || attempts >= settings.maxAttempts {
                    state.withLock { s in
                        s.dropped += 1
                        s.inFlight = false
                    }
                    let why = transient ? "gave up after \(attempts) attempts" : "not retried"
                    log("commit status \(Self.describe(item.status)) dropped (\(why)): \(error)")
                } else {
                    let delay = backoff(attempt: attempts)
                    var again = item
                    again.attempts = attempts
                    let kept = state.withLock { s -> Bool in
                        s.inFlight = false
                        // Newer statuses filled the queue meanwhile: this, the oldest, goes.
                        guard s.queue.count < settings.capacity else {
                            s.dropped += 1
                            return false
                        }
                        s.queue.insert(again, at: 0)
                        return true
                    }
                    if kept {
                        log(
                            "commit status \(Self.describe(item.status)) failed (attempt \(attempts)), retrying in \(delay): \(error)"
                        )
                        retryAfter = delay
                    } else {
                        log(
                            "commit status queue full (\(settings.capacity)): dropped the oldest, \(Self.describe(item.status)): \(error)"
                        )
                    }
                }
            }
            if let retryAfter { await sleep(retryAfter) }
        }
    }

    private func backoff(attempt: Int) -> Duration {
        var d = settings.initialBackoff
        for _ in 1..<max(1, attempt) where d < settings.maxBackoff { d = d * 2 }
        return min(d, settings.maxBackoff)
    }

    static func describe(_ status: CommitStatus) -> String {
        "\(status.context) \(status.state.rawValue) on \(status.sha.prefix(12))"
    }
}
