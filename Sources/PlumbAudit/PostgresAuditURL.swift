import Foundation
import PostgresNIO

/// Where a PostgreSQL audit database is: `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE?sslmode=MODE`,
/// libpq's URL form. The password is kept apart from the URL so that `display` can be printed
/// and logged: it shows the URL with the password masked.
public struct PostgresAuditURL: Sendable, Equatable {
    /// libpq's `sslmode`: whether TLS is used and what of the server's certificate is checked.
    public enum SSLMode: String, Sendable, CaseIterable {
        case disable, allow, prefer, require
        case verifyCA = "verify-ca"
        case verifyFull = "verify-full"
    }

    public var host: String
    public var port: Int
    public var user: String
    public var database: String
    public var sslMode: SSLMode
    /// `sslrootcert`: a PEM file of the CAs the server's certificate must chain to.
    public var sslRootCert: String?
    /// `connect_timeout` in seconds (default 10).
    public var connectTimeout: Int
    /// The password, from the URL or given apart (`withPassword`); never in `display`.
    public var password: String?
    /// Whether the URL itself carried the password (worth a warning: it shows in process lists).
    public private(set) var passwordInURL: Bool

    /// Whether `text` names a PostgreSQL database rather than a SQLite file.
    public static func isPostgres(_ text: String) -> Bool {
        let lower = text.lowercased()
        return lower.hasPrefix("postgres://") || lower.hasPrefix("postgresql://")
    }

    /// Parses a `postgres://` URL; the error says what is wrong, never with the password.
    public init(_ text: String) throws(AuditError) {
        let shown = PostgresAuditURL.mask(text)
        func bad(_ why: String) -> AuditError {
            .database(path: shown, message: "\(why) (expected postgres://USER@HOST[:PORT]/DATABASE?sslmode=MODE)")
        }
        guard PostgresAuditURL.isPostgres(text), let url = URLComponents(string: text) else {
            throw bad("not a URL")
        }
        guard let host = url.host, !host.isEmpty else { throw bad("no host") }
        guard let user = url.user, !user.isEmpty else { throw bad("no user") }
        self.host = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        self.user = user
        let port = url.port ?? 5432
        guard (1...65535).contains(port) else { throw bad("port \(port) is out of range") }
        self.port = port
        let name = url.path.hasPrefix("/") ? String(url.path.dropFirst()) : url.path
        guard !name.contains("/") else { throw bad("database \"\(name)\" holds a slash") }
        database = name.isEmpty ? user : name
        password = url.password
        passwordInURL = url.password != nil
        sslMode = .prefer
        sslRootCert = nil
        connectTimeout = 10
        for item in url.queryItems ?? [] {
            let value = item.value ?? ""
            switch item.name {
            case "sslmode":
                guard let mode = SSLMode(rawValue: value) else {
                    throw bad("sslmode \"\(value)\" is not one of \(SSLMode.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                sslMode = mode
            case "sslrootcert":
                sslRootCert = value
            case "connect_timeout":
                guard let seconds = Int(value), seconds > 0 else { throw bad("connect_timeout \"\(value)\" is not a number of seconds") }
                connectTimeout = seconds
            default:
                throw bad("parameter \"\(item.name)\" is not supported (sslmode, sslrootcert, connect_timeout are)")
            }
        }
    }

    /// The URL as it may be shown: `postgres://plumb:***@db:5432/audit?sslmode=require`.
    public var display: String {
        var url = URLComponents()
        url.scheme = "postgres"
        url.user = user
        if password != nil { url.password = "***" }
        url.host = host.contains(":") ? "[\(host)]" : host
        url.port = port
        url.path = "/" + database
        var query = [URLQueryItem(name: "sslmode", value: sslMode.rawValue)]
        if let sslRootCert { query.append(URLQueryItem(name: "sslrootcert", value: sslRootCert)) }
        url.queryItems = query
        return url.string ?? "postgres://\(user)@\(host):\(port)/\(database)"
    }

    /// `text` with whatever stands between `user:` and `@` replaced by `***`, for errors about
    /// URLs that do not parse.
    public static func mask(_ text: String) -> String {
        guard let scheme = text.range(of: "://") else { return text }
        let rest = text[scheme.upperBound...]
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? rest.endIndex
        guard let at = rest[..<authorityEnd].lastIndex(of: "@"),
            let colon = rest[..<at].firstIndex(of: ":")
        else { return text }
        return String(text[..<rest.index(after: colon)]) + "***" + String(text[at...])
    }

    /// The connection settings PostgresNIO takes, TLS as `sslMode` asks.
    func connectionConfiguration() throws(AuditError) -> PostgresConnection.Configuration {
        var config = PostgresConnection.Configuration(
            host: host, port: port, username: user, password: password, database: database, tls: try tls())
        config.options.connectTimeout = .seconds(Int64(connectTimeout))
        if sslMode == .verifyFull { config.options.tlsServerName = host }
        return config
    }

    private func tls() throws(AuditError) -> PostgresConnection.Configuration.TLS {
        var tls = TLSConfiguration.makeClientConfiguration()
        // As libpq: `prefer`/`allow`/`require` encrypt without checking the certificate (unless a
        // root certificate is given for `require`), `verify-ca` checks the chain, `verify-full` the name too.
        switch sslMode {
        case .disable: return .disable
        case .allow, .prefer, .require:
            tls.certificateVerification = sslRootCert == nil || sslMode != .require ? .none : .noHostnameVerification
        case .verifyCA: tls.certificateVerification = .noHostnameVerification
        case .verifyFull: tls.certificateVerification = .fullVerification
        }
        if let sslRootCert { tls.trustRoots = .file(sslRootCert) }
        do {
            let context = try NIOSSLContext(configuration: tls)
            return sslMode == .prefer || sslMode == .allow ? .prefer(context) : .require(context)
        } catch {
            throw .database(path: display, message: "TLS: \(error)")
        }
    }
}
