import Foundation
import PlumbCore

/// One change as watchers see it.
struct WatchEvent: Sendable {
    var resourceVersion: Int64
    var type: String
    var groupResource: GroupResource
    var namespace: String
    var object: Value
}

/// What a watch stream carries: events from the store, and ticks from the watch's own timer.
enum WatchSignal: Sendable {
    case event(WatchEvent)
    /// A request for a bookmark (from the watch's timer); the store answers with `bookmarkAt`.
    case bookmark
    case bookmarkAt(Int64)
    case end
}

/// Where objects live between restarts. The in-memory store has none.
protocol PersistenceBackend: Sendable {
    /// Every stored object and the last resourceVersion handed out.
    func load() throws -> (objects: [(key: String, object: Value)], resourceVersion: Int64)
    /// Records one object (nil: deleted) and the resourceVersion counter, atomically.
    func save(key: String, object: Value?, resourceVersion: Int64) throws
}

/// The cluster's state: objects by type, the resourceVersion counter, the event history and
/// the watchers. Every verb runs as one isolated method, so reads and writes never interleave.
actor ClusterStore {
    struct Watcher {
        var groupResource: GroupResource
        var namespace: String?
        var labels: LabelSelector
        var fields: FieldSelector
        var continuation: AsyncStream<WatchSignal>.Continuation
    }

    var types: TypeRegistry
    var objects: [GroupResource: [String: Value]] = [:]
    private(set) var resourceVersion: Int64 = 0
    private var history: [WatchEvent] = []
    private var historyStart = 0
    let historyLimit: Int
    /// Events after this resourceVersion are all still in `history`.
    private var oldestWatchable: Int64 = 0
    var watchers: [Int: Watcher] = [:]
    private var nextWatcherID = 0
    let backend: (any PersistenceBackend)?
    var clusterIPs = ClusterIPAllocator()
    /// Merge schemas by group/version/kind; CRD changes clear it.
    var schemaCache: [String: MergeSchema] = [:]
    let clock: @Sendable () -> Date

    init(backend: (any PersistenceBackend)?, historyLimit: Int = 10_000, clock: @escaping @Sendable () -> Date = Date.init) throws {
        self.backend = backend
        self.historyLimit = max(historyLimit, 16)
        self.clock = clock
        self.types = TypeRegistry()
        if let backend {
            let loaded = try backend.load()
            resourceVersion = loaded.resourceVersion
            for (key, object) in loaded.objects {
                guard let sk = StoreKey(string: key) else { continue }
                objects[sk.groupResource, default: [:]][sk.objectKey] = object
            }
            oldestWatchable = resourceVersion
            for (_, crd) in objects[GroupResource(group: "apiextensions.k8s.io", resource: "customresourcedefinitions")] ?? [:] {
                if CustomResources.isEstablished(crd) { types.install(crd: crd) }
            }
            for (_, service) in objects[GroupResource(group: "", resource: "services")] ?? [:] {
                if let ip = service[path: ["spec", "clusterIP"]]?.stringValue { clusterIPs.reserve(ip) }
            }
        }
    }

    /// `namespace/name` for namespaced objects, `name` for cluster-scoped ones.
    static func objectKey(namespace: String, name: String) -> String {
        namespace.isEmpty ? name : "\(namespace)/\(name)"
    }

    func get(_ gr: GroupResource, namespace: String, name: String) -> Value? {
        objects[gr]?[Self.objectKey(namespace: namespace, name: name)]
    }

    /// Objects of a type sorted as etcd keys sort (namespace, then name).
    /// The objects of a resource (in one namespace when given) that `labels` and `fields`
    /// select, in key order. Selecting comes before sorting: a selective list of a large
    /// resource sorts only what it returns.
    func list(
        _ gr: GroupResource, namespace: String?, labels: LabelSelector? = nil, fields: FieldSelector? = nil
    ) -> [(key: String, object: Value)] {
        guard let all = objects[gr] else { return [] }
        let prefix = namespace.flatMap { $0.isEmpty ? nil : $0 + "/" }
        var out: [(key: String, object: Value)] = []
        for (k, v) in all {
            if let prefix, !k.hasPrefix(prefix) { continue }
            if let labels, !labels.matches(v) { continue }
            if let fields, !fields.matches(v) { continue }
            out.append((k, v))
        }
        out.sort { $0.key < $1.key }
        return out
    }

    func nextResourceVersion() -> Int64 {
        resourceVersion += 1
        return resourceVersion
    }

    /// Stores `object` (nil: removes it) under a fresh resourceVersion, tells watchers, persists.
    /// Returns the object as stored.
    @discardableResult
    func commit(_ gr: GroupResource, namespace: String, name: String, object: Value?, event: String, deletedObject: Value? = nil) throws(APIError) -> Value {
        let rv = nextResourceVersion()
        let key = Self.objectKey(namespace: namespace, name: name)
        var stored: Value
        if var object {
            object = OmitEmpty.normalized(object)  // as the server writes it back, whoever wrote it
            setMeta(&object, "resourceVersion", .string(String(rv)))
            objects[gr, default: [:]][key] = object
            stored = object
        } else {
            objects[gr]?[key] = nil
            stored = deletedObject ?? .object(ValueObject())
            setMeta(&stored, "resourceVersion", .string(String(rv)))
        }
        if let backend {
            do {
                try backend.save(key: StoreKey(groupResource: gr, objectKey: key).string, object: object == nil ? nil : stored, resourceVersion: rv)
            } catch {
                throw APIError.internalError("storage: \(error)")
            }
        }
        record(WatchEvent(resourceVersion: rv, type: event, groupResource: gr, namespace: namespace, object: stored))
        return stored
    }

    private func record(_ event: WatchEvent) {
        if history.count - historyStart >= historyLimit {
            oldestWatchable = history[historyStart].resourceVersion
            historyStart += 1
            if historyStart > historyLimit {
                history.removeFirst(historyStart)
                historyStart = 0
            }
        }
        history.append(event)
        for (_, w) in watchers where w.groupResource == event.groupResource {
            if let ns = w.namespace, ns != event.namespace { continue }
            guard w.labels.matches(event.object), w.fields.matches(event.object) else { continue }
            w.continuation.yield(.event(event))
        }
    }

    /// Registers a watcher. From `resourceVersion` nil or 0 it first gets the current objects as
    /// ADDED; from a given one it gets the history after it, or an Expired error when that is gone.
    func addWatcher(
        _ gr: GroupResource, namespace: String?, labels: LabelSelector, fields: FieldSelector,
        from rv: Int64?, continuation: AsyncStream<WatchSignal>.Continuation
    ) throws(APIError) -> Int {
        if let rv, rv > 0 {
            if rv < oldestWatchable {
                throw APIError.expired("too old resource version: \(rv) (\(oldestWatchable + 1))")
            }
            for e in history[historyStart...] where e.resourceVersion > rv && e.groupResource == gr {
                if let ns = namespace, ns != e.namespace { continue }
                guard labels.matches(e.object), fields.matches(e.object) else { continue }
                continuation.yield(.event(e))
            }
        } else {
            for (_, object) in list(gr, namespace: namespace) where labels.matches(object) && fields.matches(object) {
                let orv = Int64(object[path: ["metadata", "resourceVersion"]]?.stringValue ?? "") ?? resourceVersion
                continuation.yield(.event(WatchEvent(resourceVersion: orv, type: "ADDED", groupResource: gr, namespace: namespace ?? "", object: object)))
            }
        }
        let id = nextWatcherID
        nextWatcherID += 1
        watchers[id] = Watcher(groupResource: gr, namespace: namespace, labels: labels, fields: fields, continuation: continuation)
        return id
    }

    func removeWatcher(_ id: Int) {
        watchers[id] = nil
    }

    var watcherCount: Int { watchers.count }

    /// Ends every watch stream (server shutdown).
    func endAllWatches() {
        for (_, w) in watchers { w.continuation.yield(.end); w.continuation.finish() }
        watchers.removeAll()
    }

    /// Test hook: forget history so that older resourceVersions are Expired.
    func compactHistory() {
        oldestWatchable = resourceVersion
        history.removeAll()
        historyStart = 0
    }
}

/// The storage key of one object: `group/resource/namespace/name` with empty parts kept.
struct StoreKey {
    var groupResource: GroupResource
    var objectKey: String

    init(groupResource: GroupResource, objectKey: String) {
        self.groupResource = groupResource
        self.objectKey = objectKey
    }

    init?(string: String) {
        let parts = string.split(separator: "|", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3 else { return nil }
        groupResource = GroupResource(group: String(parts[0]), resource: String(parts[1]))
        objectKey = String(parts[2])
    }

    var string: String { "\(groupResource.group)|\(groupResource.resource)|\(objectKey)" }
}

/// Sets `metadata.<key>` on an object, creating `metadata` when missing.
func setMeta(_ object: inout Value, _ key: String, _ value: Value?) {
    guard case .object(var o) = object else { return }
    object = .null
    var meta = o["metadata"]?.objectValue ?? ValueObject()
    o["metadata"] = .null
    meta[key] = value
    o["metadata"] = .object(meta)
    object = .object(o)
}

extension Value {
    /// `metadata.<key>` as a string.
    func meta(_ key: String) -> String? { self[path: ["metadata", key]]?.stringValue }
}
