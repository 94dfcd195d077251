import ArgumentParser
import Foundation
import PlumbAudit
import PlumbController
import PlumbCore
import PlumbYAML

/// The change-management hooks of `plumb sync` and `plumb rollback` (docs/governance.md,
/// "Change management"): an approval endpoint, sync windows, audit sinks.
struct ChangeOptions: ParsableArguments {
    @Option(
        help:
            "POST the plan summary here before the first write and sync only when it answers approved (exit 2 otherwise)."
    )
    var approvalURL: String?

    @Option(help: "How long a pending approval is waited for: 90s, 10m, 1h.")
    var approvalTimeout: String = "10m"

    @Option(help: "How often a pending approval is asked for again.")
    var approvalPollInterval: String = "10s"

    @Option(help: "A file holding the HMAC-SHA256 key that signs the approval request (X-Plumb-Signature-256).")
    var approvalSecretFile: String?

    @Option(
        help:
            "Sync only while these sync windows allow a manual sync (a YAML list of {kind, schedule, duration, timeZone, manualSync})."
    )
    var syncWindows: String?

    @OptionGroup var sinks: AuditSinkOptions

    @Option(
        help:
            "How long the command keeps delivering to audit sinks after the sync; what is left stays queued for the next run."
    )
    var auditSinkTimeout: String = "30s"

    func validate() throws {
        for (flag, text) in [
            ("--approval-timeout", approvalTimeout), ("--approval-poll-interval", approvalPollInterval),
            ("--audit-sink-timeout", auditSinkTimeout),
        ] {
            guard SyncFlags.duration(text) != nil else {
                throw ValidationError("\(flag) \(text): expected a duration such as 90s, 5m or 1h")
            }
        }
        for url in approvalURL.map({ [$0] }) ?? [] {
            guard let scheme = URLComponents(string: url)?.scheme, scheme == "http" || scheme == "https" else {
                throw ValidationError("\(WebhookClient.safe(url)): expected an http:// or https:// URL")
            }
        }
        _ = try windows()
    }

    /// The approval gate of `--approval-url`, or nil.
    func gate() throws -> ApprovalGate? {
        guard let approvalURL else { return nil }
        let key = try approvalSecretFile.map { file in
            do { return try WebhookClient.key(file: file) } catch { throw CLIError("--approval-secret-file \(error)") }
        }
        let settings = ApprovalSettings(
            url: approvalURL, timeout: SyncFlags.duration(approvalTimeout) ?? .seconds(600),
            pollInterval: SyncFlags.duration(approvalPollInterval) ?? .seconds(10))
        return ApprovalGate(settings: settings, key: key)
    }

    /// The windows of `--sync-windows`, or nil.
    func windows() throws -> SyncWindows? {
        guard let syncWindows else { return nil }
        guard let data = FileManager.default.contents(atPath: syncWindows) else {
            throw ValidationError("--sync-windows \(syncWindows): cannot read the file")
        }
        do {
            let documents = try YAML.parseDocuments(Array(data), file: syncWindows)
            let value = documents.first?.value
            // A list, or a mapping with `windows:` (as in an Application's syncPolicy).
            return try SyncWindows(value?["windows"] ?? value, field: syncWindows + ": windows")
        } catch let error as SyncWindowError {
            throw ValidationError(error.description)
        } catch {
            throw ValidationError("\(error)")
        }
    }

    /// Refuses (exit 2) when the windows do not allow a manual sync now.
    func checkWindows() throws {
        guard let windows = try windows() else { return }
        if case .closed(let reason, let opensAt) = windows.verdict(at: Date(), manual: true) {
            let when =
                opensAt.map {
                    "; it opens at \(AuditTimestamp(milliseconds: Int64($0.timeIntervalSince1970 * 1000)).iso8601)"
                } ?? "; no window opens again"
            throw CLIError("sync window closed: \(reason)\(when); nothing was synced")
        }
    }

    /// Runs `body` (a sync) with the audit sinks registered first, so its record is queued for
    /// them when it completes, then delivers what is queued, whether `body` threw or not.
    func withAuditSinks(audit: AuditOptions, _ body: () async throws -> Void) async throws {
        guard !sinks.auditSink.isEmpty else { return try await body() }
        let delivery: AuditSinkDelivery?
        do {
            guard case .sqlite(let path) = try audit.database() else { throw AuditSinkOptions.needsSQLite }
            delivery = try self.delivery(try SQLiteAuditStore(path: path))
        } catch let error as AuditError {
            throw CLIError(error.description)
        }
        do {
            try await body()
        } catch {
            await drain(delivery)
            throw error
        }
        await drain(delivery)
    }

    /// The audit sink delivery of `--audit-sink`, registered with the store's outbox, or nil.
    func delivery(_ store: SQLiteAuditStore) throws -> AuditSinkDelivery? {
        try sinks.delivery(store, initialBackoff: .milliseconds(500), maxBackoff: .seconds(10)) {
            Terminal.writeErr("warning: \($0)\n")
        }
    }

    /// Delivers what is queued, for at most `--audit-sink-timeout`; says how many stay queued.
    func drain(_ delivery: AuditSinkDelivery?) async {
        guard let delivery else { return }
        let left = await delivery.drain(timeout: SyncFlags.duration(auditSinkTimeout) ?? .seconds(30))
        if left > 0 {
            Terminal.writeErr(
                "warning: \(left) audit sink deliveries stay queued in the audit database for the next run\n")
        }
    }
}
