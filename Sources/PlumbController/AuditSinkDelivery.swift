import Foundation
import PlumbAudit
import PlumbCore
import PlumbKube

/// An HTTP endpoint that receives every completed audit record (`--audit-sink URL`).
public struct AuditSink: Sendable, Equatable {
    public var url: String
    /// The outbox's name for it: a hash of the URL, so no credential in the URL reaches the database.
    public var id: String { String(AuditChain.sha256(.string(url)).prefix(24)) }

    public init(url: String) { self.url = url }
}

/// Delivers completed audit records from the outbox to the audit sinks: each record as the
/// JSON `plumb audit export` writes for it (hashes included), POSTed with
/// `X-Plumb-Delivery: <record id>-<header hash>` (the same on every attempt, for receivers to
/// drop duplicates) and an HMAC signature when a key is given. Per sink, in the order records
/// were completed: a record that fails holds the ones behind it back and is tried again with
/// exponential backoff, so nothing is lost and nothing arrives out of order.
public final class AuditSinkDelivery: Sendable {
    public let sinks: [AuditSink]
    let outbox: any AuditSinkQueue
    let client: WebhookClient
    let initialBackoff: Duration
    let maxBackoff: Duration
    let idlePoll: Duration
    let log: @Sendable (String) -> Void

    /// Registers `sinks` with the outbox of a SQLite audit database (records completed from
    /// now on are queued for them).
    public convenience init(
        store: SQLiteAuditStore, sinks: [AuditSink], key: [UInt8]?, initialBackoff: Duration = .seconds(1),
        maxBackoff: Duration = .seconds(300), idlePoll: Duration = .seconds(1), requestTimeout: Duration = .seconds(30),
        log: @escaping @Sendable (String) -> Void = { _ in }
    ) throws {
        try self.init(
            outbox: AuditOutbox(store: store), sinks: sinks, key: key, initialBackoff: initialBackoff,
            maxBackoff: maxBackoff, idlePoll: idlePoll, requestTimeout: requestTimeout, log: log)
    }

    /// Registers `sinks` with `outbox` (records completed from now on are queued for them).
    public init(
        outbox: any AuditSinkQueue, sinks: [AuditSink], key: [UInt8]?, initialBackoff: Duration = .seconds(1),
        maxBackoff: Duration = .seconds(300), idlePoll: Duration = .seconds(1), requestTimeout: Duration = .seconds(30),
        log: @escaping @Sendable (String) -> Void = { _ in }
    ) throws {
        self.sinks = sinks
        self.outbox = outbox
        self.client = WebhookClient(key: key, requestTimeout: requestTimeout)
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
        self.idlePoll = idlePoll
        self.log = log
        try outbox.register(sinks: sinks.map(\.id), now: .now())
    }

    /// The outbox of `store`'s database: its SQLite file, or its PostgreSQL tables.
    public static func outbox(of store: any AuditStore) -> (any AuditSinkQueue)? {
        if let sqlite = store as? SQLiteAuditStore { return AuditOutbox(store: sqlite) }
        if let postgres = store as? PostgresAuditStore { return PostgresAuditOutbox(store: postgres) }
        return nil
    }

    /// Delivers until the task is cancelled, one loop per sink.
    public func run() async {
        await withTaskGroup(of: Void.self) { group in
            for sink in sinks {
                group.addTask {
                    while !Task.isCancelled {
                        let wait = await self.deliverDue(sink)
                        try? await Task.sleep(for: wait ?? self.idlePoll)
                    }
                }
            }
        }
    }

    /// Delivers what is queued for every sink, waiting out backoffs, until nothing is queued or
    /// `timeout` passes; returns how many deliveries are still queued (they stay in the outbox).
    public func drain(timeout: Duration) async -> Int {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while clock.now < deadline && !Task.isCancelled {
            var soonest: Duration?
            for sink in sinks {
                if let wait = await deliverDue(sink) { soonest = min(soonest ?? wait, wait) }
            }
            guard let soonest else { break }
            let left = deadline - clock.now
            guard left > .zero else { break }
            try? await Task.sleep(for: min(soonest, left))
        }
        return (try? outbox.count(sink: nil)) ?? 0
    }

    /// Sends `sink`'s due entries in order; stops at the first failure. Returns how long until
    /// the head entry is due again (or until another replica delivering the sink may have
    /// finished), or nil when the sink's queue is empty.
    func deliverDue(_ sink: AuditSink) async -> Duration? {
        while !Task.isCancelled {
            do {
                switch try await outbox.deliverHead(
                    sink: sink.id, backoff: { [self] in backoff(attempts: $0) }, send: { [self] in try await send($0, to: sink) })
                {
                case .empty: return nil
                case .delivered: continue
                case .notDue(let wait): return wait
                case .busy: return idlePoll
                case .failed(let id, let message, let wait):
                    log("audit sink \(WebhookClient.safe(sink.url)): record \(id): \(message); retrying in \(SyncWindows.text(wait))")
                    return wait
                }
            } catch {
                log("audit sink \(WebhookClient.safe(sink.url)): outbox: \(error)")
                return idlePoll
            }
        }
        return idlePoll
    }

    /// `X-Plumb-Delivery` of a record: its id and the start of its header hash, which never change.
    public static func deliveryID(_ record: AuditRecord) -> String { "\(record.id)-\(record.headerHash.prefix(16))" }

    func send(_ record: AuditRecord, to sink: AuditSink) async throws {
        let body = Array(AuditChain.canonicalJSON(record.exportValue).utf8)
        let headers = [
            HTTPHeader("X-Plumb-Delivery", Self.deliveryID(record)), HTTPHeader("X-Plumb-Event", "audit-record"),
        ]
        let response = try await client.send("POST", sink.url, body: body, headers: headers)
        guard (200..<300).contains(response.status) else {
            throw WebhookError(url: WebhookClient.safe(sink.url), message: "answered HTTP \(response.status)")
        }
    }

    /// Exponential from `initialBackoff`, doubling per failed attempt, capped at `maxBackoff`.
    func backoff(attempts: Int) -> Duration {
        var d = initialBackoff
        for _ in 0..<min(attempts, 30) where d < maxBackoff { d = d * 2 }
        return min(d, maxBackoff)
    }
}
