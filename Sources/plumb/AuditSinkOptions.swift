import ArgumentParser
import Foundation
import PlumbAudit
import PlumbController

/// `--audit-sink URL` (repeatable) and its HMAC key: where completed audit records are
/// delivered (docs/governance.md, "Audit sinks"). Shared by `sync`, `rollback` and `controller`.
struct AuditSinkOptions: ParsableArguments {
    @Option(help: "POST each completed audit record to this URL, through the audit database's outbox (repeatable).")
    var auditSink: [String] = []

    @Option(help: "A file holding the HMAC-SHA256 key that signs audit sink deliveries (X-Plumb-Signature-256).")
    var auditSinkSecretFile: String?

    func validate() throws {
        for url in auditSink {
            guard let scheme = URLComponents(string: url)?.scheme, scheme == "http" || scheme == "https" else {
                throw ValidationError("--audit-sink \(WebhookClient.safe(url)): expected an http:// or https:// URL")
            }
        }
    }

    /// The outbox the sinks are delivered from lives in a SQLite audit database.
    static let needsSQLite = CLIError(
        "--audit-sink: the delivery outbox is kept in a SQLite audit database; it is not available with a postgres:// --audit-db")

    /// The delivery of `--audit-sink`, registered with the outbox of the store's database
    /// (SQLite or PostgreSQL), or nil.
    func delivery(
        _ store: any AuditStore, initialBackoff: Duration, maxBackoff: Duration,
        log: @escaping @Sendable (String) -> Void
    ) throws -> AuditSinkDelivery? {
        guard !auditSink.isEmpty else { return nil }
        guard let outbox = AuditSinkDelivery.outbox(of: store) else { throw Self.needsSQLite }
        let key = try auditSinkSecretFile.map { file in
            do { return try WebhookClient.key(file: file) } catch {
                throw CLIError("--audit-sink-secret-file \(error)")
            }
        }
        do {
            return try AuditSinkDelivery(
                outbox: outbox, sinks: auditSink.map(AuditSink.init(url:)), key: key, initialBackoff: initialBackoff,
                maxBackoff: maxBackoff, requestTimeout: .seconds(10), log: log)
        } catch let error as AuditError {
            throw CLIError(error.description)
        }
    }
}
