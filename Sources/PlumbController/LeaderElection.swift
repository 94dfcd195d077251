import Foundation
import Logging
import PlumbAudit
import PlumbKube
import ServiceLifecycle
import Synchronization

/// How long a lease lasts and how it is kept: controller-runtime's defaults (15 s, 10 s, 2 s).
public struct LeaseTimings: Sendable, Equatable {
    /// How long others wait, from the last renewal they saw, before they take the lease.
    public var leaseDuration: Duration
    /// How long the holder keeps trying to renew before it stops working; shorter than the
    /// lease duration, so the holder has stopped before anyone else may start.
    public var renewDeadline: Duration
    /// How often the holder renews and the others look.
    public var retryPeriod: Duration

    public init(
        leaseDuration: Duration = .seconds(15), renewDeadline: Duration = .seconds(10),
        retryPeriod: Duration = .seconds(2)
    ) {
        self.leaseDuration = leaseDuration
        self.renewDeadline = renewDeadline
        self.retryPeriod = retryPeriod
    }

    /// Why these timings cannot work (client-go's checks), or nil.
    public var problem: String? {
        if leaseDuration < .seconds(1) { return "the lease duration must be at least 1s" }
        if leaseDuration <= renewDeadline { return "the lease duration must be longer than the renew deadline" }
        if renewDeadline <= retryPeriod * 1.2 {
            return "the renew deadline must be longer than 1.2 times the retry period"
        }
        if retryPeriod <= .zero { return "the retry period must be positive" }
        return nil
    }

    /// `spec.leaseDurationSeconds`: whole seconds, rounded up.
    var leaseDurationSeconds: Int64 {
        let c = leaseDuration.components
        return c.seconds + (c.attoseconds > 0 ? 1 : 0)
    }

    /// The retry period stretched by up to 20% (client-go's jitter), so replicas drift apart.
    var jitteredRetry: Duration { retryPeriod * Double.random(in: 1...1.2) }
}

/// Leader election on a `coordination.k8s.io/v1` Lease, as client-go's `leaderelection`:
/// every retry period a candidate reads the lease and takes it when nobody holds it or the
/// holder's last renewal it saw is older than the lease duration (measured on its own clock
/// from when it saw the change, so clocks need not agree); the holder renews every retry
/// period. Writes are updates at the resourceVersion read, so of two candidates one wins and
/// the other gets a 409. A holder that has not renewed for the renew deadline (timed from
/// when its last successful renewal was sent) stops admitting work at once, which is before
/// anyone else can take over. On graceful shutdown the lease is released (empty holder,
/// 1-second duration) so a standby takes over at its next look.
///
/// As a `WorkGate` it admits every Application while this replica leads.
public final class LeaderElector: WorkGate, Service, Sendable {
    public let leases: LeaseClient
    public let name: String
    public let identity: String
    public let timings: LeaseTimings
    let logger: Logger
    /// This process, written beside the identity into the lease.
    let process = AuditProcess.current()
    private let handlers = ChangeHandlers()

    struct State {
        /// The lease as last read or written, and when (on this replica's clock) it last changed.
        var observed: LeaseRecord?
        var observedAt = ContinuousClock.now
        /// When the last successful acquire or renew was sent.
        var renewedAt: ContinuousClock.Instant?
        var leading = false
        /// Holders whose expired lease this replica took, not yet handed to `takeStopped`.
        var stopped: [StoppedProcess] = []
    }
    private let state = Mutex(State())

    public init(
        leases: LeaseClient, name: String, identity: String, timings: LeaseTimings = LeaseTimings(),
        logger: Logger = Logger(label: "plumb.controller")
    ) {
        self.leases = leases
        self.name = name
        self.identity = identity
        self.timings = timings
        self.logger = logger
    }

    /// Whether this replica leads now: it won the lease and renewed it within the renew deadline.
    public var isLeader: Bool {
        let deadline = timings.renewDeadline
        return state.withLock { s in s.leading && s.renewedAt.map { ContinuousClock.now < $0 + deadline } ?? false }
    }

    /// The holder of the lease as last seen ("" when released or not seen yet).
    public var holder: String { state.withLock { $0.observed?.holderIdentity ?? "" } }

    public func admits(_ key: AppKey) -> Bool { isLeader }

    public func onChange(_ body: @escaping @Sendable () async -> Void) { handlers.add(body) }

    public func takeStopped() -> [StoppedProcess] {
        state.withLock { s in
            defer { s.stopped = [] }
            return s.stopped
        }
    }

    /// How long a standby waits before its next look: the retry period, or less when the
    /// holder's lease expires sooner (it is taken at that look, not one retry period later).
    func nextLook() -> Duration {
        if isLeader { return timings.retryPeriod }
        let retry = timings.jitteredRetry
        return state.withLock { s -> Duration in
            guard let o = s.observed, !o.holderIdentity.isEmpty else { return retry }
            // Past expiry already (the take failed): the retry period, not a busy loop.
            let left = s.observedAt + .seconds(o.leaseDurationSeconds) + .milliseconds(1) - ContinuousClock.now
            return left > .zero ? min(retry, left) : retry
        }
    }

    /// Tries the lease until graceful shutdown; releases it after (the controller, shut down
    /// before this service, has stopped by then).
    public func run() async {
        await cancelWhenGracefulShutdown {
            await self.loop()
        }
        await release()
    }

    /// Tries the lease every retry period until the task is cancelled, without releasing it.
    public func loop() async {
        while !Task.isCancelled {
            // The flag, not the deadline: a leader whose deadline passed while it waited still
            // has work to stop.
            let leadingBefore = state.withLock { $0.leading }
            let budget: Duration
            if let renewedAt = state.withLock({ $0.leading ? $0.renewedAt : nil }) {
                budget = max(.milliseconds(1), renewedAt + timings.renewDeadline - ContinuousClock.now)
            } else {
                budget = timings.renewDeadline
            }
            // A hung request must not keep a holder that can no longer renew from stopping.
            let ok = await Self.within(budget) { await self.tryAcquireOrRenew() } ?? false
            await settle(wasLeading: leadingBefore, renewed: ok)
            try? await Task.sleep(for: nextLook())
        }
    }

    /// Drops leadership when the renew deadline passed; tells the handlers of any change.
    func settle(wasLeading: Bool, renewed: Bool) async {
        let deadline = timings.renewDeadline
        let lost = state.withLock { s -> Bool in
            guard s.leading, let at = s.renewedAt, ContinuousClock.now >= at + deadline else { return false }
            s.leading = false
            return true
        }
        if lost {
            logger.error(
                "leader election lost: lease \(leases.namespace)/\(name) not renewed within \(deadline); stopping work")
        }
        let now = isLeader
        if now && !wasLeading {
            logger.info("leader election won: lease \(leases.namespace)/\(name)", metadata: ["identity": "\(identity)"])
        }
        if now != wasLeading { await handlers.fire() }
    }

    /// One look at the lease: create it, renew it, or take it over when it expired; false when
    /// another replica holds it or a write lost a race (409).
    @discardableResult
    public func tryAcquireOrRenew() async -> Bool {
        let sent = ContinuousClock.now
        let now = Date()
        var record = LeaseRecord(
            holderIdentity: identity, leaseDurationSeconds: timings.leaseDurationSeconds, acquireTime: now,
            renewTime: now,
            leaseTransitions: 0, holderProcess: process)
        let old: LeaseRecord?
        do {
            old = try await leases.get(name)
        } catch {
            logger.warning("lease \(leases.namespace)/\(name) not read: \(error)")
            return false
        }
        guard let old else {
            do {
                let made = try await leases.create(name, record)
                won(made, sent: sent)
                return true
            } catch {
                logger.debug("lease \(leases.namespace)/\(name) not created: \(error)")
                return false
            }
        }
        let (valid, mine) = state.withLock { s -> (Bool, Bool) in
            var o = old
            o.resourceVersion = ""
            var seen = s.observed
            seen?.resourceVersion = ""
            if seen != o || s.observed == nil {
                s.observed = old
                s.observedAt = ContinuousClock.now
            } else {
                s.observed = old
            }
            let valid = s.observedAt + .seconds(old.leaseDurationSeconds) > ContinuousClock.now
            return (valid, old.holderIdentity == identity)
        }
        if !old.holderIdentity.isEmpty && valid && !mine { return false }
        if mine {
            record.acquireTime = old.acquireTime
            record.leaseTransitions = old.leaseTransitions
        } else {
            record.leaseTransitions = old.leaseTransitions + 1
        }
        record.resourceVersion = old.resourceVersion
        do {
            let written = try await leases.update(name, record)
            won(written, sent: sent)
            // Taken over from a holder that stopped (its lease expired, or this identity's
            // previous process): its started syncs are interrupted.
            if !old.holderIdentity.isEmpty, let gone = old.holderProcess, gone != process {
                logger.warning(
                    "lease \(leases.namespace)/\(name) taken over from \(old.holderIdentity) (process \(gone.pid) on \(gone.host)), whose lease expired"
                )
                state.withLock { $0.stopped.append(StoppedProcess(process: gone, identity: old.holderIdentity)) }
            }
            return true
        } catch {
            logger.debug("lease \(leases.namespace)/\(name) not updated: \(error)")
            return false
        }
    }

    private func won(_ record: LeaseRecord, sent: ContinuousClock.Instant) {
        state.withLock { s in
            s.observed = record
            s.observedAt = ContinuousClock.now
            s.renewedAt = sent
            s.leading = true
        }
    }

    /// Gives the lease up (client-go's `ReleaseOnCancel`): no holder, a 1-second duration.
    public func release() async {
        let held = state.withLock { s -> LeaseRecord? in
            defer { s.leading = false }
            guard s.leading, let o = s.observed, o.holderIdentity == identity else { return nil }
            return o
        }
        guard let held else { return }
        await handlers.fire()
        let now = Date()
        let record = LeaseRecord(
            holderIdentity: "", leaseDurationSeconds: 1, acquireTime: now, renewTime: now,
            leaseTransitions: held.leaseTransitions, resourceVersion: held.resourceVersion)
        do {
            let written = try await leases.update(name, record)
            state.withLock { $0.observed = written }
            logger.info("lease \(leases.namespace)/\(name) released")
        } catch {
            logger.warning("lease \(leases.namespace)/\(name) not released: \(error)")
        }
    }

    /// The value of `body`, or nil when it takes longer than `limit` (it is then cancelled and
    /// not waited for: a request stuck on an unreachable server must not hold the caller).
    static func within<T: Sendable>(_ limit: Duration, _ body: @escaping @Sendable () async -> T) async -> T? {
        let pending = Mutex<CheckedContinuation<T?, Never>?>(nil)
        let take = { @Sendable () -> CheckedContinuation<T?, Never>? in
            pending.withLock { c in
                let taken = c
                c = nil
                return taken
            }
        }
        return await withCheckedContinuation { (c: CheckedContinuation<T?, Never>) in
            pending.withLock { $0 = c }
            let work = Task {
                let value = await body()
                take()?.resume(returning: value)
            }
            Task {
                try? await Task.sleep(for: limit)
                if let c = take() {
                    work.cancel()
                    c.resume(returning: nil)
                }
            }
        }
    }
}
