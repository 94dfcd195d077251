import Foundation
import Logging
import PlumbAudit
import PlumbCore
import PlumbEngine
import PlumbKube
import ServiceLifecycle
import Synchronization

/// The loop around `Reconciler`: watches Applications (all namespaces or one) and the objects
/// they manage, holds each Application once in a rate-limited work queue, runs `concurrency`
/// reconciles at once, writes status through the status subresource, records Events, and
/// comes back at each Application's interval. A `Service`: on graceful shutdown (SIGTERM)
/// no new reconcile or sync starts, and a running sync finishes its current wave; its audit
/// record is completed as interrupted.
public final class ApplicationController: Service, Sendable {
    public let client: KubeClient
    public let reconciler: Reconciler
    public let queue: WorkQueue<AppKey>
    let apps: LiveCache
    let recorder: EventRecorder
    let concurrency: Int
    let logger: Logger
    let metrics: ControllerMetrics?
    let seen = Locked<[AppKey: (generation: Int64, reconcileAt: String?)]>([:])
    private let labels = Mutex<[String: AppKey]>([:])
    let running = Mutex<[AppKey: Task<Outcome, Never>]>([:])
    /// Why each queued Application was queued, when only a push asked (see `ReconcileCause`).
    let causes = Locked<[AppKey: ReconcileCause]>([:])
    /// Pushes not queued yet (a burst settling): the first and the last push of each.
    let pendingPushes = Locked<[AppKey: (first: ContinuousClock.Instant, last: ContinuousClock.Instant)]>([:])
    private let stopping = Atomic<Bool>(false)
    /// Which Applications this replica may reconcile (leader election, sharding); nil: all.
    let gate: (any WorkGate)?
    /// Applications handed out while the gate did not admit them, queued again when it does.
    let parked = Mutex<Set<AppKey>>([])
    /// Reconciles finished so far (for tests and benchmarks).
    private let finished = Atomic<Int>(0)

    public init(
        client: KubeClient, reconciler: Reconciler, namespace: String? = nil, concurrency: Int = 4,
        logger: Logger = Logger(label: "plumb.controller"), metrics: ControllerMetrics? = nil, gate: (any WorkGate)? = nil
    ) {
        self.gate = gate
        self.client = client
        self.reconciler = reconciler
        self.concurrency = max(1, concurrency)
        self.logger = logger
        self.metrics = metrics
        self.recorder = EventRecorder(client: client)
        let queue = WorkQueue<AppKey>(onDepth: { metrics?.workqueueDepth($0) })
        self.queue = queue
        let seen = self.seen
        let causes = self.causes
        self.apps = LiveCache(
            client: client, target: WatchTarget(apiVersion: Application.apiVersion, kind: Application.kind, namespace: namespace),
            onEvent: { event in
                guard let app = Application(event.object) else { return }
                // Status writes (ours) change neither the generation nor the annotation.
                let now = (app.generation, app.reconcileAt)
                let changed = seen.withLock { all -> Bool in
                    if event.kind == .deleted {
                        all[app.key] = nil
                        return true
                    }
                    let before = all[app.key]
                    all[app.key] = now
                    return before == nil || before!.generation != now.0 || before!.reconcileAt != now.1
                }
                if changed {
                    causes.withLock { $0[app.key] = .resync }
                    Task { await queue.add(app.key) }
                }
            })
        gate?.onChange { [weak self] in await self?.gateChanged() }
        if let gate, let metrics { metrics.onCollect { [weak self] in self?.reportGate(gate, to: metrics) } }
    }

    /// Whether the Application cache has synced (for `/readyz`).
    public func readiness() async -> Readiness {
        await apps.synced ? .ready : .notReady("Application cache not synced")
    }

    /// How many reconciles have finished.
    public var reconciles: Int { finished.load(ordering: .relaxed) }

    /// Enqueues the Application whose objects carry `plumb.dev/app=<label>`.
    public func managedObjectChanged(_ label: String) {
        guard let key = labels.withLock({ $0[label] }) else { return }
        causes.withLock { $0[key] = .resync }
        Task { await queue.add(key) }
    }

    public func run() async throws {
        if let interrupted = try? reconciler.audit.markInterrupted(now: .now()) {
            for record in interrupted { logger.warning("\(record.interruptionWarning)", metadata: ["app": "\(record.app)"]) }
        }
        await apps.start()
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await self.enqueueAllWhenSynced() }
                for _ in 0..<concurrency { group.addTask { await self.worker() } }
            }
        } onGracefulShutdown: {
            self.shutDown()
        }
        await apps.stop()
        await reconciler.objects.stop()
    }

    /// Stops handing out work and interrupts running reconciles (a running sync finishes
    /// its current wave).
    public func shutDown() {
        stopping.store(true, ordering: .relaxed)
        let queue = self.queue
        Task { await queue.shutDown() }
        for task in running.withLock({ Array($0.values) }) { task.cancel() }
    }

    private func enqueueAllWhenSynced() async {
        while !stopping.load(ordering: .relaxed) {
            if await apps.waitUntilSynced(timeout: .seconds(1)) { break }
        }
        for (_, object) in await apps.snapshot().objects {
            guard let app = Application(object) else { continue }
            seen.withLock { $0[app.key] = (app.generation, app.reconcileAt) }
            causes.withLock { $0[app.key] = .resync }
            await queue.add(app.key)
        }
    }

    private func worker() async {
        while let key = await queue.get() {
            // Writes made for `key` pass the gate (`FencedTransport`).
            await WorkFence.$key.withValue(key) { await process(key) }
            await queue.done(key)
        }
    }

    func process(_ key: AppKey) async {
        let ref = ObjectRef(apiVersion: Application.apiVersion, kind: Application.kind, namespace: key.namespace, name: key.name)
        guard let object = await apps.object(ref), let app = Application(object),
            object[path: ["metadata", "deletionTimestamp"]] == nil
        else {
            reconciler.forget(key)
            causes.withLock { $0[key] = nil }
            metrics?.appRemoved(key)
            return
        }
        labels.withLock { $0[app.labelValue] = key }
        guard admitted(key) else { return }
        let reconciler = self.reconciler
        // An interval requeue records no cause: it is a resync.
        let cause = causes.withLock { $0.removeValue(forKey: key) } ?? .resync
        let task = Task { await reconciler.reconcile(app, cause: cause) }
        running.withLock { $0[key] = task }
        if stopping.load(ordering: .relaxed) { task.cancel() }
        let outcome = await task.value
        running.withLock { $0[key] = nil }
        await report(app, outcome)
        finished.add(1, ordering: .relaxed)
        if !stopping.load(ordering: .relaxed) {
            // A requeue sooner than the interval is a backoff after a failure: rate-limited
            // (a status-only move keeps the resync an interval after the last comparison).
            let interval = (try? app.spec().get().interval) ?? outcome.requeueAfter
            await queue.add(key, after: outcome.requeueAfter, rateLimited: outcome.requeueAfter < interval && !outcome.statusOnly)
        }
    }

    /// Status, Events, metrics and the log line of one reconcile, in one place.
    private func report(_ app: Application, _ outcome: Outcome) async {
        var log = logger
        log[metadataKey: "app"] = "\(app.key)"
        if let revision = outcome.status.syncRevision { log[metadataKey: "revision"] = "\(revision.prefix(12))" }
        if outcome.status != app.status {
            do {
                _ = try await client.patch(app.ref, .merge(["status": outcome.status.value]), subresource: "status")
            } catch {
                log.error("status not written: \(error)")
            }
        }
        for event in outcome.events {
            do {
                try await recorder.record(event, on: app)
            } catch {
                log.warning("event \(event.reason) not recorded: \(error)")
            }
            if event.type == .warning {
                log.error("\(event.message)", metadata: ["reason": "\(event.reason)", "phase": "\(event.action.lowercased())"])
            } else {
                log.info("\(event.message)", metadata: ["reason": "\(event.reason)", "phase": "\(event.action.lowercased())"])
            }
        }
        if let metrics {
            let s = outcome.status
            metrics.appStatus(app.key, sync: s.syncStatus.rawValue, health: s.health.rawValue, revision: s.syncRevision ?? "")
            if let sync = outcome.sync {
                metrics.syncFinished(app.key, result: sync.interrupted ? .interrupted : sync.result.succeeded ? .succeeded : .failed)
            }
            for (phase, duration) in outcome.phases { metrics.reconciled(app.key, phase: phase, seconds: duration.seconds) }
            if outcome.rendered { metrics.rendered(app.key) }
            if outcome.statusOnly { metrics.revisionMoved(app.key) }
        }
    }
}
