import PlumbController
import PlumbCore
import PlumbKube

/// The Applications every page and the live stream read: one list, then a watch (a `LiveCache`),
/// each object decoded once per resourceVersion, so a page of 1,000 Applications neither lists
/// nor decodes them per request. Started by the first read; until its first list is in (at most
/// `firstWait`), or while its watch is in trouble (a user who may list but not watch, an
/// outage), reads list the API directly, as without a cache, and the cache starts over at most
/// every `restartAfter`.
actor AppCache {
    let client: KubeClient
    let namespace: String?
    let firstWait: Duration
    let restartAfter: Duration
    private var live: LiveCache?
    private var startedAt: ContinuousClock.Instant?
    /// Decoded Applications by object, with the resourceVersion they were decoded at.
    private var decoded: [ObjectRef: (version: String, app: PlumbApp)] = [:]
    /// The sorted list of the last snapshot, by the snapshot's resourceVersion.
    private var sorted: (version: String, apps: [PlumbApp])?

    init(client: KubeClient, namespace: String?, firstWait: Duration = .seconds(3), restartAfter: Duration = .seconds(30)) {
        self.client = client
        self.namespace = namespace
        self.firstWait = firstWait
        self.restartAfter = restartAfter
    }

    /// The Applications, sorted by key.
    func applications() async throws -> [PlumbApp] {
        if let apps = await cached() { return apps }
        return try await client.list(apiVersion: PlumbApp.apiVersion, kind: PlumbApp.kind, namespace: namespace).items
            .compactMap(PlumbApp.init).sorted { $0.key < $1.key }
    }

    /// The watched Applications, or nil when the watch cannot be trusted now.
    private func cached() async -> [PlumbApp]? {
        let now = ContinuousClock.now
        if let live, await live.lastError != nil {
            // The watch ran into an error: its contents may be late. Start over, not too often.
            guard let startedAt, now - startedAt >= restartAfter else { return nil }
            await live.stop()
            self.live = nil
        }
        let cache: LiveCache
        if let live {
            cache = live
        } else {
            cache = LiveCache(client: client, target: WatchTarget(apiVersion: PlumbApp.apiVersion, kind: PlumbApp.kind, namespace: namespace))
            live = cache
            startedAt = now
            decoded = [:]
            sorted = nil
            await cache.start()
            guard await cache.waitUntilSynced(timeout: firstWait) else { return nil }
        }
        guard await cache.synced else { return nil }
        let snapshot = await cache.snapshot()
        if let sorted, sorted.version == snapshot.resourceVersion, !snapshot.resourceVersion.isEmpty { return sorted.apps }
        var apps: [PlumbApp] = []
        apps.reserveCapacity(snapshot.objects.count)
        var fresh: [ObjectRef: (version: String, app: PlumbApp)] = [:]
        fresh.reserveCapacity(snapshot.objects.count)
        for (ref, object) in snapshot.objects {
            let version = object[path: ["metadata", "resourceVersion"]]?.stringValue ?? ""
            if let known = decoded[ref], known.version == version, !version.isEmpty {
                fresh[ref] = known
                apps.append(known.app)
            } else if let app = PlumbApp(object) {
                fresh[ref] = (version, app)
                apps.append(app)
            }
        }
        apps.sort { $0.key < $1.key }
        decoded = fresh
        sorted = (snapshot.resourceVersion, apps)
        return apps
    }

    /// Stops the watch (the dashboard is going away).
    func stop() async {
        await live?.stop()
        live = nil
    }
}
