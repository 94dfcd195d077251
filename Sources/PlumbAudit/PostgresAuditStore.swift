import Foundation
import Logging
import PostgresNIO

/// The audit trail in a PostgreSQL database, for several writers: controller replicas, several
/// clusters, CLI runs on several machines. Every append is one transaction that locks the
/// chain head (`SELECT ... FOR UPDATE` on the one row of `audit_chain`), reads the previous
/// record's header hash and the last id given out, inserts the next record and moves the head,
/// so two appends can never link to the same record, and ids have no gaps (a rolled-back
/// append gives its id back, unlike a sequence). The records, their columns and hashes are
/// those of `SQLiteAuditStore`: an export of either verifies the same way.
///
/// Thread safe: one connection per store, one call on it at a time; a lost connection is
/// opened again by the next call. The calls block the calling thread until the server answers
/// (the `AuditStore` protocol is synchronous); the connection runs on an event loop of its own,
/// never on one that could be waiting for it.
public final class PostgresAuditStore: AuditStore, @unchecked Sendable {
    /// Where the database is; its `display` names it in errors.
    public let url: PostgresAuditURL
    let staleAfter: Int64
    private let lock = NSLock()
    private var connection: PostgresConnection?
    /// PostgresNIO's own log lines stay out of Plumb's log (they could name the server's setup).
    private let logger = Logger(label: "plumb.audit.postgres", factory: { _ in SwiftLogNoOpLogHandler() })
    /// How many records `verify` and `export` read at a time.
    static let pageSize = 500
    /// Set on every connection: see `connected()`.
    static let sessionSettings = [
        "SET application_name = 'plumb'", "SET lock_timeout = '60s'",
        "SET idle_in_transaction_session_timeout = '60s'",
    ]

    /// The event loop the audit connections run on: one thread for the process, apart from
    /// every loop a caller's task could be running on while it waits for an answer.
    private static let eventLoops = MultiThreadedEventLoopGroup(numberOfThreads: 1)

    /// Connects to `url` (whose `password` is set) and brings the schema up to date. Throws
    /// `AuditError.database` naming the URL without its password: the server cannot be reached,
    /// refused the login, or the schema could not be created.
    public init(url: PostgresAuditURL, staleAfterMilliseconds: Int64 = defaultAuditStaleness) throws {
        self.url = url
        self.staleAfter = staleAfterMilliseconds
        try migrate()
    }

    deinit {
        if let connection { try? connection.close().wait() }
    }

    /// Runs `body` on the connection (opened when there is none), one call at a time.
    func withConnection<T>(_ body: (Session) throws -> T) throws -> T {
        lock.lock()
        defer { lock.unlock() }
        do {
            let session = Session(connection: try connected(), logger: logger)
            return try body(session)
        } catch let error as PSQLError {
            if error.code != .server { dropConnection() }
            throw AuditError.database(path: url.display, message: PostgresAuditStore.describe(error, url: url))
        } catch let error as UnreadableRecord {
            throw AuditError.database(path: url.display, message: "record \(error.id): \(error.why)")
        }
    }

    /// Runs `body` in a transaction (`BEGIN` ... `COMMIT`, rolled back when it throws).
    func transaction<T>(_ begin: String = "BEGIN", _ body: (Session) throws -> T) throws -> T {
        try withConnection { session in
            try session.execute(begin)
            do {
                let result = try body(session)
                try session.execute("COMMIT")
                return result
            } catch {
                try? session.execute("ROLLBACK")
                throw error
            }
        }
    }

    private func connected() throws -> PostgresConnection {
        if let connection, !connection.isClosed { return connection }
        connection = nil
        let config = try url.connectionConfiguration()
        let started = DispatchTime.now()
        do {
            let opened = try PostgresConnection.connect(
                on: PostgresAuditStore.eventLoops.next(), configuration: config, id: 1, logger: logger
            ).wait()
            // Bounded waits: an append waits at most lock_timeout for the chain head, and a
            // session that stalls inside a transaction (a frozen process) is ended by the server,
            // which releases the chain head for the other writers.
            for setting in PostgresAuditStore.sessionSettings {
                _ = try opened.query(PostgresQuery(unsafeSQL: setting), logger: logger).wait()
            }
            connection = opened
            return opened
        } catch let error as PSQLError where error.underlying == nil && [.clientClosedConnection, .serverClosedConnection].contains(error.code) {
            // PostgresNIO ends a connection attempt that timed out by closing it, without a cause.
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9
            let why = seconds >= Double(url.connectTimeout) - 0.5
                ? "no answer within \(url.connectTimeout) s" : "the connection was closed before a PostgreSQL server answered"
            throw AuditError.database(path: url.display, message: "cannot connect to \(url.host):\(url.port): \(why)")
        }
    }

    private func dropConnection() {
        if let connection { try? connection.close().wait() }
        connection = nil
    }

    /// Why a connection failed, for people: `connection refused`, `cannot resolve db.example`.
    static func reason(_ error: any Error) -> String {
        if let e = error as? NIOConnectionError {
            if let first = e.connectionErrors.first { return reason(first.error) }
            return e.dnsAError != nil || e.dnsAAAAError != nil ? "cannot resolve \(e.host)" : "no address to connect to"
        }
        if let e = error as? IOError { return String(cString: strerror(e.errnoCode)).lowercased() }
        if let e = error as? ChannelError, case .connectTimeout(let timeout) = e {
            return "no answer within \(timeout.nanoseconds / 1_000_000_000) s"
        }
        if error is SocketAddressError { return "cannot resolve the host" }
        return "\(error)".split(separator: "\n").first.map(String.init) ?? "\(error)"
    }

    /// One line for a failure of the server or the connection, never with the password.
    static func describe(_ error: PSQLError, url: PostgresAuditURL) -> String {
        let place = "\(url.host):\(url.port)"
        switch error.code {
        case .server:
            let message = error.serverInfo?[.message] ?? "server error"
            let state = error.serverInfo?[.sqlState] ?? ""
            // 28P01 invalid_password, 28000 invalid_authorization_specification (pg_hba.conf).
            if state == "28P01" || state == "28000" {
                return "authentication failed: \(message)"
                    + (url.password == nil ? " (no password given: --audit-db-password-file or PLUMB_AUDIT_DB_PASSWORD)" : "")
            }
            return message + (state.isEmpty ? "" : " (SQLSTATE \(state))")
        case .connectionError:
            return "cannot connect to \(place): " + (error.underlying.map(reason) ?? "no answer")
        case .authMechanismRequiresPassword:
            return "the server asks for a password: give --audit-db-password-file or PLUMB_AUDIT_DB_PASSWORD"
        case .sslUnsupported:
            return "the server at \(place) does not accept TLS (sslmode=\(url.sslMode.rawValue))"
        case .serverClosedConnection, .clientClosedConnection, .uncleanShutdown:
            if let underlying = error.underlying { return "cannot connect to \(place): " + reason(underlying) }
            return "the connection to \(place) was closed"
        case .unsupportedAuthMechanism:
            return "the server at \(place) asks for an authentication method Plumb does not support"
        default:
            return "\(error.code)" + (error.underlying.map { ": \($0)" } ?? "")
        }
    }
}

extension PostgresAuditStore {
    /// Statements on one connection, each waited for.
    struct Session {
        let connection: PostgresConnection
        let logger: Logger

        /// Runs `sql` with `$1`, `$2`, ... bound to `binds`; returns every row.
        @discardableResult
        func query(_ sql: String, _ binds: [AuditColumnValue] = []) throws -> [PostgresRow] {
            var bindings = PostgresBindings(capacity: binds.count)
            for value in binds {
                switch value {
                case .text(let text?): bindings.append(text)
                case .text(nil): bindings.appendNull()
                case .integer(let number): bindings.append(number)
                }
            }
            return try connection.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger).wait().rows
        }

        /// Runs `sql` with `$1` bound to a list of ids.
        func query(_ sql: String, ids: [Int64]) throws -> [PostgresRow] {
            var bindings = PostgresBindings(capacity: 1)
            bindings.append(ids)
            return try connection.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger).wait().rows
        }

        func execute(_ sql: String) throws {
            _ = try connection.query(PostgresQuery(unsafeSQL: sql), logger: logger).wait()
        }
    }
}

/// A PostgreSQL row read by column name.
struct PostgresStoredRow: AuditStoredRow {
    let row: PostgresRandomAccessRow

    init(_ row: PostgresRow) { self.row = row.makeRandomAccess() }

    func text(_ column: String) -> String? {
        guard row.contains(column) else { return nil }
        return try? row[column].decode(String?.self)
    }

    func integer(_ column: String) -> Int64? {
        guard row.contains(column) else { return nil }
        return try? row[column].decode(Int64?.self)
    }
}
