import Foundation
import Hummingbird
import NIOCore
import PlumbCore

extension APIServer {
    func watch(_ request: APIRequest, _ t: Target) async throws(APIError) -> APIResult {
        let labels = try LabelSelector(parsing: request.query["labelSelector"] ?? "")
        let fields = try FieldSelector(parsing: request.query["fieldSelector"] ?? "")
        var from: Int64? = nil
        if let rv = request.query["resourceVersion"], !rv.isEmpty {
            guard let n = Int64(rv) else {
                throw APIError.badRequest("invalid resource version: \(rv)")
            }
            from = n
        }
        let timeout = Double(request.query["timeoutSeconds"] ?? "").map { max(0, $0) } ?? 1800
        return .watch(
            WatchStream(
                store: store, type: t.type, namespace: t.namespace.isEmpty ? nil : t.namespace, name: t.name,
                labels: labels, fields: fields, from: from, timeout: timeout,
                bookmarks: request.flag("allowWatchBookmarks"), asTable: request.wantsTable,
                bookmarkInterval: bookmarkInterval))
    }
}

/// One watch connection: registers with the store, streams events as JSON lines, sends
/// bookmarks, ends at its timeout or when the client goes away, and always unregisters.
struct WatchStream: Sendable {
    let store: ClusterStore
    let type: ResourceType
    let namespace: String?
    let name: String?
    let labels: LabelSelector
    let fields: FieldSelector
    let from: Int64?
    let timeout: Double
    let bookmarks: Bool
    let asTable: Bool
    let bookmarkInterval: Double

    func run(_ writer: inout any ResponseBodyWriter, hangUp: HangUp? = nil) async throws {
        let (stream, continuation) = AsyncStream<WatchSignal>.makeStream()
        // A client that hangs up ends the watch at once, not at its next write.
        hangUp?.onHangUp {
            continuation.yield(.end)
            continuation.finish()
        }
        var fieldSelector = fields
        if let name { fieldSelector.requirements.append(.init(path: ["metadata", "name"], value: name, equal: true)) }
        let id: Int
        do {
            id = try await store.addWatcher(
                type.groupResource, namespace: namespace, labels: labels, fields: fieldSelector, from: from,
                continuation: continuation)
        } catch {
            try await writer.write(Self.line(type: "ERROR", object: error.status))
            try await writer.finish(nil)
            return
        }
        let ticker = Task { [store, timeout, bookmarkInterval] in
            let deadline = ContinuousClock.now + .milliseconds(Int(timeout * 1000))
            while !Task.isCancelled {
                let next = min(deadline, ContinuousClock.now + .milliseconds(Int(bookmarkInterval * 1000)))
                try? await Task.sleep(until: next, clock: .continuous)
                if Task.isCancelled { return }
                if ContinuousClock.now >= deadline {
                    await store.signal(watcher: id, .bookmark)
                    await store.signal(watcher: id, .end)
                    return
                }
                await store.signal(watcher: id, .bookmark)
            }
        }
        var first = true
        do {
            for await signal in stream {
                switch signal {
                case .event(let e):
                    var object = e.object
                    if asTable {
                        object = Table.render(type, objects: [object], resourceVersion: object.meta("resourceVersion") ?? "", now: Date(), includeColumns: first)
                    }
                    first = false
                    try await writer.write(Self.line(type: e.type, object: object))
                case .bookmarkAt(let rv):
                    guard bookmarks else { continue }
                    let object: Value = [
                        "kind": .string(type.kind), "apiVersion": .string(type.apiVersion),
                        "metadata": ["resourceVersion": .string(String(rv))],
                    ]
                    try await writer.write(Self.line(type: "BOOKMARK", object: object))
                case .bookmark:
                    continue
                case .end:
                    continuation.finish()
                }
            }
        } catch {
            ticker.cancel()
            continuation.finish()
            await store.removeWatcher(id)
            throw error
        }
        ticker.cancel()
        await store.removeWatcher(id)
        try await writer.finish(nil)
    }

    static func line(type: String, object: Value) -> ByteBuffer {
        var bytes = Array("{\"type\":".utf8)
        JSONWriter.writeString(type, into: &bytes)
        bytes.append(contentsOf: Array(",\"object\":".utf8))
        try? JSONWriter().write(object, into: &bytes)
        bytes.append(contentsOf: Array("}\n".utf8))
        return ByteBuffer(bytes: bytes)
    }
}

extension ClusterStore {
    /// Sends a signal to one watcher in order with its events; a bookmark carries the
    /// current resourceVersion, which every event already sent is at or below.
    func signal(watcher id: Int, _ signal: WatchSignal) {
        guard let w = watchers[id] else { return }
        switch signal {
        case .bookmark: w.continuation.yield(.bookmarkAt(resourceVersion))
        case .end:
            w.continuation.yield(.end)
            w.continuation.finish()
            watchers[id] = nil
        default: w.continuation.yield(signal)
        }
    }
}
