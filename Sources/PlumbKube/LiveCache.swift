import PlumbCore
import PlumbEngine

/// A consistent copy of a live cache at one moment.
public struct LiveSnapshot: Sendable {
    public var objects: [ObjectRef: Value]
    /// The resourceVersion the snapshot is current to.
    public var resourceVersion: String
    public var synced: Bool

    public init(objects: [ObjectRef: Value], resourceVersion: String = "", synced: Bool = true) {
        self.objects = objects
        self.resourceVersion = resourceVersion
        self.synced = synced
    }
}

extension LiveSnapshot {
    /// What a plan of `desired` for `app` needs from the cache: the cached objects of the
    /// desired set, and the app's other cached objects (labelled `plumb.dev/app=<app>`) as
    /// prune candidates. Sends nothing to the server.
    public func observation(desired: [Resource], app: String) -> Observation {
        var live: [ObjectIdentity: Value] = [:]
        live.reserveCapacity(desired.count)
        var wanted = Set<ObjectIdentity>(minimumCapacity: desired.count)
        var otherVersion: [Resource] = []
        for resource in desired {
            let identity = resource.ref.identity
            wanted.insert(identity)
            // Mostly cached under the same API version; another version is the same object.
            if let value = objects[resource.ref] { live[identity] = value } else { otherVersion.append(resource) }
        }
        if !otherVersion.isEmpty {
            var byIdentity: [ObjectIdentity: Value] = [:]
            for (ref, value) in objects { byIdentity[ref.identity] = value }
            for resource in otherVersion {
                let identity = resource.ref.identity
                if let value = byIdentity[identity] { live[identity] = value }
            }
        }
        var others: [Resource] = []
        for (ref, value) in objects where value[path: ["metadata", "labels", SyncLabels.app]]?.stringValue == app {
            guard !wanted.contains(ref.identity), let resource = try? Resource(value) else { continue }
            others.append(resource)
        }
        return Observation(live: live, appObjects: others)
    }
}

/// An in-memory mirror of one kind (list, then watch), keyed by `ObjectRef`. After a dropped
/// connection it resumes from the last resourceVersion seen, so no event is lost or repeated;
/// when that version has been compacted (410 Expired) it lists again and replaces the store.
public actor LiveCache {
    public nonisolated let target: WatchTarget
    private let client: KubeClient
    private let watchTimeoutSeconds: Int
    private var store: [ObjectRef: Value] = [:]
    private var resourceVersion = ""
    private var task: Task<Void, Never>?
    private var syncWaiters: [CheckedContinuation<Void, Never>] = []
    /// True once the first list has been stored.
    public private(set) var synced = false
    /// The last error the loop met and recovered from, for status reporting.
    public private(set) var lastError: String?
    /// How many lists and watch connections the loop has made.
    public private(set) var lists = 0
    public private(set) var watches = 0
    /// Called with every watch event after it is stored (a controller enqueues the owner).
    private let onEvent: (@Sendable (WatchEvent) -> Void)?

    public init(
        client: KubeClient, target: WatchTarget, watchTimeoutSeconds: Int = 300,
        onEvent: (@Sendable (WatchEvent) -> Void)? = nil
    ) {
        self.client = client
        self.target = target
        self.watchTimeoutSeconds = watchTimeoutSeconds
        self.onEvent = onEvent
    }

    /// Starts listing and watching in the background; calling it again does nothing.
    public func start() {
        guard task == nil else { return }
        task = Task { await self.run() }
    }

    /// Stops the background loop; the store keeps its last contents.
    public func stop() {
        task?.cancel()
        task = nil
    }

    /// Waits until the first list is in, at most `timeout`; returns whether it is.
    @discardableResult
    public func waitUntilSynced(timeout: Duration) async -> Bool {
        if synced { return true }
        let timer = Task {
            try? await client.options.clock.sleep(for: timeout)
            self.releaseWaiters()
        }
        await withCheckedContinuation { syncWaiters.append($0) }
        timer.cancel()
        return synced
    }

    /// A consistent copy of every cached object.
    public func snapshot() -> LiveSnapshot {
        LiveSnapshot(objects: store, resourceVersion: resourceVersion, synced: synced)
    }

    /// The cached object, or nil.
    public func object(_ ref: ObjectRef) -> Value? { store[key(ref)] }

    public var count: Int { store.count }

    private func key(_ ref: ObjectRef) -> ObjectRef {
        ObjectRef(apiVersion: target.apiVersion, kind: target.kind, namespace: ref.namespace, name: ref.name)
    }

    private func key(of object: Value) -> ObjectRef {
        ObjectRef(
            apiVersion: target.apiVersion, kind: target.kind,
            namespace: object[path: ["metadata", "namespace"]]?.stringValue ?? "",
            name: object[path: ["metadata", "name"]]?.stringValue ?? "")
    }

    private func releaseWaiters() {
        let waiters = syncWaiters
        syncWaiters = []
        for w in waiters { w.resume() }
    }

    private func run() async {
        var needList = true
        var failures = 0
        while !Task.isCancelled {
            do {
                if needList {
                    let list = try await client.list(
                        apiVersion: target.apiVersion, kind: target.kind, namespace: target.namespace,
                        labelSelector: target.labelSelector)
                    lists += 1
                    replace(list)
                    needList = false
                }
                watches += 1
                let events = client.watch(target, resourceVersion: resourceVersion, timeoutSeconds: watchTimeoutSeconds)
                for try await event in events {
                    apply(event)
                    failures = 0
                }
                // A clean end (the server's timeout): watch again from where we are.
            } catch is CancellationError {
                return
            } catch let error as StatusError where error.reason == .expired {
                lastError = "\(target.apiVersion) \(target.kind): \(error.message); listing again"
                needList = true
            } catch {
                if Task.isCancelled { return }
                lastError = "\(target.apiVersion) \(target.kind): \(error)"
                let delay = client.options.retry.backoff(attempt: failures)
                failures += 1
                do { try await client.options.clock.sleep(for: delay) } catch { return }
            }
        }
    }

    private func replace(_ list: ObjectList) {
        var fresh: [ObjectRef: Value] = [:]
        fresh.reserveCapacity(list.items.count)
        for item in list.items { fresh[key(of: item)] = item }
        store = fresh
        resourceVersion = list.resourceVersion
        if !synced {
            synced = true
            releaseWaiters()
        }
    }

    private func apply(_ event: WatchEvent) {
        switch event.kind {
        case .added, .modified: store[key(of: event.object)] = event.object
        case .deleted: store.removeValue(forKey: key(of: event.object))
        case .bookmark: break
        }
        let rv = event.resourceVersion
        if !rv.isEmpty { resourceVersion = rv }
        if event.kind != .bookmark { onEvent?(event) }
    }
}
