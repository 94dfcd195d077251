// The controller's metrics, served at `/metrics` in the Prometheus text format (0.0.4):
//
// | family | type | labels | meaning |
// |---|---|---|---|
// | `plumb_app_info` | gauge (always 1) | `namespace`, `name`, `sync_status` (`Synced`, `OutOfSync`, `Unknown`), `health_status` (`Healthy`, `Progressing`, `Degraded`, `Missing`, `Unknown`), `revision` (the commit SHA synced or seen, empty before the first fetch) | one series per Application with its current status; a status change replaces the series, a deleted Application removes it |
// | `plumb_reconcile_duration_seconds` | histogram | `namespace`, `name`, `phase` (`fetch`, `render`, `plan`, `apply`, `health`) | time spent in each phase of a reconcile; `apply` and `health` only when the reconcile syncs |
// | `plumb_sync_total` | counter | `namespace`, `name`, `result` (`succeeded`, `failed`, `interrupted`) | syncs the controller ran to their end: `succeeded` every object applied (and healthy when waited for), `failed` the sync stopped on an error (dry-run, apply, prune or health), `interrupted` the controller shut down or the API server stayed unreachable mid-sync (the audit record is marked interrupted) |
// | `plumb_git_fetch_duration_seconds` | histogram | `url` (the repository URL without any password or token) | time of each fetch of a repository, one per URL however many Applications use it |
// | `plumb_kube_requests_total` | counter | `verb` (kube-apiserver's request verbs: `get`, `list`, `watch`, `create`, `update`, `patch`, `delete`, `deletecollection`; a request that is not about a resource, such as `/version` or `/readyz`, keeps its HTTP method in lower case), `code` (the HTTP status, e.g. `200`, `404`, `409`, `429`) | every HTTP answer from the API server, retries included |
// | `plumb_renders_total` | counter | `namespace`, `name` | renders of the Application's path (its renderer run on a new commit, a changed spec or a restart); a commit that touches none of its inputs reuses the last render and is not counted |
// | `plumb_revision_moves_total` | counter | `namespace`, `name` | reconciles after a push that only moved `status.sync.revision` to a commit touching none of the Application's inputs: no render, no API request but the status write |
// | `plumb_workqueue_depth` | gauge | — | Applications waiting in the work queue (each at most once) |
// | `plumb_leader` | gauge | `identity` | with `--leader-elect`: 1 while this replica holds the leader Lease (renewed within the renew deadline), else 0 |
// | `plumb_shard_applications` | gauge | `identity` | with `--shards`: the Applications this replica holds now (0 while it warms up or stands by) |
// | `plumb_shard_members` | gauge | — | with `--shards`: the live replicas this replica sees, itself included, active or standing by |
//
// Histogram buckets (seconds): reconcile phases 0.005 to 300, Git fetches 0.01 to 120; see
// `ControllerMetrics.reconcileBuckets` and `gitFetchBuckets`. All series of a deleted
// Application go with it (`appRemoved`).

import PlumbGit
import PlumbKube
import Prometheus
import Synchronization

/// A phase of one reconcile, as the `phase` label of `plumb_reconcile_duration_seconds`.
public enum ReconcilePhase: String, Sendable, CaseIterable {
    case fetch, render, plan, apply, health
}

/// How a sync ended, as the `result` label of `plumb_sync_total`.
public enum SyncResultLabel: String, Sendable, CaseIterable {
    /// Every object applied (and healthy, when the sync waited for health).
    case succeeded
    /// The sync stopped on an error: dry-run, apply, prune or health check.
    case failed
    /// The controller shut down, or the API server stayed unreachable, before the sync ended.
    case interrupted
}

/// The controller's Prometheus metrics (the families listed at the top of this file), on a
/// registry of their own. Thread safe.
///
/// The families are made on `PrometheusCollectorRegistry` directly rather than through
/// swift-metrics' `Counter`/`Gauge`/`Timer`: the registry gives each family its `# HELP` text
/// (swift-metrics has none, and `promtool check metrics` asks for it), histogram buckets per
/// family, removal of one Application's series, and an instance per controller (tests run
/// several) instead of the process-wide `MetricsSystem`. Code that speaks swift-metrics lands
/// in the same exposition through `factory` (`MetricsSystem.bootstrap(metrics.factory)`).
public final class ControllerMetrics: Sendable {
    /// Buckets of `plumb_reconcile_duration_seconds`: from an in-memory plan to a health wait.
    public static let reconcileBuckets: [Double] = [
        0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300,
    ]
    /// Buckets of `plumb_git_fetch_duration_seconds`.
    public static let gitFetchBuckets: [Double] = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120]

    /// The registry every family lives in.
    public let registry: PrometheusCollectorRegistry
    /// A swift-metrics factory over `registry`.
    public var factory: PrometheusMetricsFactory { PrometheusMetricsFactory(registry: registry) }

    /// One Application's series, kept so that a status change or a deletion can remove them.
    private struct AppSeries {
        var info: Prometheus.Gauge?
        /// The label values of `info`.
        var infoValues: [String] = []
        var durations: [ReconcilePhase: ValueHistogram] = [:]
        var syncs: [SyncResultLabel: Prometheus.Counter] = [:]
        var renders: Prometheus.Counter?
        var moves: Prometheus.Counter?
    }

    private let apps = Mutex<[AppKey: AppSeries]>([:])
    private let workqueue: Prometheus.Gauge
    /// The high-availability gauges, made when first set (a single replica has none).
    private let ha = Mutex<[String: Prometheus.Gauge]>([:])
    /// Called before each exposition, to set gauges read from elsewhere.
    private let collectors = Mutex<[@Sendable () -> Void]>([])

    /// A family's full name and help text.
    struct Family: Sendable {
        var name: String
        var help: String
        var descriptor: MetricNameDescriptor { MetricNameDescriptor(metricName: name, unitName: "", helpText: help) }
    }

    static let appInfo = Family(
        name: "plumb_app_info",
        help: "Status of each Application: sync and health status and revision in labels; always 1.")
    static let reconcileDuration = Family(
        name: "plumb_reconcile_duration_seconds",
        help: "Time spent in each phase of a reconcile (fetch, render, plan, apply, health).")
    static let syncTotal = Family(
        name: "plumb_sync_total", help: "Syncs run by the controller, by result (succeeded, failed, interrupted).")
    static let gitFetchDuration = Family(
        name: "plumb_git_fetch_duration_seconds",
        help: "Time of each fetch of a Git repository, by URL without credentials.")
    static let kubeRequests = Family(
        name: "plumb_kube_requests_total",
        help: "HTTP answers from the Kubernetes API server, by request verb and status code.")
    static let rendersTotal = Family(
        name: "plumb_renders_total",
        help: "Renders of each Application's path; a commit touching none of its inputs is not rendered.")
    static let revisionMovesTotal = Family(
        name: "plumb_revision_moves_total",
        help: "Pushed commits touching none of an Application's inputs: the status revision moved, nothing rendered or applied.")
    static let workqueueDepth = Family(name: "plumb_workqueue_depth", help: "Applications waiting in the work queue.")
    static let leader = Family(
        name: "plumb_leader", help: "1 while this replica holds the leader Lease (--leader-elect), else 0.")
    static let shardApplications = Family(
        name: "plumb_shard_applications", help: "Applications this replica holds now (--shards).")
    static let shardMembers = Family(
        name: "plumb_shard_members", help: "Live controller replicas this replica sees, itself included (--shards).")

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        workqueue = registry.makeGauge(descriptor: Self.workqueueDepth.descriptor)
    }

    /// Records the time of one phase of a reconcile of `app`.
    public func reconciled(_ app: AppKey, phase: ReconcilePhase, seconds: Double) {
        apps.withLock { apps in
            let histogram =
                apps[app, default: AppSeries()].durations[phase]
                ?? registry.makeValueHistogram(
                    descriptor: Self.reconcileDuration.descriptor,
                    labels: [("namespace", app.namespace), ("name", app.name), ("phase", phase.rawValue)],
                    buckets: Self.reconcileBuckets)
            apps[app, default: AppSeries()].durations[phase] = histogram
            histogram.record(seconds)
        }
    }

    /// Sets `app`'s status series, replacing the one of its previous status.
    public func appStatus(_ app: AppKey, sync: String, health: String, revision: String) {
        let labels = [
            ("namespace", app.namespace), ("name", app.name), ("sync_status", sync), ("health_status", health),
            ("revision", revision),
        ]
        apps.withLock { apps in
            var series = apps[app, default: AppSeries()]
            let values = labels.map(\.1)
            if let old = series.info {
                if series.infoValues == values { return }
                registry.unregisterGauge(old)
            }
            let gauge = registry.makeGauge(descriptor: Self.appInfo.descriptor, labels: labels)
            gauge.set(1.0)
            series.info = gauge
            series.infoValues = values
            apps[app] = series
        }
    }

    /// Removes every series of a deleted Application.
    public func appRemoved(_ app: AppKey) {
        guard let series = apps.withLock({ $0.removeValue(forKey: app) }) else { return }
        if let info = series.info { registry.unregisterGauge(info) }
        for histogram in series.durations.values { registry.unregisterValueHistogram(histogram) }
        for counter in series.syncs.values { registry.unregisterCounter(counter) }
        for counter in [series.renders, series.moves].compactMap({ $0 }) { registry.unregisterCounter(counter) }
    }

    /// Counts a render of `app`'s path.
    public func rendered(_ app: AppKey) {
        apps.withLock { apps in
            let counter =
                apps[app, default: AppSeries()].renders
                ?? registry.makeCounter(
                    descriptor: Self.rendersTotal.descriptor, labels: [("namespace", app.namespace), ("name", app.name)])
            apps[app, default: AppSeries()].renders = counter
            counter.increment()
        }
    }

    /// Counts a status-only revision move of `app`.
    public func revisionMoved(_ app: AppKey) {
        apps.withLock { apps in
            let counter =
                apps[app, default: AppSeries()].moves
                ?? registry.makeCounter(
                    descriptor: Self.revisionMovesTotal.descriptor, labels: [("namespace", app.namespace), ("name", app.name)])
            apps[app, default: AppSeries()].moves = counter
            counter.increment()
        }
    }

    /// Counts a sync of `app` that ended with `result`.
    public func syncFinished(_ app: AppKey, result: SyncResultLabel) {
        apps.withLock { apps in
            let counter =
                apps[app, default: AppSeries()].syncs[result]
                ?? registry.makeCounter(
                    descriptor: Self.syncTotal.descriptor,
                    labels: [("namespace", app.namespace), ("name", app.name), ("result", result.rawValue)])
            apps[app, default: AppSeries()].syncs[result] = counter
            counter.increment()
        }
    }

    /// Records one fetch of the repository at `url` (credentials are stripped from the label).
    public func gitFetched(url: String, seconds: Double) {
        registry.makeValueHistogram(
            descriptor: Self.gitFetchDuration.descriptor, labels: [("url", GitRedaction.displayURL(url))],
            buckets: Self.gitFetchBuckets
        ).record(seconds)
    }

    /// Counts one answer of the API server with the request's Kubernetes verb.
    public func kubeRequest(verb: String, code: Int) {
        registry.makeCounter(
            descriptor: Self.kubeRequests.descriptor, labels: [("verb", verb), ("code", String(code))]
        )
        .increment()
    }

    /// Counts one answer of the API server to `method` on `path` (see `KubeVerb`).
    public func kubeRequest(method: String, path: String, code: Int) {
        kubeRequest(verb: KubeVerb.of(method: method, path: path), code: code)
    }

    /// A `KubeClientOptions.onResponse` that counts every answer in `plumb_kube_requests_total`.
    public var kubeResponseObserver: @Sendable (_ request: KubeRequest, _ status: Int) -> Void {
        { [self] request, status in kubeRequest(method: request.method, path: request.path, code: status) }
    }

    /// Sets the number of Applications waiting in the work queue.
    public func workqueueDepth(_ n: Int) {
        workqueue.set(Int64(n))
    }

    /// Sets `plumb_leader{identity}`.
    public func leader(identity: String, holds: Bool) {
        gauge(Self.leader, [("identity", identity)]).set(Int64(holds ? 1 : 0))
    }

    /// Sets `plumb_shard_applications{identity}` and `plumb_shard_members`.
    public func shard(identity: String, applications: Int, members: Int) {
        gauge(Self.shardApplications, [("identity", identity)]).set(Int64(applications))
        gauge(Self.shardMembers, []).set(Int64(members))
    }

    private func gauge(_ family: Family, _ labels: [(String, String)]) -> Prometheus.Gauge {
        ha.withLock { all in
            let key = family.name + labels.map { "|\($0.1)" }.joined()
            if let g = all[key] { return g }
            let g = registry.makeGauge(descriptor: family.descriptor, labels: labels)
            all[key] = g
            return g
        }
    }

    /// Calls `body` before each exposition (gauges whose value is read, not pushed).
    public func onCollect(_ body: @escaping @Sendable () -> Void) {
        collectors.withLock { $0.append(body) }
    }

    /// Every family in the Prometheus text format (version 0.0.4).
    public func exposition() -> String {
        for collect in collectors.withLock({ $0 }) { collect() }
        return registry.emitToString()
    }

    /// The content type of `exposition()`.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"
}
