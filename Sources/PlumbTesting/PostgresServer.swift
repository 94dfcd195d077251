import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A throwaway PostgreSQL server (Debian's `postgresql` package) for one test: `initdb` into
/// a temporary directory, `postgres` listening on a free 127.0.0.1 port, stopped by `stop()`
/// (and on deinit) and its directory removed. The superuser is `plumb`; with a `password`
/// the server requires it (scram-sha-256), without one it trusts every login.
///
/// initdb and postgres refuse to run as root: as root (CI), both run as the `postgres` user
/// (created by the package) through `setpriv`, with the directory handed to that user.
public final class PostgresServer {
    /// Where Debian installs the server binaries.
    public static let binDirectory: String? = {
        let root = "/usr/lib/postgresql"
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        return versions.compactMap(Int.init).sorted().last.map { "\(root)/\($0)/bin" }
    }()

    public let port: Int
    public let user = "plumb"
    public let password: String?
    /// The server's directory (data, log), removed by `stop()`.
    public let directory: String
    private var server: Server
    private let bin: String
    private let owner: (uid: uid_t, gid: gid_t)?
    private let environment: [String: String]

    /// `postgres://plumb@127.0.0.1:PORT/DATABASE?sslmode=disable`, without the password.
    public func url(database: String = "postgres") -> String {
        "postgres://\(user)@127.0.0.1:\(port)/\(database)?sslmode=disable"
    }

    /// Starts a server; waits (at most `timeout` seconds) until it accepts queries.
    public init(password: String? = nil, timeout: TimeInterval = 30) throws {
        guard let bin = PostgresServer.binDirectory else {
            throw TestFailure("PostgreSQL is not installed (/usr/lib/postgresql/*/bin): apt-get install postgresql")
        }
        self.bin = bin
        self.password = password
        let owner = PostgresServer.unprivilegedUser()
        self.owner = owner
        // As root the server's user must reach the directory: /tmp, not a TMPDIR under /root.
        var template = Array("\(owner == nil ? NSTemporaryDirectory() : "/tmp")/plumb-pg-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw TestFailure("mkdtemp failed") }
        directory = String(cString: made)
        let data = directory + "/data"
        var initArgs = ["-D", data, "-U", user, "-E", "UTF8", "--no-sync", "--no-instructions"]
        if let password {
            let file = directory + "/pwfile"
            try Data(password.utf8).write(to: URL(fileURLWithPath: file))
            initArgs += ["--auth=scram-sha-256", "--pwfile=\(file)"]
        } else {
            initArgs += ["--auth=trust"]
        }
        if let owner { try PostgresServer.chown(directory, to: owner) }
        let environment = ["PATH": "\(bin):/usr/bin:/bin", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"]
        self.environment = environment
        let (initdb, initdbArgs) = PostgresServer.command(bin + "/initdb", initArgs, as: owner)
        try runTool(initdb, initdbArgs, env: environment)
        port = try freePort()
        server = try PostgresServer.start(bin: bin, data: data, port: port, owner: owner, log: directory + "/postgres.log", environment: environment)
        try waitUntilReady(timeout: timeout)
    }

    private static func start(
        bin: String, data: String, port: Int, owner: (uid: uid_t, gid: gid_t)?, log: String, environment: [String: String]
    ) throws -> Server {
        let (postgres, postgresArgs) = PostgresServer.command(
            bin + "/postgres",
            [
                "-D", data, "-p", "\(port)", "-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=",
                "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
                "-c", "max_connections=50", "-c", "shared_buffers=16MB",
            ], as: owner)
        return try Server(postgres, postgresArgs, log: log, env: environment)
    }

    private func waitUntilReady(timeout: TimeInterval) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            // pg_isready: 0 accepting, 1 rejecting (starting up), 2 no answer.
            let ready = try runTool(
                bin + "/pg_isready", ["-h", "127.0.0.1", "-p", "\(port)", "-t", "2"], env: environment, check: false)
            if ready.status == 0 { return }
            guard server.isRunning else { throw TestFailure("postgres exited: \(server.output)") }
            guard Date() < deadline else {
                stop()
                throw TestFailure("postgres did not accept connections within \(timeout)s: \(server.output)")
            }
            usleep(100_000)
        }
    }

    /// Stops the server (ending every session) and starts it again on the same port and data.
    public func restart(timeout: TimeInterval = 30) throws {
        shutDown()
        server = try PostgresServer.start(
            bin: bin, data: directory + "/data", port: port, owner: owner, log: directory + "/postgres-restarted.log",
            environment: environment)
        try waitUntilReady(timeout: timeout)
    }

    /// Runs SQL with `psql` as the superuser (as someone with database access would);
    /// returns its output (`-At`: unaligned, tuples only).
    @discardableResult
    public func psql(_ sql: String, database: String = "postgres") throws -> String {
        var env = ["PATH": "\(bin):/usr/bin:/bin", "LANG": "C.UTF-8"]
        if let password { env["PGPASSWORD"] = password }
        let result = try runTool(
            bin + "/psql",
            ["-h", "127.0.0.1", "-p", "\(port)", "-U", user, "-d", database, "-v", "ON_ERROR_STOP=1", "-At", "-c", sql],
            env: env)
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The server's log (what it printed since it started).
    public var log: String { server.output }

    /// Stops the server with a fast shutdown (SIGINT: open sessions are ended), bounded, and
    /// removes its directory.
    public func stop() {
        shutDown()
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func shutDown() {
        if server.isRunning {
            kill(server.pid, SIGINT)
            for _ in 0..<150 where server.isRunning { usleep(20_000) }
        }
        server.stop()
    }

    deinit { stop() }

    /// The user the server runs as: `postgres` (or `nobody`) when this process is root, else nil.
    static func unprivilegedUser() -> (uid: uid_t, gid: gid_t)? {
        guard getuid() == 0 else { return nil }
        for name in ["postgres", "nobody"] {
            if let entry = getpwnam(name) { return (entry.pointee.pw_uid, entry.pointee.pw_gid) }
        }
        return nil
    }

    /// `executable args`, or the same through `setpriv` as `owner`.
    static func command(_ executable: String, _ args: [String], as owner: (uid: uid_t, gid: gid_t)?) -> (String, [String]) {
        guard let owner else { return (executable, args) }
        return ("/usr/bin/setpriv", ["--reuid=\(owner.uid)", "--regid=\(owner.gid)", "--clear-groups", executable] + args)
    }

    static func chown(_ path: String, to owner: (uid: uid_t, gid: gid_t)) throws {
        guard Glibc.chown(path, owner.uid, owner.gid) == 0 else {
            throw TestFailure("chown \(path): \(String(cString: strerror(errno)))")
        }
        for entry in FileManager.default.enumerator(atPath: path)?.compactMap({ $0 as? String }) ?? [] {
            _ = Glibc.chown(path + "/" + entry, owner.uid, owner.gid)
        }
    }
}
