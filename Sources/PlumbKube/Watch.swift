import PlumbCore

/// One event of a watch.
public struct WatchEvent: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case added = "ADDED", modified = "MODIFIED", deleted = "DELETED", bookmark = "BOOKMARK"
    }

    public var kind: Kind
    public var object: Value

    public init(kind: Kind, object: Value) {
        self.kind = kind
        self.object = object
    }

    /// The resourceVersion this event brings the watcher to.
    public var resourceVersion: String { object.resourceVersion }
}

/// What to watch: a kind, optionally one namespace and a label selector.
public struct WatchTarget: Sendable, Hashable {
    public var apiVersion: String
    public var kind: String
    /// nil watches every namespace.
    public var namespace: String?
    public var labelSelector: String?

    public init(apiVersion: String, kind: String, namespace: String? = nil, labelSelector: String? = nil) {
        self.apiVersion = apiVersion
        self.kind = kind
        self.namespace = namespace
        self.labelSelector = labelSelector
    }
}

/// Splits a byte stream into lines; watch events are one JSON object per line.
struct LineSplitter {
    private var buffer: [UInt8] = []

    mutating func feed(_ chunk: [UInt8]) -> [[UInt8]] {
        buffer += chunk
        var lines: [[UInt8]] = []
        var start = 0
        while let nl = buffer[start...].firstIndex(of: 0x0A) {
            if nl > start { lines.append(Array(buffer[start..<nl])) }
            start = nl + 1
        }
        buffer.removeFirst(start)
        return lines
    }
}

extension KubeClient {
    /// One watch request from `resourceVersion`, with bookmarks. The stream ends when the
    /// server closes it (after `timeoutSeconds`); it fails with `StatusError` (`.expired` for
    /// a compacted resourceVersion) on an ERROR event, or with a transport error on a drop.
    /// Reconnecting is the caller's choice: `LiveCache` does it.
    public func watch(_ target: WatchTarget, resourceVersion: String, timeoutSeconds: Int = 300)
        -> AsyncThrowingStream<WatchEvent, any Error>
    {
        let (stream, continuation) = AsyncThrowingStream<WatchEvent, any Error>.makeStream()
        let task = Task {
            do {
                try await runWatch(target, resourceVersion: resourceVersion, timeoutSeconds: timeoutSeconds) {
                    continuation.yield($0)
                }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }

    private func runWatch(
        _ target: WatchTarget, resourceVersion: String, timeoutSeconds: Int, yield: (WatchEvent) -> Void
    ) async throws {
        let mapping = try await self.mapping(apiVersion: target.apiVersion, kind: target.kind)
        let collection = mapping.collectionPath(namespace: mapping.namespaced ? (target.namespace ?? "") : "")
        var query: [(String, String)] = [("watch", "1"), ("allowWatchBookmarks", "true")]
        if let selector = target.labelSelector, !selector.isEmpty { query.append(("labelSelector", selector)) }
        if !resourceVersion.isEmpty { query.append(("resourceVersion", resourceVersion)) }
        query.append(("timeoutSeconds", String(timeoutSeconds)))
        var request = KubeRequest(method: "GET", path: collection + "?" + PathEscape.query(query))
        // The server ends the watch at timeoutSeconds; the client allows a margin beyond it.
        request.timeout = .seconds(timeoutSeconds + 30)
        try await limiter.acquire()
        request = try await authorize(request)
        var splitter = LineSplitter()
        // A stream's status is known from its first chunk (or its end): reported once.
        var reported = false
        do {
            for try await chunk in transport.stream(request) {
                if !reported {
                    reported = true
                    options.onResponse?(request, 200)
                }
                for line in splitter.feed(chunk) {
                    let event = try JSONReader().parse(line)
                    let type = event["type"]?.stringValue ?? ""
                    let object = event["object"] ?? .null
                    if type == "ERROR" {
                        throw StatusError(status: object, httpStatus: 500)
                    }
                    guard let kind = WatchEvent.Kind(rawValue: type) else {
                        throw KubeClientError(message: "\(mapping.apiVersion) \(mapping.kind): unknown watch event type \(type)")
                    }
                    yield(WatchEvent(kind: kind, object: object))
                }
            }
            if !reported { options.onResponse?(request, 200) }
        } catch let unexpected as UnexpectedResponse {
            options.onResponse?(request, unexpected.response.status)
            if unexpected.response.status == 401 { _ = await credentials.invalidate() }
            throw StatusError(response: unexpected.response)
        }
    }
}
