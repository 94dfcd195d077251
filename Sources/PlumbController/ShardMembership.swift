import Foundation
import Logging
import PlumbAudit
import PlumbKube
import ServiceLifecycle
import Synchronization

/// Sharding of the Applications over replicas that each announce themselves with a Lease of
/// their own (`<base>-shard-<identity>`, labelled `plumb.dev/shard-of=<base>`), renewed every
/// retry period. Every retry period a replica lists the shard leases and renews its own; the
/// members are the replicas whose lease it saw renewed within the lease duration (timed on its
/// own clock from when it saw each change, as leader election does); the first `shards` of
/// them by acquire time are active, the rest stand by; Applications are spread over the active
/// ones by `ShardRing`.
///
/// No Application is synced by two replicas at once, by two rules (docs/controller.md):
/// - a replica that has not both renewed its lease and listed the others within the renew
///   deadline admits nothing (it stops before the others may count it gone: the lease
///   duration is longer);
/// - a replica admits Applications only after it has been active in its own view, with such
///   fresh looks, for one lease duration: by then every working replica has looked again,
///   counts it in, and has given up (and fenced off, see `FencedTransport`) the Applications
///   that moved to it.
public final class ShardMembership: WorkGate, Service, Sendable {
    public let leases: LeaseClient
    /// The name the shard leases start from (`plumb-controller`).
    public let base: String
    /// This replica's identity: its lease's holder, and its name on the ring.
    public let identity: String
    /// How many replicas are active at most.
    public let shards: Int
    public let timings: LeaseTimings
    let logger: Logger
    /// This process, written beside the identity into the lease.
    let process = AuditProcess.current()
    private let handlers = ChangeHandlers()

    struct Seen {
        var record: LeaseRecord
        var observedAt: ContinuousClock.Instant
    }

    struct State {
        /// Every shard lease as last listed, by name.
        var seen: [String: Seen] = [:]
        /// This replica's lease as last written.
        var own: LeaseRecord?
        /// Whether this process has written its lease yet (the first write is an acquisition).
        var acquired = false
        /// When the last successful renewal was sent, and when the last successful list began.
        var renewedAt: ContinuousClock.Instant?
        var listedAt: ContinuousClock.Instant?
        /// Since when this replica has been active, with fresh looks, in its own view.
        var activeSince: ContinuousClock.Instant?
        var ring = ShardRing(members: [])
        var live: [String] = []
        /// What `onChange` handlers last heard: the ring, whether this replica admitted, the live replicas.
        var announced: ([String], Bool, [String]) = ([], false, [])
        /// Replicas whose lease expired (not released) since the last `takeStopped`.
        var stopped: [StoppedProcess] = []
    }
    private let state = Mutex(State())

    public init(
        leases: LeaseClient, base: String, identity: String, shards: Int, timings: LeaseTimings = LeaseTimings(),
        logger: Logger = Logger(label: "plumb.controller")
    ) {
        self.leases = leases
        self.base = base
        self.identity = identity
        self.shards = max(1, shards)
        self.timings = timings
        self.logger = logger
    }

    /// The label that marks the shard leases of `base`.
    public static let label = "plumb.dev/shard-of"

    /// The lease name of `identity`: `<base>-shard-<identity>`, lowercased, other characters
    /// than letters, digits, `-` and `.` as `-`.
    public static func leaseName(base: String, identity: String) -> String {
        let cleaned = identity.lowercased().map { c -> Character in
            c.isASCII && (c.isLetter || c.isNumber || c == "-" || c == ".") ? c : "-"
        }
        var name = "\(base)-shard-" + String(cleaned)
        if name.count > 253 { name = String(name.prefix(253)) }
        while name.hasSuffix("-") || name.hasSuffix(".") { name.removeLast() }
        return name
    }

    public var leaseName: String { Self.leaseName(base: base, identity: identity) }

    /// The active members as this replica sees them (lease names).
    public var members: [String] { state.withLock { $0.ring.members } }

    /// Whether this replica admits its share now (fresh, active, warmed up).
    public var isServing: Bool { state.withLock { serving($0, now: ContinuousClock.now) } }

    /// Whether this replica may reconcile `key` now: it is serving and owns `key` on its ring.
    public func admits(_ key: AppKey) -> Bool {
        state.withLock { s in serving(s, now: ContinuousClock.now) && s.ring.owner(of: key) == leaseName }
    }

    /// The owner of `key` on this replica's ring (nil with no active member).
    public func owner(of key: AppKey) -> String? { state.withLock { $0.ring.owner(of: key) } }

    public func onChange(_ body: @escaping @Sendable () async -> Void) { handlers.add(body) }

    public func takeStopped() -> [StoppedProcess] {
        state.withLock { s in
            defer { s.stopped = [] }
            return s.stopped
        }
    }

    /// The live replicas this replica sees (itself included while fresh), active or standing by.
    public var liveMembers: [String] { state.withLock { $0.live } }

    /// How long to wait before the next look: the retry period, or less when another
    /// replica's lease expires sooner, so that its Applications move at that look and not one
    /// retry period later.
    func nextLook() -> Duration {
        let now = ContinuousClock.now
        let me = leaseName
        return state.withLock { s -> Duration in
            var next = timings.retryPeriod
            for (name, seen) in s.seen where name != me && !seen.record.holderIdentity.isEmpty {
                let left = seen.observedAt + .seconds(seen.record.leaseDurationSeconds) + .milliseconds(1) - now
                if left > .zero { next = min(next, left) }
            }
            return next
        }
    }

    private func fresh(_ s: State, now: ContinuousClock.Instant) -> Bool {
        guard let r = s.renewedAt, let l = s.listedAt else { return false }
        return now < min(r, l) + timings.renewDeadline
    }

    private func serving(_ s: State, now: ContinuousClock.Instant) -> Bool {
        guard fresh(s, now: now), let since = s.activeSince else { return false }
        return now >= since + timings.leaseDuration
    }

    /// Looks and renews every retry period until graceful shutdown; releases the lease after
    /// (the controller, shut down before this service, has stopped by then).
    public func run() async {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                _ = await LeaderElector.within(self.timings.renewDeadline) { await self.tick() }
                await self.settle()
                try? await Task.sleep(for: self.nextLook())
            }
        }
        await release()
    }

    /// One round: list the shard leases, renew this replica's.
    public func tick() async {
        let listStart = ContinuousClock.now
        let listed: [String: LeaseRecord]
        do {
            listed = try await leases.list(labelSelector: "\(Self.label)=\(base)")
        } catch {
            logger.warning("shard leases not listed: \(error)")
            return
        }
        let now = ContinuousClock.now
        state.withLock { s in
            var seen: [String: Seen] = [:]
            for (name, record) in listed {
                if let before = s.seen[name], Self.sameRenewal(before.record, record) {
                    seen[name] = Seen(record: record, observedAt: before.observedAt)
                } else {
                    seen[name] = Seen(record: record, observedAt: now)
                }
            }
            s.seen = seen
            s.listedAt = listStart
        }
        await renew(listed[leaseName])
        await collectGarbage()
    }

    /// Whether two reads of a lease show no renewal between them.
    static func sameRenewal(_ a: LeaseRecord, _ b: LeaseRecord) -> Bool {
        a.holderIdentity == b.holderIdentity && a.renewTime == b.renewTime
            && a.leaseDurationSeconds == b.leaseDurationSeconds
            && a.resourceVersion == b.resourceVersion
    }

    private func renew(_ current: LeaseRecord?) async {
        let sent = ContinuousClock.now
        let date = Date()
        let (acquired, seen) = state.withLock { ($0.acquired, $0.seen[leaseName]) }
        var record = LeaseRecord(
            holderIdentity: identity, leaseDurationSeconds: timings.leaseDurationSeconds, acquireTime: date,
            renewTime: date,
            leaseTransitions: 0, holderProcess: process)
        let labels = [Self.label: base]
        do {
            let written: LeaseRecord
            if let current {
                if current.holderIdentity != identity, !current.holderIdentity.isEmpty, let seen,
                    seen.observedAt + .seconds(current.leaseDurationSeconds) > ContinuousClock.now
                {
                    logger.error(
                        "shard lease \(leases.namespace)/\(leaseName) is held by \(current.holderIdentity); waiting for it to expire"
                    )
                    return
                }
                if acquired && current.holderIdentity == identity {
                    record.acquireTime = current.acquireTime
                    record.leaseTransitions = current.leaseTransitions
                } else {
                    record.leaseTransitions = current.leaseTransitions + 1
                }
                record.resourceVersion = current.resourceVersion
                written = try await leases.update(leaseName, record, labels: labels)
            } else {
                written = try await leases.create(leaseName, record, labels: labels)
            }
            state.withLock { s in
                if !s.acquired { s.activeSince = nil }
                s.acquired = true
                s.own = written
                s.renewedAt = sent
                s.seen[leaseName] = Seen(record: written, observedAt: ContinuousClock.now)
            }
        } catch {
            logger.warning("shard lease \(leases.namespace)/\(leaseName) not renewed: \(error)")
        }
    }

    /// Recomputes the members and the ring; starts or resets the warm-up; tells the handlers
    /// when the ring or whether this replica serves changed.
    func settle() async {
        let now = ContinuousClock.now
        let me = leaseName
        let change = state.withLock { s -> (members: [String], serving: Bool, joined: [String], left: [String])? in
            var live: [(name: String, acquired: Date, record: LeaseRecord)] = []
            for (name, seen) in s.seen {
                let r = seen.record
                guard !r.holderIdentity.isEmpty else { continue }
                if name == me {
                    guard fresh(s, now: now) else { continue }
                } else if seen.observedAt + .seconds(r.leaseDurationSeconds) <= now {
                    continue
                }
                live.append((name, r.acquireTime ?? .distantPast, r))
            }
            live.sort { $0.acquired != $1.acquired ? $0.acquired < $1.acquired : $0.name < $1.name }
            let active = live.prefix(shards).map(\.name)
            let ring = s.ring.members == active.sorted() ? s.ring : ShardRing(members: active)
            let before = s.live
            s.live = live.map(\.name).sorted()
            s.ring = ring
            // A replica gone without releasing its lease has stopped (rule 1 of
            // docs/controller.md): its started syncs are interrupted by whoever takes its share.
            for name in before where name != me && !s.live.contains(name) {
                guard let r = s.seen[name]?.record, !r.holderIdentity.isEmpty, let p = r.holderProcess else { continue }
                s.stopped.append(StoppedProcess(process: p, identity: r.holderIdentity))
            }
            if active.contains(me) && fresh(s, now: now) {
                if s.activeSince == nil { s.activeSince = now }
            } else {
                s.activeSince = nil
            }
            let serving = serving(s, now: now)
            guard s.announced.0 != ring.members || s.announced.1 != serving || s.announced.2 != s.live else {
                return nil
            }
            s.announced = (ring.members, serving, s.live)
            return (
                ring.members, serving, s.live.filter { !before.contains($0) }, before.filter { !s.live.contains($0) }
            )
        }
        guard let change else { return }
        logger.info(
            "shard members: \(change.members.joined(separator: ", "))",
            metadata: [
                "replica": "\(me)", "serving": "\(change.serving)", "joined": "\(change.joined.joined(separator: ","))",
                "left": "\(change.left.joined(separator: ","))",
            ])
        await handlers.fire()
    }

    /// Deletes shard leases nobody renewed for two lease durations (replicas gone for good),
    /// each at the resourceVersion seen, so a renewal since wins.
    private func collectGarbage() async {
        let now = ContinuousClock.now
        let stale = state.withLock { s in
            s.seen.filter {
                $0.key != leaseName
                    && $0.value.observedAt + .seconds(max(1, $0.value.record.leaseDurationSeconds)) + timings
                        .leaseDuration * 2 <= now
            }
        }
        for (name, seen) in stale {
            do {
                try await leases.delete(name, resourceVersion: seen.record.resourceVersion)
                logger.info(
                    "shard lease \(leases.namespace)/\(name) of a replica gone since \(seen.record.renewTime.map(MicroTime.format) ?? "?") deleted"
                )
            } catch {
                logger.debug("shard lease \(leases.namespace)/\(name) not deleted: \(error)")
            }
        }
    }

    /// Gives this replica's lease up (no holder, a 1-second duration) so the others take its
    /// Applications at their next look.
    public func release() async {
        let own = state.withLock { s -> LeaseRecord? in
            defer {
                s.activeSince = nil
                s.renewedAt = nil
            }
            return s.acquired ? s.own : nil
        }
        await handlers.fire()
        guard let own else { return }
        let now = Date()
        let record = LeaseRecord(
            holderIdentity: "", leaseDurationSeconds: 1, acquireTime: now, renewTime: now,
            leaseTransitions: own.leaseTransitions,
            resourceVersion: own.resourceVersion)
        do {
            _ = try await leases.update(leaseName, record, labels: [Self.label: base])
            logger.info("shard lease \(leases.namespace)/\(leaseName) released")
        } catch {
            logger.warning("shard lease \(leases.namespace)/\(leaseName) not released: \(error)")
        }
    }
}
