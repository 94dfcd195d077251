import ArgumentParser
import PlumbAudit

/// Where the audit trail is: `--audit-db`, `.plumb/audit.db` by default.
struct AuditOptions: ParsableArguments {
    @Option(help: "The audit database (default .plumb/audit.db).")
    var auditDb: String = SQLiteAuditStore.defaultPath

    /// Opens the existing audit database, marks syncs whose process died as interrupted and
    /// warns about them on stderr.
    func open() throws -> SQLiteAuditStore {
        do {
            let store = try SQLiteAuditStore(path: auditDb, create: false)
            for record in try store.markInterrupted(now: .now()) {
                Terminal.writeErr("warning: \(record.interruptionWarning)\n")
            }
            return store
        } catch let error as AuditError {
            throw CLIError(error.description)
        }
    }

    /// Runs a query, turning the store's errors into one `error:` line.
    func query<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as AuditError {
            throw CLIError(error.description)
        }
    }
}

enum AuditOutputFormat: String, ExpressibleByArgument, CaseIterable {
    case table, json
}

enum AuditTextFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}
