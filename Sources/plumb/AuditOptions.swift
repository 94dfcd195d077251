import ArgumentParser
import Foundation
import PlumbAudit

/// Where the audit trail is: `--audit-db`, a SQLite file (`.plumb/audit.db` by default) or a
/// PostgreSQL URL, and the PostgreSQL password (`--audit-db-password-file`,
/// `$PLUMB_AUDIT_DB_PASSWORD`). Shared by sync, rollback, history, audit (the controller has
/// the same two flags).
struct AuditOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "The audit database: a SQLite file (default .plumb/audit.db) or a PostgreSQL URL (postgres://USER@HOST:PORT/DB).",
            valueName: "path-or-url"))
    var auditDb: String = SQLiteAuditStore.defaultPath

    @Option(help: "A file holding the password of a PostgreSQL --audit-db (else $PLUMB_AUDIT_DB_PASSWORD).")
    var auditDbPasswordFile: String?

    func validate() throws {
        do {
            _ = try database()
        } catch {
            throw ValidationError(error.description)
        }
        if auditDbPasswordFile != nil && !PostgresAuditURL.isPostgres(auditDb) {
            throw ValidationError("--audit-db-password-file: only a postgres:// --audit-db takes a password")
        }
    }

    /// The database `--audit-db` names, with its password.
    func database() throws(AuditError) -> AuditDatabase {
        try AuditDatabase(auditDb, passwordFile: auditDbPasswordFile, environment: ProcessInfo.processInfo.environment)
    }

    /// `--audit-db` as it may be printed: a PostgreSQL URL's password masked.
    var display: String { (try? database().display) ?? PostgresAuditURL.mask(auditDb) }

    /// Opens the audit database (a SQLite file must exist unless `create` is true), marks
    /// syncs whose process died as interrupted and warns about them on stderr.
    func open(create: Bool = false) throws -> any AuditStore {
        do {
            let database = try database()
            if let warning = database.warning { Terminal.writeErr("warning: \(warning)\n") }
            let store = try database.open(create: create)
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
