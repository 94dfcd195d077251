import Foundation

/// Which audit store `--audit-db` names: a SQLite file (the default, for the CLI and a single
/// controller replica) or a PostgreSQL database (`postgres://...`, for several writers).
public enum AuditDatabase: Sendable, Equatable {
    case sqlite(path: String)
    case postgres(PostgresAuditURL)

    /// The environment variable holding the PostgreSQL password.
    public static let passwordVariable = "PLUMB_AUDIT_DB_PASSWORD"

    /// Reads `--audit-db`: a `postgres://` or `postgresql://` URL, or else a file path. The
    /// password of a URL comes from `passwordFile` (first line, without its line break), else
    /// from `$PLUMB_AUDIT_DB_PASSWORD`, else from the URL itself.
    public init(_ text: String, passwordFile: String? = nil, environment: [String: String] = [:]) throws(AuditError) {
        guard PostgresAuditURL.isPostgres(text) else {
            self = .sqlite(path: text)
            return
        }
        var url = try PostgresAuditURL(text)
        if let passwordFile {
            guard let data = FileManager.default.contents(atPath: passwordFile) else {
                throw .database(path: url.display, message: "cannot read the password file \(passwordFile)")
            }
            var password = String(decoding: data, as: UTF8.self)
            while password.hasSuffix("\n") || password.hasSuffix("\r") { password.removeLast() }
            url.password = password
        } else if let password = environment[AuditDatabase.passwordVariable], !password.isEmpty {
            url.password = password
        }
        self = .postgres(url)
    }

    /// The database as it may be printed and logged: the path, or the URL with its password masked.
    public var display: String {
        switch self {
        case .sqlite(let path): return path
        case .postgres(let url): return url.display
        }
    }

    /// A warning worth printing before use: a password written in the URL (it shows in process
    /// lists and shell history) and not overridden by a file or the environment.
    public var warning: String? {
        guard case .postgres(let url) = self, url.passwordInURL else { return nil }
        return "--audit-db \(url.display): a password in the URL shows in process lists and shell history; "
            + "give it with --audit-db-password-file or \(AuditDatabase.passwordVariable) instead"
    }

    /// Opens the store: for SQLite, creating the file only when `create` is true (else
    /// `AuditError.notFound`); for PostgreSQL, connecting and creating the schema if needed.
    public func open(create: Bool) throws -> any AuditStore {
        switch self {
        case .sqlite(let path): return try SQLiteAuditStore(path: path, create: create)
        case .postgres(let url): return try PostgresAuditStore(url: url)
        }
    }
}
