import PlumbCore
import PlumbEngine
import PlumbKube
import Synchronization

/// The live side of every Application: one `LiveCache` (list + watch, cluster-wide, selected
/// by the `plumb.dev/app` label) per kind an Application has, started the first time a
/// reconcile needs that kind. A watch event of a managed object calls `onChange` with its
/// `plumb.dev/app` value, so the controller enqueues its Application (drift self-heal).
public final class ManagedObjects: Sendable {
    private let client: KubeClient
    private let caches = Mutex<[String: LiveCache]>([:])
    private let onChange: @Sendable (_ label: String) -> Void
    private let watchTimeoutSeconds: Int
    /// The one namespace watched (a namespaced install, `--namespace`); nil for all.
    public let namespace: String?

    public init(
        client: KubeClient, namespace: String? = nil, watchTimeoutSeconds: Int = 300,
        onChange: @escaping @Sendable (_ label: String) -> Void
    ) {
        self.client = client
        self.namespace = namespace
        self.watchTimeoutSeconds = watchTimeoutSeconds
        self.onChange = onChange
    }

    /// The caches of `kinds` (apiVersion, kind), started and synced within `timeout`; nil
    /// when one is not synced by then (a kind whose CRD the sync itself creates, an outage).
    public func caches(for kinds: [(apiVersion: String, kind: String)], timeout: Duration) async -> [LiveCache]? {
        let wanted = kinds.map { cache(apiVersion: $0.apiVersion, kind: $0.kind) }
        for cache in wanted {
            await cache.start()
            guard await cache.waitUntilSynced(timeout: timeout) else { return nil }
        }
        return wanted
    }

    /// Starts watching kinds found among an Application's objects (prune candidates).
    public func watch(kinds: [(apiVersion: String, kind: String)]) async {
        for k in kinds { await cache(apiVersion: k.apiVersion, kind: k.kind).start() }
    }

    /// Every object of `caches` in one snapshot.
    public static func snapshot(_ caches: [LiveCache]) async -> LiveSnapshot {
        var objects: [ObjectRef: Value] = [:]
        for cache in caches { objects.merge(await cache.snapshot().objects) { a, _ in a } }
        return LiveSnapshot(objects: objects)
    }

    /// Every cache started so far.
    public func all() -> [LiveCache] { caches.withLock { Array($0.values) } }

    /// How many kinds are watched.
    public var count: Int { caches.withLock { $0.count } }

    /// Lists and watch connections made so far, over every kind.
    public func requests() async -> (lists: Int, watches: Int) {
        var lists = 0, watches = 0
        for cache in caches.withLock({ Array($0.values) }) {
            lists += await cache.lists
            watches += await cache.watches
        }
        return (lists, watches)
    }

    public func stop() async {
        for cache in caches.withLock({ Array($0.values) }) { await cache.stop() }
    }

    private func cache(apiVersion: String, kind: String) -> LiveCache {
        // One cache per group and kind: the version first asked for serves every version.
        let group = apiVersion.contains("/") ? String(apiVersion.split(separator: "/")[0]) : ""
        let key = "\(group)/\(kind)"
        return caches.withLock { all in
            if let cache = all[key] { return cache }
            let onChange = self.onChange
            let cache = LiveCache(
                client: client, target: WatchTarget(apiVersion: apiVersion, kind: kind, namespace: namespace, labelSelector: SyncLabels.app),
                watchTimeoutSeconds: watchTimeoutSeconds,
                onEvent: { event in
                    if let label = event.object[path: ["metadata", "labels", SyncLabels.app]]?.stringValue { onChange(label) }
                })
            all[key] = cache
            return cache
        }
    }
}
