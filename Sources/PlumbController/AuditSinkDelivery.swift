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
    let outbox: AuditOutbox
    let store: SQLiteAuditStore
    let client: WebhookClient
    let initialBackoff: Duration
    let maxBackoff: Duration
    let idlePoll: Duration
    let log: @Sendable (String) -> Void

    /// Registers `sinks` with the outbox (records completed from now on are queued for them).
    public init(
        store: SQLiteAuditStore, sinks: [AuditSink], key: [UInt8]?, initialBackoff: Duration = .seconds(1),
        maxBackoff: Duration = .seconds(300), idlePoll: Duration = .seconds(1), requestTimeout: Duration = .seconds(30),
        log: @escaping @Sendable (String) -> Void = { _ in }
    ) throws {
        self.store = store
        self.sinks = sinks
        self.outbox = AuditOutbox(store: store)
        self.client = WebhookClient(key: key, requestTimeout: requestTimeout)
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
        self.idlePoll = idlePoll
        self.log = log
        try outbox.register(sinks: sinks.map(\.id))
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
        return (try? outbox.count()) ?? 0
    }

    /// Sends `sink`'s due entries in order; stops at the first failure. Returns how long until
    /// the head entry is due again, or nil when the sink's queue is empty.
    func deliverDue(_ sink: AuditSink) async -> Duration? {
        while !Task.isCancelled {
            let entry: AuditOutbox.Entry
            do {
                guard let head = try outbox.head(sink: sink.id) else { return nil }
                entry = head
            } catch {
                log("audit sink \(WebhookClient.safe(sink.url)): outbox: \(error)")
                return idlePoll
            }
            let now = AuditTimestamp.now().milliseconds
            if entry.notBefore > now { return .milliseconds(entry.notBefore - now) }
            do {
                guard let record = try store.record(entry.recordID) else {
                    try outbox.delivered(entry)  // the record is gone (cascade would have removed the row)
                    continue
                }
                try await send(record, to: sink)
                try outbox.delivered(entry)
            } catch {
                let backoff = backoff(attempts: entry.attempts)
                let message = "\(error)"
                log(
                    "audit sink \(WebhookClient.safe(sink.url)): record \(entry.recordID): \(message); retrying in \(SyncWindows.text(backoff))"
                )
                let notBefore = AuditTimestamp(
                    milliseconds: now + Int64(backoff.components.seconds) * 1000 + backoff.components.attoseconds
                        / 1_000_000_000_000_000)
                try? outbox.failed(entry, notBefore: notBefore, error: message)
                return backoff
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
